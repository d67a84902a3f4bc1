//! Pingan's HTTP layer: the JSON API under `/api/v1`, server-rendered pages,
//! sign-in and sessions, OpenAPI, operations endpoints and embedded assets.
//!
//! A request's way: handler (parse input, extract the actor) → domain rule →
//! store (scoped query or one transaction with its audit event) → response.

pub mod api;
pub mod assets;
pub mod auth;
pub mod documents;
pub mod error;
pub mod i18n;
pub mod notify;
pub mod ops;
pub mod otp;
pub mod pages;

use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use pingan_domain::geometry::GridIndex;
use pingan_store::Store;
use pingan_store::accounts::{SessionPolicy, ThrottlePolicy};
use pingan_store::appeals::AppealRules;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when served over HTTPS).
    pub cookie_secure: bool,
    pub session: SessionPolicy,
    pub throttle: ThrottlePolicy,
    pub otp: pingan_domain::otp::OtpPolicy,
    /// Where citizens' one-time codes go.
    pub code_sender: otp::SharedSender,
    /// How long a request may take before it is answered 408.
    pub request_timeout: Duration,
    /// The same for uploads (multipart bodies): nine photos from a phone on a weak link take
    /// minutes, not seconds.
    pub upload_timeout: Duration,
    /// How often to look for structural changes made through other instances.
    pub grid_refresh: Duration,
    /// How often to look for appeal-rule changes (catalogue, time limits, calendar) made
    /// through other instances: one read of a version counter.
    pub rules_refresh: Duration,
    /// How often the deadline scanner looks for due timers; `None` runs no scanner.
    pub deadline_scan: Option<Duration>,
    /// How far ahead of the wall clock the deadline scanner runs: 0 in service; rehearsals
    /// and tests set it to watch a month of deadlines come due at once.
    pub scanner_ahead_ms: i64,
    /// Where attachments are kept (a directory shared by all instances in production).
    pub blob_dir: std::path::PathBuf,
    /// Where queued notifications go (SMS to residents, pushes to staff).
    pub notifier: notify::SharedNotifier,
    /// How often to drain the notification outbox; `None` (the default, and tests) runs no drain.
    pub notify_every: Option<Duration>,
    /// A retrained appeal classifier (`pingan classifier train`, loaded by the binary from the
    /// `classifier_model` setting); `None` (the default, and tests) uses the shipped one.
    pub classifier: Option<Arc<pingan_classify::Classifier>>,
    /// The ledger's signer key (C2SP `PRIVATE+KEY+…`); `None` uses one generated per database.
    pub ledger_key: Option<String>,
    /// Checkpoints name their log `<ledger_origin>/<log>`.
    pub ledger_origin: String,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            cookie_secure: false,
            session: SessionPolicy::default(),
            throttle: ThrottlePolicy::default(),
            otp: Default::default(),
            code_sender: Arc::new(otp::LogSender),
            request_timeout: Duration::from_secs(30),
            upload_timeout: Duration::from_secs(600),
            grid_refresh: Duration::from_secs(30),
            rules_refresh: Duration::from_secs(2),
            deadline_scan: Some(Duration::from_secs(15)),
            scanner_ahead_ms: 0,
            blob_dir: std::path::PathBuf::from(pingan_store::blobs::DEFAULT_DIR),
            notifier: Arc::new(notify::LogNotifier),
            notify_every: None,
            classifier: None,
            ledger_key: None,
            ledger_origin: "pingan.local".into(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<WebConfig>,
    /// Point → grid index over all live grids; replaced whole when grids change.
    pub grids: Arc<RwLock<Arc<GridIndex>>>,
    /// Path of the city (the root of every scope), or "/" before a city is loaded.
    pub root_path: String,
    pub metrics: Option<PrometheusHandle>,
    /// Categories, time limits, catalogue and calendar for appeals; replaced whole on change.
    pub appeal_rules: Arc<RwLock<Arc<AppealRules>>>,
    /// The appeal classifier: the configured retrained one, or the shipped one (trained once per
    /// process).
    pub classifier: Arc<pingan_classify::Classifier>,
    /// Names this process in timer claims (`fired_by`).
    pub instance: String,
    /// Attachment bytes, in `config.blob_dir`.
    pub blobs: pingan_store::blobs::BlobStore,
    /// API tokens recently checked.
    pub tokens: Arc<auth::TokenCache>,
    /// The ledger's signers, by log.
    pub ledger_signers: Arc<std::collections::HashMap<&'static str, pingan_ledger::note::NoteSigner>>,
}

impl AppState {
    /// Build the state: loads the grid index from the store.
    pub async fn new(
        store: Store,
        config: WebConfig,
        metrics: Option<PrometheusHandle>,
    ) -> Result<AppState, pingan_store::StoreError> {
        let index = load_grid_index(&store).await?;
        let root_path = store.city_path().await?.map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into());
        let rules = store.appeal_rules().await?;
        let classifier = config.classifier.clone().unwrap_or_else(shared_classifier);
        let mut ledger_signers = std::collections::HashMap::new();
        for log in pingan_store::ledger::LOGS {
            let name = format!("{}/{log}", config.ledger_origin);
            ledger_signers.insert(log, store.ledger_signer(&name, config.ledger_key.as_deref()).await?);
        }
        Ok(AppState {
            ledger_signers: Arc::new(ledger_signers),
            store,
            blobs: api::attachments::open_blob_store(&config.blob_dir)?,
            config: Arc::new(config),
            grids: Arc::new(RwLock::new(Arc::new(index))),
            root_path,
            metrics,
            appeal_rules: Arc::new(RwLock::new(Arc::new(rules))),
            classifier,
            instance: format!("{}-{}", std::process::id(), &pingan_store::accounts::random_token()[..8]),
            tokens: Arc::default(),
        })
    }

    pub fn appeal_rules(&self) -> Arc<AppealRules> {
        self.appeal_rules.read().expect("rules lock is never poisoned: writers only swap an Arc").clone()
    }

    /// Reload the appeal rules (after a calendar or catalogue change here or on another instance).
    pub async fn reload_appeal_rules(&self) -> Result<(), pingan_store::StoreError> {
        let rules = self.store.appeal_rules().await?;
        *self.appeal_rules.write().expect("not poisoned") = Arc::new(rules);
        Ok(())
    }

    pub fn grid_index(&self) -> Arc<GridIndex> {
        self.grids.read().expect("grid index lock is never poisoned: writers only swap an Arc").clone()
    }

    /// Rebuild the point → grid index (after imports or boundary changes).
    pub async fn reload_grids(&self) -> Result<(), pingan_store::StoreError> {
        let index = load_grid_index(&self.store).await?;
        *self.grids.write().expect("not poisoned") = Arc::new(index);
        Ok(())
    }
}

/// The shipped classifier, trained once per process: every app in a test binary shares it.
fn shared_classifier() -> Arc<pingan_classify::Classifier> {
    static SHARED: std::sync::OnceLock<Arc<pingan_classify::Classifier>> = std::sync::OnceLock::new();
    SHARED.get_or_init(|| Arc::new(pingan_classify::Classifier::shipped())).clone()
}

/// Fire due deadline timers every `every` (yellow-card warnings, red-card supervision
/// orders), then send the mediation after-care reminders that came due, mark overdue tasks,
/// and hourly derive
/// safe-creation proposals. Safe to run on every instance: each timer fires and each reminder
/// goes out exactly once (see `pingan_store::appeals::timers` and
/// `pingan_store::mediation::reminders`), and one instance claims each hour's derivation.
pub fn spawn_deadline_scanner(state: AppState, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let rules = state.appeal_rules();
            loop {
                let now = chrono::Utc::now().timestamp_millis() + state.config.scanner_ahead_ms;
                match state.store.run_deadline_pass(&rules, &state.instance, now, 500).await {
                    Ok(pass) => {
                        if pass.fired > 0 {
                            tracing::info!(?pass, "deadline pass");
                        }
                        if pass.due < 500 || pass.fired == 0 {
                            break;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "deadline pass failed; retrying at the next tick");
                        break;
                    }
                }
            }
            // Mediation after-care: follow-up visits and judicial windows (a handful a day).
            let now = chrono::Utc::now().timestamp_millis() + state.config.scanner_ahead_ms;
            let started = std::time::Instant::now();
            match state.store.run_mediation_reminders(now, 500).await {
                Ok(pass) if pass.follow_ups + pass.judicial > 0 => {
                    tracing::info!(?pass, elapsed_ms = started.elapsed().as_millis() as u64, "mediation reminders")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "mediation reminders failed; retrying at the next tick"),
            }
            // Task deadlines (任务督办): each overdue task is marked once across instances.
            let now = chrono::Utc::now().timestamp_millis() + state.config.scanner_ahead_ms;
            match state.store.run_task_deadlines(now, 500).await {
                Ok(n) if n > 0 => tracing::info!(tasks = n, "tasks went overdue"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "task deadlines failed; retrying at the next tick"),
            }
            // The audit trail into its ledger: every instance may run it; the log's head lock
            // makes them take turns and each event is appended once.
            let started = std::time::Instant::now();
            match state.store.sequence_audit_events(api::audit::SEQUENCE_BATCH).await {
                Ok(n) if n > 0 => {
                    tracing::debug!(
                        events = n,
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        "audit events sequenced"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "sequencing audit events failed; retrying at the next tick"),
            }
            // The ledger: a checkpoint of each log that grew, once a minute across instances.
            let now = chrono::Utc::now().timestamp_millis();
            if state.store.claim_periodic_job("ledger.checkpoint", &state.instance, now, 60_000).await.unwrap_or(false)
            {
                for (log, signer) in state.ledger_signers.iter() {
                    let origin = format!("{}/{log}", state.config.ledger_origin);
                    if let Err(e) = state.store.ledger_checkpoint(log, &origin, signer).await {
                        tracing::warn!(error = %e, log, "signing the ledger checkpoint failed; retrying in a minute");
                    }
                }
            }
            // 平安创建: appeals and disputes about units become proposals; hourly is soon enough
            // for a yearly assessment, and one instance of all runs it each hour.
            let now = chrono::Utc::now().timestamp_millis();
            let every = SAFETY_DERIVATION_EVERY.as_millis() as i64;
            let claimed = state.store.claim_periodic_job("safety.derive", &state.instance, now, every).await;
            if claimed.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "claiming the safe-creation derivation failed");
                false
            }) {
                let started = std::time::Instant::now();
                match state.store.derive_safety_proposals(None).await {
                    Ok(n) if n > 0 => tracing::info!(
                        proposals = n,
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        "safe-creation proposals derived"
                    ),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "safe-creation proposals failed; retrying in an hour"),
                }
            }
            // 预付卡: every merchant's daily assessment (time-window indicators move even on days
            // without flows), claimed by one instance a day.
            let now = chrono::Utc::now().timestamp_millis();
            let every = pingan_store::prepaid::assess::ASSESS_EVERY_MS;
            let claimed = state.store.claim_periodic_job("prepaid.assess", &state.instance, now, every).await;
            if claimed.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "claiming the prepaid assessment failed");
                false
            }) {
                let started = std::time::Instant::now();
                match state.store.assess_all_prepaid_merchants(now).await {
                    Ok(n) => tracing::info!(
                        merchants = n,
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        "prepaid merchants assessed"
                    ),
                    Err(e) => tracing::warn!(error = %e, "prepaid assessment failed; retrying tomorrow"),
                }
            }
        }
    })
}

/// How often the deadline scanner derives safe-creation proposals from appeals and disputes.
const SAFETY_DERIVATION_EVERY: Duration = Duration::from_secs(3600);

/// Keep the grid index in step with changes made through other instances: every
/// `every`, compare the count of recorded structural changes and rebuild if it moved.
pub fn spawn_grid_refresher(state: AppState, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut seen = state.store.structure_version().await.ok();
        let mut tick = tokio::time::interval(every);
        tick.tick().await;
        loop {
            tick.tick().await;
            match state.store.structure_version().await {
                Ok(v) if Some(v) != seen => match state.reload_grids().await {
                    Ok(()) => {
                        tracing::info!(version = v, "grid index rebuilt after a structural change");
                        seen = Some(v);
                    }
                    Err(e) => tracing::warn!(error = %e, "rebuilding the grid index failed"),
                },
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "checking for structural changes failed"),
            }
        }
    })
}

/// Keep the appeal rules in step with changes made through other instances: every `every`,
/// read the rules version (bumped in the same transaction as each change) and reload the
/// rules when it moved. A change made here is reloaded at once by its handler as well.
pub fn spawn_rules_refresher(state: AppState, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        // Nothing seen yet: the first tick reloads once, covering a change made between the
        // state's first load and this task's start.
        let mut seen: Option<i64> = None;
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            match state.store.appeal_rules_version().await {
                Ok(v) if Some(v) != seen => {
                    // The version is read before the rules: a change committed in between
                    // moves it again, and the next tick reloads once more.
                    match state.reload_appeal_rules().await {
                        Ok(()) => {
                            if seen.is_some() {
                                tracing::info!(version = v, "appeal rules reloaded after a change");
                            }
                            seen = Some(v);
                        }
                        Err(e) => tracing::warn!(error = %e, "reloading the appeal rules failed"),
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "checking for appeal-rule changes failed"),
            }
        }
    })
}

async fn load_grid_index(store: &Store) -> Result<GridIndex, pingan_store::StoreError> {
    let shapes = store.all_grid_shapes_for_index().await?;
    Ok(GridIndex::new(shapes.into_iter().map(|s| (s.id, s.code, s.ring)).collect()))
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    let (api_router, openapi) = api::router().split_for_parts();
    let openapi = Arc::new(openapi);
    let limits = (state.config.request_timeout, state.config.upload_timeout);
    Router::new()
        .merge(api_router)
        .route(
            "/api/openapi.json",
            axum::routing::get(move || {
                let doc = openapi.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .merge(pages::router())
        .merge(ops::router())
        .merge(assets::router())
        .fallback(api::not_found)
        .layer(axum::middleware::from_fn(ops::track_metrics))
        // Maps and lists are text that compresses five- to tenfold; slow phone links benefit most.
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(CatchPanicLayer::new())
        .layer(axum::middleware::from_fn_with_state(limits, ops::deadline))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Escape text for HTML element content and attribute values.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
