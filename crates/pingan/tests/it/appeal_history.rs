//! The demo's year of appeals (诉求历史), loaded into the small city on both engines: the rows
//! serve the API like live ones (lists, queues, case pages), live actions and the deadline
//! scanner carry on from them, and the load is one audit event.

use crate::common;

use common::TestApp;
use pingan::demo::DEMO_SEED;
use pingan_domain::appeal::{AppealSnapshot, AppealState};
use pingan_domain::calendar::to_china;
use pingan_sim::Scale;
use pingan_sim::appeals::{HistoryConfig, generate_history};
use pingan_store::appeals::HistoricalCase;
use reqwest::StatusCode;
use serde_json::json;

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

/// The small city's year up to now, over the very city `TestApp` loaded (same seed).
fn history(now_ms: i64) -> Vec<HistoricalCase> {
    let city = pingan_sim::generate_city(DEMO_SEED, Scale::Small);
    generate_history(&city, HistoryConfig::new(DEMO_SEED, Scale::Small, to_china(now_ms)), 1)
}

on_both_engines!(a_year_of_appeals_loads_and_serves, |app: TestApp| async move {
    let admin = app.login("admin").await;
    // The test city comes without appeals: other tests count cases.
    assert_eq!(admin.get("/api/v1/appeals?per_page=1").await.1["total"], 0);
    assert!(!app.store.has_appeals().await.unwrap());

    let now = now_ms();
    let cases = history(now);
    assert!((2_500..=3_500).contains(&cases.len()), "{} cases", cases.len());
    let loaded = app.store.load_appeal_history(&cases).await.expect("load the history");
    assert_eq!(loaded, cases.len() as u64);
    assert!(app.store.has_appeals().await.unwrap());

    // The city administrator sees every case; the newest first.
    let (status, page) = admin.get("/api/v1/appeals?per_page=5").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["total"], cases.len() as i64);
    let newest = cases.iter().max_by_key(|c| (c.events[0].at, c.id)).unwrap();
    assert_eq!(page["items"][0]["id"], newest.id, "{page}");

    // A case with a long history renders with every event, its state and unit.
    let sample = cases.iter().max_by_key(|c| (c.events.len(), c.id)).unwrap();
    let snapshot = AppealSnapshot::replay(&sample.events).unwrap();
    let (status, case) = admin.get(&format!("/api/v1/appeals/{}", sample.id)).await;
    assert_eq!(status, StatusCode::OK, "{case}");
    assert_eq!(case["events"].as_array().map(Vec::len), Some(sample.events.len()), "{case}");
    assert_eq!(case["version"], sample.events.len() as i64);
    assert_eq!(case["tracking_code"], sample.tracking_code.as_str());
    assert_eq!(case["state"], snapshot.state.as_str());
    assert_eq!(case["events"][0]["seq"], 1);
    if snapshot.assignment.is_some() {
        assert!(!case["unit_name"].as_str().unwrap_or_default().is_empty(), "{case}");
    }
    // Residents follow it by its tracking code.
    let res = app.client().get(app.url(&format!("/api/v1/track/{}", sample.tracking_code))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // The workbench has work in it.
    let (status, queues) = admin.get("/api/v1/appeals/queues").await;
    assert_eq!(status, StatusCode::OK, "{queues}");
    let count = |q: &str| {
        queues.as_array().unwrap().iter().find(|x| x["queue"] == q).and_then(|x| x["count"].as_i64()).unwrap_or(-1)
    };
    let open = cases
        .iter()
        .filter(|c| {
            let s = AppealSnapshot::replay(&c.events).unwrap().state;
            matches!(s, AppealState::Accepted | AppealState::InProgress | AppealState::Suspended)
        })
        .count() as i64;
    assert!(open > 0, "some cases are being handled now");
    assert_eq!(count("in_progress"), open, "{queues}");
    assert!(count("to_call_back") > 0 || count("to_accept") > 0, "{queues}");

    // One audit event for the whole load.
    let (_, audit) = admin.get("/api/v1/audit?action=appeal.history.load").await;
    assert_eq!(audit["total"], 1, "{audit}");
    assert_eq!(audit["items"][0]["after"]["cases"], cases.len() as i64);
    let (_, filed) = admin.get("/api/v1/audit?action=appeal.file").await;
    assert_eq!(filed["total"], 0, "no audit event per case");

    // Live work carries on from a loaded row: a supervisor's order on a case being handled.
    let handled = cases
        .iter()
        .find(|c| AppealSnapshot::replay(&c.events).unwrap().state == AppealState::InProgress)
        .expect("a case in progress");
    let supervisor = app.login("supervisor").await;
    let (status, after) = supervisor
        .post(
            &format!("/api/v1/appeals/{}/actions", handled.id),
            &json!({"action": "supervise", "reason": "manual", "note": "请加快办理", "expected_version": handled.events.len()}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["version"], handled.events.len() as i64 + 1);

    // The deadline scanner runs over the loaded timers: those due by the load already fired
    // (their red cards are in the histories); later ones fire now, a month on.
    let rules = app.store.appeal_rules().await.unwrap();
    let pending = app.store.pending_timer_count().await.unwrap();
    assert!(pending > 0, "open cases have running clocks");
    let pass = app.store.run_deadline_pass(&rules, "test", now, 1000).await.expect("a pass at the load's now");
    assert_eq!(pass.supervision_orders, 0, "nothing was left due at the load: {pass:?}");
    let later = now + 30 * 86_400_000;
    let pass = app.store.run_deadline_pass(&rules, "test", later, 1000).await.expect("a pass a month later");
    assert!(pass.fired > 0 && pass.supervision_orders > 0, "{pass:?}");
    assert!(app.store.pending_timer_count().await.unwrap() < pending);
    // The supervised cases still render, one event longer.
    let (status, case) = admin.get(&format!("/api/v1/appeals/{}", handled.id)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(case["events"].as_array().unwrap().len() > handled.events.len());
});

on_both_engines!(a_history_loads_all_or_nothing, |app: TestApp| async move {
    let mut cases = history(now_ms());
    cases.truncate(700);
    // A broken case (no receipt) in the second part: refused, and nothing of the load stays.
    cases[650].events.remove(0);
    let mut load = app.store.begin_appeal_history("test").await.unwrap();
    load.push(&cases[..600]).await.expect("the first part is sound");
    let err = load.push(&cases[600..]).await.expect_err("a history must start with its receipt");
    assert!(matches!(err, pingan_store::StoreError::Invalid(_)), "{err:?}");
    drop(load);
    let err = app.store.load_appeal_history(&cases).await.expect_err("the same at once");
    assert!(matches!(err, pingan_store::StoreError::Invalid(_)), "{err:?}");
    assert!(!app.store.has_appeals().await.unwrap());
    assert_eq!(app.store.pending_timer_count().await.unwrap(), 0);
});

/// The demo's first start, timed: city, history, server. Run by hand, in release:
/// `PINGAN_TEST_POSTGRES_URL=… cargo test --release -p pingan --test appeal_history first_start -- --ignored --nocapture`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "minutes of work and gigabytes of disk: run by hand, in release"]
async fn first_start_timings() {
    use pingan_store::Engine;
    use pingan_store::testing::TestDb;
    use std::time::Instant;

    async fn size(db: &TestDb, store: &pingan_store::Store) -> u64 {
        match db.engine {
            Engine::Sqlite => {
                let path = db.url.trim_start_matches("sqlite://");
                ["", "-wal"].iter().filter_map(|s| std::fs::metadata(format!("{path}{s}")).ok()).map(|m| m.len()).sum()
            }
            Engine::Postgres => {
                let pingan_store::Db::Postgres(pool) = store.db() else { unreachable!() };
                let n: i64 = pingan_store::sqlx::query_scalar("SELECT pg_database_size(current_database())")
                    .fetch_one(pool)
                    .await
                    .unwrap();
                n as u64
            }
        }
    }
    let runs = [(Engine::Sqlite, Scale::Full), (Engine::Postgres, Scale::Small), (Engine::Postgres, Scale::Full)];
    for (engine, scale) in runs {
        let Some(db) = TestDb::new(engine).await else { continue };
        let store = db.store().await;
        let empty = size(&db, &store).await;
        let started = Instant::now();
        pingan::demo::ensure_city(&store, scale, false).await.unwrap();
        let city_took = started.elapsed();
        let with_city = size(&db, &store).await;
        let city = pingan_sim::generate_city(DEMO_SEED, scale);
        let (cases, history_took) = pingan::demo::load_history(&store, city, scale, false).await.unwrap();
        let with_history = size(&db, &store).await;
        let server_started = Instant::now();
        let server = pingan::startup::Server::build(store.clone(), pingan_web::WebConfig::default(), "127.0.0.1:0")
            .await
            .unwrap();
        let server_took = server_started.elapsed();
        drop(server);
        eprintln!(
            "{} {scale:?}: city {:.1} s (+{} MB), history {cases} cases {:.1} s (+{} MB), server {:.1} s; total {:.1} s",
            engine.as_str(),
            city_took.as_secs_f64(),
            (with_city - empty) / 1_000_000,
            history_took.as_secs_f64(),
            (with_history - with_city) / 1_000_000,
            server_took.as_secs_f64(),
            started.elapsed().as_secs_f64(),
        );
    }
}

on_both_engines!(the_year_s_disputes_become_mediation_cases_that_serve_like_live_ones, |app: TestApp| async move {
    let now = now_ms();
    app.store.load_appeal_history(&history(now)).await.expect("load the appeals");
    let loaded = pingan::demo::load_mediation_history(&app.store).await.expect("load the mediation history");
    assert!(loaded > 100, "{loaded} mediation cases");
    let admin = app.login("admin").await;
    let (_, list) = admin.get("/api/v1/mediation/cases?per_page=200").await;
    assert_eq!(list["total"], loaded as i64);
    // Each came from a dispute appeal, and links back to it.
    let first = &list["items"][0];
    let (status, case) = admin.get(&format!("/api/v1/mediation/cases/{}", first["id"])).await;
    assert_eq!(status, StatusCode::OK, "{case}");
    let (_, appeal) = admin.get(&format!("/api/v1/appeals/{}", case["appeal_id"])).await;
    assert!(appeal["snapshot"]["category"].as_str().unwrap().starts_with('A'), "{appeal}");
    // The figures are the programme's shape: most succeed, most in the village, some still open.
    let (_, figures) = admin.get("/api/v1/mediation/figures?from=2000-01-01").await;
    let t = &figures["total"];
    assert_eq!(t["cases"], loaded);
    assert!(t["success_rate"].as_f64().unwrap() > 0.9, "{t}");
    assert!(t["resolved_share"][0].as_f64().unwrap() > 0.75, "{t}");
    // A live action carries on from a loaded case that is still open.
    let (_, open) = admin.get("/api/v1/mediation/cases?state=mediating&per_page=1").await;
    if let Some(item) = open["items"].as_array().and_then(|a| a.first()) {
        let (_, case) = admin.get(&format!("/api/v1/mediation/cases/{}", item["id"])).await;
        let (status, after) = admin
            .post(
                &format!("/api/v1/mediation/cases/{}/actions", item["id"]),
                &json!({"action": "risk", "version": case["version"], "people": 3}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{after}");
    }
    // After-care queues: agreements past their performance date without a follow-up result,
    // and judicial windows closing within a week with nobody having applied.
    let today = to_china(now).date();
    let (_, due) = admin.get("/api/v1/mediation/cases?queue=follow_up_due&per_page=200").await;
    assert!(due["total"].as_i64().unwrap() > 0, "the history leaves some follow-ups due: {due}");
    for item in due["items"].as_array().unwrap() {
        let (_, case) = admin.get(&format!("/api/v1/mediation/cases/{}", item["id"])).await;
        assert_eq!(
            (case["state"].as_str(), case["snapshot"]["performance"].as_str()),
            (Some("agreed"), Some("pending"))
        );
        let performance_due = case["snapshot"]["agreement"]["performance_due"].as_str().unwrap();
        assert!(performance_due < today.to_string().as_str(), "{performance_due} is not past");
    }
    let (_, closing) = admin.get("/api/v1/mediation/cases?queue=judicial_window&per_page=200").await;
    for item in closing["items"].as_array().unwrap() {
        let (_, case) = admin.get(&format!("/api/v1/mediation/cases/{}", item["id"])).await;
        let ends =
            chrono::NaiveDate::parse_from_str(case["judicial_window_ends"].as_str().unwrap(), "%Y-%m-%d").unwrap();
        assert!(ends >= today && ends <= today + chrono::Duration::days(7), "{ends}");
        assert_eq!(case["snapshot"]["judicial"]["status"], "not_applied");
    }
    let (status, _) = admin.get("/api/v1/mediation/cases?queue=someday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // The load is one audit event.
    let (_, audit) = admin.get("/api/v1/audit?action=mediation.history").await;
    assert_eq!(audit["total"], 1);
});
