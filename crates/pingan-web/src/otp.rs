//! Delivery of one-time sign-in codes: a pluggable sender.
//!
//! The demo and tests use [`LogSender`] (the code appears in the server log);
//! production points [`WebhookSender`] at the city's SMS gateway, which receives
//! `{"phone": "...", "message": "..."}` as JSON.

use pingan_domain::personal::Phone;
use std::sync::Arc;

pub trait CodeSender: Send + Sync + std::fmt::Debug {
    fn send<'a>(
        &'a self,
        phone: &'a Phone,
        code: &'a str,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;
}

pub type SharedSender = Arc<dyn CodeSender>;

fn message(code: &str) -> String {
    format!("【平安德州】您的登录验证码为 {code},5 分钟内有效。如非本人操作请忽略。")
}

/// Writes the code to the log (demo and tests only: the code is a secret).
#[derive(Debug, Default)]
pub struct LogSender;

impl CodeSender for LogSender {
    fn send<'a>(
        &'a self,
        phone: &'a Phone,
        code: &'a str,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move {
            tracing::info!(phone = %phone.masked(), %code, "one-time sign-in code (log sender: demo only)");
            Ok(())
        })
    }
}

/// Posts the message to an SMS gateway.
#[derive(Debug)]
pub struct WebhookSender {
    url: String,
    client: reqwest::Client,
}

/// The HTTP client for the city's gateways (SMS, notifications): a gateway that hangs must
/// not hold a request or the notifier forever.
pub(crate) fn gateway_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .expect("a client with a timeout builds")
}

impl WebhookSender {
    pub fn new(url: impl Into<String>) -> WebhookSender {
        WebhookSender { url: url.into(), client: gateway_client() }
    }
}

impl CodeSender for WebhookSender {
    fn send<'a>(
        &'a self,
        phone: &'a Phone,
        code: &'a str,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move {
            let body = serde_json::json!({"phone": phone.as_str(), "message": message(code)});
            let res = self.client.post(&self.url).json(&body).send().await.map_err(|e| e.without_url().to_string())?;
            if res.status().is_success() { Ok(()) } else { Err(format!("SMS gateway answered {}", res.status())) }
        })
    }
}
