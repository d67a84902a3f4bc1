//! The notification outbox on both engines: a filed case's notices are delivered once each
//! through the notifier, a failing gateway leaves them for retry (and finally gives up, keeping
//! the row), a crashed sender's rows come back after the lease, two instances draining at once
//! never deliver a row twice, and the unit finds its notice in its inbox.

use crate::common;

use common::{Session, TestApp};
use pingan_store::Store;
use pingan_store::notifications::{Notification, OutboxPolicy};
use pingan_web::notify::{DrainReport, Notifier, drain};
use reqwest::StatusCode;
use serde_json::json;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

const PHONE: &str = "13800138000";

/// Records every notification it is given; fails them all when `fail` is set.
#[derive(Debug, Default)]
struct Capture {
    sent: Mutex<Vec<Notification>>,
    fail: bool,
}

impl Notifier for Capture {
    fn send<'a>(&'a self, n: &'a Notification) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move {
            self.sent.lock().unwrap().push(n.clone());
            // Let a concurrent drain run in between, as a slow gateway would.
            tokio::task::yield_now().await;
            if self.fail { Err("gateway down".into()) } else { Ok(()) }
        })
    }
}

impl Capture {
    fn failing() -> Capture {
        Capture { fail: true, ..Default::default() }
    }

    fn of_case(&self, appeal_id: i64) -> Vec<(String, String, Option<String>, Option<i64>)> {
        self.sent
            .lock()
            .unwrap()
            .iter()
            .filter(|n| n.appeal_id == Some(appeal_id))
            .map(|n| (n.audience.clone(), n.kind.clone(), n.phone.clone(), n.org_id))
            .collect()
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

async fn drain_all(store: &Store, notifier: &dyn Notifier, policy: &OutboxPolicy, at: i64) -> DrainReport {
    drain(store, notifier, policy, "test", at, 100).await.expect("drain")
}

/// A patrol report of unpaid wages with the resident's phone: dispatched to 德城区人社局.
async fn file_case(worker: &Session, grid_code: &str, n: usize) -> i64 {
    let (status, filed) = worker
        .post(
            "/api/v1/appeals",
            &json!({"text": format!("第{n}件:某厂拖欠工人三个月工资"), "category": "A03", "channel": "patrol",
                    "region_code": grid_code, "reporter_phone": PHONE}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    assert_eq!(filed["state"], "dispatched", "{filed}");
    filed["id"].as_i64().unwrap()
}

async fn grid_worker(app: &TestApp) -> (Session, String) {
    let username = app.first_username("grid_worker").await;
    let grid_code = username.strip_prefix("grid.").expect("grid worker usernames are grid.<code>").to_owned();
    (app.login(&username).await, grid_code)
}

async fn scalar(app: &TestApp, sql: &str, id: i64) -> Option<i64> {
    pingan_store::on_pool!(app.store.db(), |pool| pingan_store::sqlx::query_scalar::<_, Option<i64>>(sql)
        .bind(id)
        .fetch_one(pool)
        .await
        .expect("query"))
}

on_both_engines!(a_filed_case_notifies_the_resident_and_the_unit_once, |app: TestApp| async move {
    let (worker, grid_code) = grid_worker(&app).await;
    let id = file_case(&worker, &grid_code, 1).await;
    let unit_org = scalar(&app, "SELECT unit_org_id FROM appeals WHERE id = $1", id).await;
    assert!(unit_org.is_some());

    let policy = OutboxPolicy::default();
    let capture = Capture::default();
    let report = drain_all(&app.store, &capture, &policy, now_ms()).await;
    assert_eq!((report.sent, report.failed), (report.claimed, 0), "{report:?}");
    let mut got = capture.of_case(id);
    got.sort();
    assert_eq!(
        got,
        [
            ("citizen".into(), "appeal.received".into(), Some(PHONE.into()), None),
            ("staff".into(), "appeal.assigned".into(), None, unit_org),
        ],
        "the resident's SMS and the unit's notice, once each"
    );
    // Drained: a second pass finds nothing, even much later.
    let again = drain_all(&app.store, &capture, &policy, now_ms() + 86_400_000).await;
    assert_eq!(again.claimed, 0, "{again:?}");
    assert_eq!(capture.of_case(id).len(), 2);
    let sent =
        scalar(&app, "SELECT count(*) FROM notifications WHERE appeal_id = $1 AND sent_ms IS NOT NULL", id).await;
    assert_eq!(sent, Some(2));

    // The unit's handler finds the notice in their inbox, unread, with no one's phone.
    let dept = app.login("dept.371402.renshe").await;
    let (status, inbox) = dept.get("/api/v1/notifications").await;
    assert_eq!(status, StatusCode::OK, "{inbox}");
    let items = inbox["items"].as_array().unwrap();
    let notice = items.iter().find(|n| n["appeal_id"] == id).unwrap_or_else(|| panic!("no notice: {inbox}"));
    assert_eq!(notice["kind"], "appeal.assigned");
    assert_eq!(notice["unread"], true);
    assert!(notice["tracking_code"].as_str().is_some_and(|c| !c.is_empty()), "{notice}");
    assert!(!inbox.to_string().contains(PHONE), "{inbox}");
    assert!(inbox["unread"].as_i64().unwrap() >= 1);
    // Read: the count drops to nothing, and only for this person.
    let (status, _) = dept.post("/api/v1/notifications/read", &json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, inbox) = dept.get("/api/v1/notifications").await;
    assert_eq!(inbox["unread"], 0, "{inbox}");
    assert!(inbox["items"].as_array().unwrap().iter().all(|n| n["unread"] == false), "{inbox}");

    // Nobody else has it: not the worker who filed it, not another department.
    for other in [&worker, &app.login("dept.gongan").await] {
        let (status, inbox) = other.get("/api/v1/notifications").await;
        assert_eq!(status, StatusCode::OK);
        assert!(inbox["items"].as_array().unwrap().iter().all(|n| n["appeal_id"] != id), "{inbox}");
    }
    // Residents are told by SMS and have no inbox here.
    let resident = app.citizen_login(PHONE).await;
    assert_eq!(resident.get("/api/v1/notifications").await.0, StatusCode::FORBIDDEN);
});

on_both_engines!(a_failing_gateway_leaves_rows_for_retry_then_gives_up, |app: TestApp| async move {
    let (worker, grid_code) = grid_worker(&app).await;
    let id = file_case(&worker, &grid_code, 1).await;
    let policy = OutboxPolicy { max_attempts: 2, ..OutboxPolicy::default() };
    let t0 = now_ms();

    let failing = Capture::failing();
    let report = drain_all(&app.store, &failing, &policy, t0).await;
    assert_eq!((report.claimed, report.failed, report.sent), (2, 2, 0), "{report:?}");
    let kept = scalar(
        &app,
        "SELECT count(*) FROM notifications
          WHERE appeal_id = $1 AND sent_ms IS NULL AND gave_up_ms IS NULL AND attempts = 1 AND last_error = 'gateway down'",
        id,
    )
    .await;
    assert_eq!(kept, Some(2), "both rows kept for retry, with the error");
    // Not again before the backoff has passed.
    assert_eq!(drain_all(&app.store, &failing, &policy, t0 + 1_000).await.claimed, 0);

    // After it, the retry goes through: once each.
    let capture = Capture::default();
    let later = t0 + policy.backoff_ms(1) + 1;
    assert_eq!(drain_all(&app.store, &capture, &policy, later).await.sent, 2);
    assert_eq!(capture.of_case(id).len(), 2);

    // A gateway that never answers: after the last attempt the rows are given up and kept.
    let second = file_case(&worker, &grid_code, 2).await;
    let failing = Capture::failing();
    assert_eq!(drain_all(&app.store, &failing, &policy, t0).await.failed, 2);
    let report = drain_all(&app.store, &failing, &policy, later).await;
    assert_eq!(report.gave_up, 2, "{report:?}");
    let given_up = scalar(
        &app,
        "SELECT count(*) FROM notifications
          WHERE appeal_id = $1 AND sent_ms IS NULL AND gave_up_ms IS NOT NULL AND attempts = 2 AND last_error IS NOT NULL",
        second,
    )
    .await;
    assert_eq!(given_up, Some(2));
    assert_eq!(drain_all(&app.store, &capture, &policy, later + 86_400_000).await.claimed, 0);
    assert_eq!(failing.of_case(second).len(), 4, "two attempts each, no more");

    // A sender that claims and dies: its rows wait out the lease, then go out once.
    let third = file_case(&worker, &grid_code, 3).await;
    let policy = OutboxPolicy::default();
    let crashed = app.store.claim_notifications("crashed", t0, 100, &policy).await.unwrap();
    assert_eq!(crashed.items.len(), 2);
    assert_eq!(drain_all(&app.store, &capture, &policy, t0 + 1_000).await.claimed, 0, "leased");
    let report = drain_all(&app.store, &capture, &policy, t0 + policy.lease_ms + 1).await;
    assert_eq!(report.sent, 2, "{report:?}");
    assert_eq!(capture.of_case(third).len(), 2);
    // The dead sender's late word changes nothing.
    assert!(!app.store.notification_sent(&crashed.token, crashed.items[0].id, t0).await.unwrap());
});

on_both_engines!(two_instances_draining_at_once_deliver_each_row_once, |app: TestApp| async move {
    let (worker, grid_code) = grid_worker(&app).await;
    let mut cases = Vec::new();
    for n in 0..8 {
        cases.push(file_case(&worker, &grid_code, n).await);
    }
    let other = app.second_instance().await;
    let capture = Arc::new(Capture::default());
    let policy = OutboxPolicy::default();
    let at = now_ms();
    let drains: Vec<_> = [app.store.clone(), other.store.clone(), app.store.clone(), other.store.clone()]
        .into_iter()
        .enumerate()
        .map(|(i, store)| {
            let capture = capture.clone();
            tokio::spawn(async move {
                let mut delivered = 0;
                loop {
                    // Small batches, so the drains take turns many times.
                    let report = drain(&store, capture.as_ref(), &policy, &format!("drain{i}"), at, 2).await.unwrap();
                    delivered += report.sent;
                    if report.claimed == 0 {
                        return delivered;
                    }
                }
            })
        })
        .collect();
    let mut delivered = 0;
    for d in drains {
        delivered += d.await.unwrap();
    }
    let sent = capture.sent.lock().unwrap().iter().map(|n| n.id).collect::<Vec<_>>();
    let mut unique = sent.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(sent.len(), unique.len(), "a row was delivered twice: {sent:?}");
    assert_eq!(delivered, sent.len());
    for id in cases {
        assert_eq!(capture.of_case(id).len(), 2, "case {id}");
    }
    let unsent: i64 = pingan_store::on_pool!(app.store.db(), |pool| pingan_store::sqlx::query_scalar(
        "SELECT count(*) FROM notifications WHERE sent_ms IS NULL"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    assert_eq!(unsent, 0);
});
