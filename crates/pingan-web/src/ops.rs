//! Operations endpoints: liveness, readiness, Prometheus metrics.

use crate::AppState;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::time::Instant;

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz)).route("/metrics", get(metrics))
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// The process can serve: its database answers.
async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    match &state.metrics {
        Some(handle) => {
            ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render()).into_response()
        }
        None => (StatusCode::NOT_FOUND, "metrics are disabled").into_response(),
    }
}

/// Count requests and time them per route template (not per raw path, so ids do
/// not explode the label space).
pub async fn track_metrics(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let path = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "other".into());
    let method = req.method().to_string();
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("path", path), ("status", status)];
    metrics::counter!("pingan_http_requests_total", &labels).increment(1);
    metrics::histogram!("pingan_http_request_duration_seconds", &labels).record(start.elapsed().as_secs_f64());
    response
}
