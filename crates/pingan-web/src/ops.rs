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

/// Answer 408 when a request takes longer than it may: `(request_timeout, upload_timeout)`,
/// the second for multipart bodies (photos). In place of `tower_http`'s timeout layer, which
/// has one limit for every route and an empty body.
pub async fn deadline(
    State((plain, upload)): State<(std::time::Duration, std::time::Duration)>,
    req: Request,
    next: Next,
) -> Response {
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/"));
    let limit = if multipart { upload } else { plain };
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => (
            StatusCode::REQUEST_TIMEOUT,
            axum::Json(serde_json::json!({
                "error": "请求超时,请稍后重试 / the request took too long: try again"
            })),
        )
            .into_response(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use std::time::Duration;
    use tower::ServiceExt;

    fn slow_app() -> Router {
        let slow = || async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            "done"
        };
        Router::new()
            .route("/slow", get(slow).post(slow))
            .layer(axum::middleware::from_fn_with_state((Duration::from_millis(50), Duration::from_secs(30)), deadline))
    }

    #[tokio::test]
    async fn a_slow_request_is_answered_408_with_a_message() {
        let res = slow_app().oneshot(Request::get("/slow").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(res.status(), StatusCode::REQUEST_TIMEOUT);
        let body = axum::body::to_bytes(res.into_body(), 1 << 16).await.unwrap();
        assert!(String::from_utf8_lossy(&body).contains("请求超时"));
    }

    #[tokio::test]
    async fn an_upload_has_the_longer_limit() {
        let req = Request::post("/slow")
            .header("content-type", "multipart/form-data; boundary=x")
            .body(Body::from("--x--\r\n"))
            .unwrap();
        let res = slow_app().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
}
