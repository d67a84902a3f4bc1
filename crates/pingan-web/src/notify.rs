//! Delivery of the notification outbox through one pluggable [`Notifier`].
//!
//! Case changes queue their notices in the database (`pingan_store::notifications`); a drain
//! task on each instance claims due rows, hands each to the notifier and records the outcome.
//! A citizen's notice is an SMS to their phone; a staff notice is already in their in-app inbox
//! and goes to the notifier too, for an optional push.
//!
//! [`LogNotifier`] (the default) writes notices to the log with the phone masked;
//! [`WebhookNotifier`] posts each as JSON to the city's gateway, which sends the SMS or the push.

use crate::AppState;
use pingan_store::notifications::{FailureOutcome, Notification, OutboxPolicy};
use pingan_store::{Store, StoreError};
use serde::Serialize;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// Sends one notification; `Err` carries a reason to keep on the row (no personal data).
pub trait Notifier: Send + Sync + std::fmt::Debug {
    fn send<'a>(&'a self, n: &'a Notification) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;
}

pub type SharedNotifier = Arc<dyn Notifier>;

/// Writes each notice to the log, the phone masked. For the demo and for a city without a
/// gateway: citizens then hear nothing, and the log says so.
#[derive(Debug, Default)]
pub struct LogNotifier;

impl Notifier for LogNotifier {
    fn send<'a>(&'a self, n: &'a Notification) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move {
            if n.is_citizen() {
                // The text carries the tracking code, which lets anyone follow the case: not logged.
                tracing::info!(
                    id = n.id,
                    kind = %n.kind,
                    phone = n.masked_phone().as_deref().unwrap_or("-"),
                    "SMS to a resident (log notifier: no gateway configured)"
                );
            } else {
                tracing::info!(
                    id = n.id,
                    kind = %n.kind,
                    account_id = ?n.account_id,
                    org_id = ?n.org_id,
                    text = %n.text,
                    "staff notice (log notifier)"
                );
            }
            Ok(())
        })
    }
}

/// Posts each notice to a gateway as JSON (see [`WebhookBody`]), with `Idempotency-Key:
/// notification-<id>` so a gateway can drop the repeat of a delivery whose answer was lost.
#[derive(Debug)]
pub struct WebhookNotifier {
    url: String,
    client: reqwest::Client,
}

impl WebhookNotifier {
    pub fn new(url: impl Into<String>) -> WebhookNotifier {
        WebhookNotifier { url: url.into(), client: crate::otp::gateway_client() }
    }
}

/// What the gateway receives: `phone` and `message` as the SMS gateway of one-time codes takes
/// them, plus who and what it concerns.
#[derive(Debug, Serialize)]
pub struct WebhookBody<'a> {
    pub id: i64,
    /// `citizen`: send `message` by SMS to `phone`. `staff`: push to `account_id` or the staff
    /// of `org_id` (the notice is in their inbox already).
    pub audience: &'a str,
    pub phone: Option<&'a str>,
    pub account_id: Option<i64>,
    pub org_id: Option<i64>,
    pub kind: &'a str,
    pub message: &'a str,
    pub appeal_id: Option<i64>,
    pub created_ms: i64,
}

impl<'a> WebhookBody<'a> {
    pub fn of(n: &'a Notification) -> Self {
        WebhookBody {
            id: n.id,
            audience: &n.audience,
            phone: n.phone.as_deref(),
            account_id: n.account_id,
            org_id: n.org_id,
            kind: &n.kind,
            message: &n.text,
            appeal_id: n.appeal_id,
            created_ms: n.created_ms,
        }
    }
}

impl Notifier for WebhookNotifier {
    fn send<'a>(&'a self, n: &'a Notification) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move {
            let res = self
                .client
                .post(&self.url)
                .header("Idempotency-Key", format!("notification-{}", n.id))
                .json(&WebhookBody::of(n))
                .send()
                .await
                .map_err(|e| e.without_url().to_string())?;
            if res.status().is_success() {
                Ok(())
            } else {
                Err(format!("notification gateway answered {}", res.status()))
            }
        })
    }
}

/// What one drain did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DrainReport {
    pub claimed: usize,
    pub sent: usize,
    /// Failed, to be tried again after the backoff.
    pub failed: usize,
    /// Failed for the last time.
    pub gave_up: usize,
    /// Sent or failed after this claim's lease had lapsed (another sender holds the row).
    pub lapsed: usize,
}

/// Claim one batch due at `now_ms` and deliver it through `notifier`, recording each outcome
/// as soon as it is known. `claimer` names the instance in the claim.
pub async fn drain(
    store: &Store,
    notifier: &dyn Notifier,
    policy: &OutboxPolicy,
    claimer: &str,
    now_ms: i64,
    batch: i64,
) -> Result<DrainReport, StoreError> {
    let claim = store.claim_notifications(claimer, now_ms, batch, policy).await?;
    let mut report = DrainReport { claimed: claim.items.len(), ..Default::default() };
    for n in &claim.items {
        match notifier.send(n).await {
            Ok(()) => {
                if store.notification_sent(&claim.token, n.id, now_ms).await? {
                    report.sent += 1;
                } else {
                    report.lapsed += 1;
                }
            }
            Err(error) => match store.notification_failed(&claim.token, n, &error, now_ms, policy).await? {
                FailureOutcome::Retry { .. } => {
                    tracing::warn!(id = n.id, attempts = n.attempts, %error, "notification not delivered; will retry");
                    report.failed += 1;
                }
                FailureOutcome::GaveUp => {
                    tracing::error!(id = n.id, attempts = n.attempts, %error, "notification given up");
                    report.gave_up += 1;
                }
                FailureOutcome::Lapsed => report.lapsed += 1,
            },
        }
    }
    Ok(report)
}

/// Rows claimed per drain.
const BATCH: i64 = 100;

/// Drain the outbox through the configured notifier every `every`. Safe on every instance:
/// claims never overlap (see `pingan_store::notifications`).
pub fn spawn_notifier(state: AppState, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let policy = OutboxPolicy::default();
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            loop {
                let now = chrono::Utc::now().timestamp_millis();
                let notifier = state.config.notifier.as_ref();
                match drain(&state.store, notifier, &policy, &state.instance, now, BATCH).await {
                    Ok(report) => {
                        if report.claimed > 0 {
                            tracing::info!(?report, "notifications drained");
                        }
                        // Failed rows wait out their backoff, so a full batch means more are due.
                        if report.claimed < BATCH as usize {
                            break;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "draining notifications failed; retrying at the next tick");
                        break;
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(audience: &str, phone: Option<&str>) -> Notification {
        Notification {
            id: 7,
            created_ms: 1,
            appeal_id: Some(3),
            audience: audience.into(),
            account_id: None,
            org_id: Some(12),
            phone: phone.map(str::to_owned),
            kind: "appeal.received".into(),
            text: "【平安】您的诉求已受理".into(),
            attempts: 1,
        }
    }

    #[test]
    fn the_gateway_gets_the_real_phone_and_logs_do_not() {
        let n = notice("citizen", Some("13800138000"));
        let body = serde_json::to_value(WebhookBody::of(&n)).unwrap();
        assert_eq!(body["phone"], "13800138000");
        assert_eq!(body["message"], "【平安】您的诉求已受理");
        assert_eq!(body["audience"], "citizen");
        assert!(!format!("{n:?}").contains("13800138000"), "Debug masks the phone: {n:?}");
        assert_eq!(n.masked_phone().as_deref(), Some("138****8000"));
    }
}
