//! Wiring: store + web state + listener, and a graceful run loop.

use crate::config::{Config, redact_url};
use anyhow::Context;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use pingan_store::{Store, StoreOptions};
use pingan_web::{AppState, WebConfig};
use std::net::SocketAddr;
use std::sync::OnceLock;
use tokio::net::TcpListener;

/// The process-wide Prometheus recorder (a process can install only one).
pub fn metrics_handle() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok().map(|_| handle)
        })
        .clone()
}

/// Connect to the configured database and apply migrations, with errors that
/// name the cause in one line.
pub async fn open_store(database_url: &str, max_connections: u32) -> anyhow::Result<Store> {
    let opts = StoreOptions { max_connections, ..Default::default() };
    let store = Store::connect(database_url, &opts)
        .await
        .with_context(|| format!("database '{}'", redact_url(database_url)))?;
    store.migrate().await.with_context(|| format!("database '{}'", redact_url(database_url)))?;
    Ok(store)
}

/// A bound, ready-to-run server.
pub struct Server {
    pub addr: SocketAddr,
    listener: TcpListener,
    app: axum::Router,
    store: Store,
    refresher: tokio::task::JoinHandle<()>,
    rules_refresher: tokio::task::JoinHandle<()>,
    scanner: Option<tokio::task::JoinHandle<()>>,
    notifier: Option<tokio::task::JoinHandle<()>>,
}

impl Server {
    pub async fn build(store: Store, web: WebConfig, listen: &str) -> anyhow::Result<Server> {
        // New appeals are written in groups: one durable commit for all that arrived meanwhile.
        let store = store.with_group_commit();
        let refresh = web.grid_refresh;
        let rules_refresh = web.rules_refresh;
        let state = AppState::new(store.clone(), web, metrics_handle()).await.context("loading the grid index")?;
        let listener = TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
        let addr = listener.local_addr()?;
        let refresher = pingan_web::spawn_grid_refresher(state.clone(), refresh);
        let rules_refresher = pingan_web::spawn_rules_refresher(state.clone(), rules_refresh);
        let scanner = state.config.deadline_scan.map(|every| pingan_web::spawn_deadline_scanner(state.clone(), every));
        let notifier = state.config.notify_every.map(|every| pingan_web::notify::spawn_notifier(state.clone(), every));
        Ok(Server { addr, listener, app: pingan_web::app(state), store, refresher, rules_refresher, scanner, notifier })
    }

    pub async fn from_config(config: &Config) -> anyhow::Result<Server> {
        // Before the database: a bad model file is a configuration error, found without side effects.
        let classifier = match &config.classifier_model {
            Some(path) => Some(std::sync::Arc::new(crate::classifier::load_model(path)?)),
            None => None,
        };
        let store = open_store(&config.database_url, config.max_connections).await?;
        let mut web = WebConfig {
            cookie_secure: config.cookie_secure,
            classifier,
            blob_dir: config.blob_dir.clone(),
            ledger_key: config.ledger_key.clone(),
            ledger_origin: config.ledger_origin.clone(),
            ..Default::default()
        };
        match &config.sms_webhook_url {
            Some(url) => web.code_sender = std::sync::Arc::new(pingan_web::otp::WebhookSender::new(url)),
            None => tracing::warn!("no sms_webhook_url: citizens' one-time codes go to the log (demo only)"),
        }
        match &config.notify_webhook_url {
            Some(url) => web.notifier = std::sync::Arc::new(pingan_web::notify::WebhookNotifier::new(url)),
            None => tracing::warn!("no notify_webhook_url: case notifications go to the log, residents get no SMS"),
        }
        web.notify_every = Some(std::time::Duration::from_secs(10));
        Server::build(store, web, &config.listen).await
    }

    /// Serve until `shutdown` resolves, then finish in-flight requests and close the pool.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let served = axum::serve(self.listener, self.app).with_graceful_shutdown(shutdown).await;
        self.refresher.abort();
        self.rules_refresher.abort();
        if let Some(scanner) = &self.scanner {
            scanner.abort();
        }
        if let Some(notifier) = &self.notifier {
            notifier.abort();
        }
        served.context("server failed")?;
        self.store.close().await;
        Ok(())
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
