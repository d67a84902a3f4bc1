//! Several stateless instances on one database: sessions and writes are shared.

use crate::common;

use common::TestApp;
use reqwest::StatusCode;
use serde_json::json;

on_both_engines!(instances_share_sessions_and_data, |app: TestApp| async move {
    let other = app.second_instance().await;
    let on_a = app.login("admin").await;
    let on_b = on_a.against(&other.base);
    // Signed in on A, recognised on B.
    let (status, me) = on_b.get("/api/v1/auth/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["username"], "admin");
    // Written through B, read through A.
    let (_, page) = on_a.get("/api/v1/orgs?kind=red_station&per_page=1").await;
    let id = page["items"][0]["id"].as_i64().unwrap();
    let (status, _) = on_b.patch(&format!("/api/v1/orgs/{id}"), &json!({"opening_hours": "全天开放"})).await;
    assert_eq!(status, StatusCode::OK);
    let (_, org) = on_a.get(&format!("/api/v1/orgs/{id}")).await;
    assert_eq!(org["opening_hours"], "全天开放");
    // Signed out on B, gone on A.
    assert_eq!(on_b.post("/api/v1/auth/logout", &json!({})).await.0, StatusCode::NO_CONTENT);
    assert_eq!(on_a.get("/api/v1/auth/me").await.0, StatusCode::UNAUTHORIZED);
});

on_both_engines!(concurrent_writes_from_two_instances_all_land, |app: TestApp| async move {
    let other = app.second_instance().await;
    let a = app.login("admin").await;
    let b = a.against(&other.base);
    let (_, page) = a.get("/api/v1/orgs?kind=red_station&per_page=1").await;
    let region = page["items"][0]["region_id"].as_i64().unwrap();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let s = if i % 2 == 0 { a.against(&a.base) } else { b.against(&b.base) };
        tasks.push(tokio::spawn(async move {
            s.post("/api/v1/orgs", &json!({"kind": "red_station", "name": format!("并发驿站{i}"), "region_id": region}))
                .await
                .0
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::CREATED);
    }
    let (_, created) = a.get("/api/v1/orgs?q=并发驿站").await;
    assert_eq!(created["total"], 20);
    let (_, audit) = a.get("/api/v1/audit?action=org.create").await;
    assert_eq!(audit["total"], 20);
});

on_both_engines!(a_periodic_job_runs_on_one_instance_per_period, |app: TestApp| async move {
    let other = app.second_instance().await;
    let now = 1_800_000_000_000_i64;
    let hour = 3_600_000;
    // Many instances ask at once: exactly one runs the job.
    let mut asks = Vec::new();
    for i in 0..8 {
        let store = if i % 2 == 0 { app.store.clone() } else { other.store.clone() };
        asks.push(tokio::spawn(async move {
            store.claim_periodic_job("safety.derive", &format!("i{i}"), now, hour).await.unwrap()
        }));
    }
    let mut claimed = 0;
    for a in asks {
        claimed += usize::from(a.await.unwrap());
    }
    assert_eq!(claimed, 1);
    // Not again within the hour; once more after it; other jobs are their own.
    assert!(!app.store.claim_periodic_job("safety.derive", "a", now + hour - 1, hour).await.unwrap());
    assert!(other.store.claim_periodic_job("safety.derive", "b", now + hour, hour).await.unwrap());
    assert!(!app.store.claim_periodic_job("safety.derive", "a", now + hour, hour).await.unwrap());
    assert!(app.store.claim_periodic_job("another", "a", now, hour).await.unwrap());
});
