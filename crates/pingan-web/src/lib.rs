//! Pingan's HTTP layer: the JSON API under `/api/v1`, server-rendered pages,
//! sign-in and sessions, OpenAPI, operations endpoints and embedded assets.
//!
//! A request's way: handler (parse input, extract the actor) → domain rule →
//! store (scoped query or one transaction with its audit event) → response.

pub mod api;
pub mod assets;
pub mod auth;
pub mod error;
pub mod i18n;
pub mod ops;
pub mod otp;
pub mod pages;

use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use pingan_domain::geometry::GridIndex;
use pingan_store::Store;
use pingan_store::accounts::{SessionPolicy, ThrottlePolicy};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
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
    pub request_timeout: Duration,
    /// How often to look for structural changes made through other instances.
    pub grid_refresh: Duration,
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
            grid_refresh: Duration::from_secs(30),
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
        Ok(AppState {
            store,
            config: Arc::new(config),
            grids: Arc::new(RwLock::new(Arc::new(index))),
            root_path,
            metrics,
        })
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

async fn load_grid_index(store: &Store) -> Result<GridIndex, pingan_store::StoreError> {
    let shapes = store.all_grid_shapes_for_index().await?;
    Ok(GridIndex::new(shapes.into_iter().map(|s| (s.id, s.code, s.ring)).collect()))
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    let (api_router, openapi) = api::router().split_for_parts();
    let openapi = Arc::new(openapi);
    let timeout = state.config.request_timeout;
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
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, timeout))
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
