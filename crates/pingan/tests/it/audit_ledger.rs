//! The audit trail in the `audit` ledger: every audit event becomes a leaf with a salted
//! commitment, a record's page offers each event's evidence bundle, a reader outside the
//! record's scope gets nothing, erasing a person (PIPL) keeps the ledger valid, and
//! `pingan ledger verify` catches audit rows edited, deleted or stripped of their salt.

use crate::common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use common::TestApp;
use pingan_domain::audit::{AuditLeaf, audit_commitment};
use pingan_ledger::bundle::{Checked, check_document};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A grid of 陵城区 (371403), outside 德城区's leaders' scope.
async fn grid_in_371403(app: &TestApp) -> i64 {
    app.scalar("SELECT id FROM regions WHERE level = 'grid' AND code LIKE '371403%' ORDER BY id LIMIT 1").await
}

/// Allow direct edits of audit rows, as someone with the database's owner rights could.
async fn drop_append_only_trigger(app: &TestApp) {
    match app.store.engine() {
        pingan_store::Engine::Sqlite => {
            app.sql("DROP TRIGGER audit_events_no_update").await;
            app.sql("DROP TRIGGER audit_events_no_delete").await;
        }
        pingan_store::Engine::Postgres => {
            app.sql("DROP TRIGGER audit_events_no_change ON audit_events").await;
        }
    }
}

on_both_engines!(audit_events_enter_the_ledger_with_bundles_that_verify_offline, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let grid = grid_in_371403(&app).await;
    let (status, org) = admin
        .post(
            "/api/v1/orgs",
            &json!({"kind": "social_unit", "name": "陵城区存证测试商贸有限公司", "region_id": grid, "industry": "I09", "phone": "0534-7654321"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{org}");
    let id = org["id"].as_i64().unwrap();
    let (status, _) =
        admin.patch(&format!("/api/v1/orgs/{id}"), &json!({"opening_hours": "周一至周五 09:00-17:00"})).await;
    assert!(status.is_success());

    // The record's trail: both events, each already in the ledger with a bundle to download.
    let (status, trail) = admin.get(&format!("/api/v1/audit/trail?target_kind=org&target_id={id}")).await;
    assert_eq!(status, StatusCode::OK, "{trail}");
    let events = trail.as_array().unwrap();
    assert_eq!(events.iter().map(|e| e["action"].as_str().unwrap()).collect::<Vec<_>>(), ["org.create", "org.update"]);
    let key: Value = admin.get("/api/v1/ledger/audit/checkpoint").await.1;
    let key = key["verifier_key"].as_str().unwrap().to_owned();
    for e in events {
        let index = e["ledger_index"].as_u64().expect("sequenced");
        let (status, entry) = admin.get(&format!("/api/v1/ledger/audit/entries/{index}")).await;
        assert_eq!(status, StatusCode::OK);
        let bytes = B64.decode(entry["entry"].as_str().unwrap()).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(!text.contains("7654321") && !text.contains("陵城区存证") && !text.contains("admin"), "{text}");
        // The salt and the event's canonical text open the leaf's commitment.
        let leaf: AuditLeaf = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            (leaf.audit_id, leaf.target_kind.as_str(), leaf.target_id),
            (e["id"].as_i64().unwrap(), "org", Some(id))
        );
        let salt = hex::decode(e["salt"].as_str().unwrap()).unwrap();
        assert_eq!(leaf.commitment, audit_commitment(&salt, e["canonical"].as_str().unwrap().as_bytes()));
        // The bundle verifies offline against the pinned key.
        let url = e["bundle_url"].as_str().unwrap();
        let bundle = admin.client.get(admin.url(url)).send().await.unwrap().text().await.unwrap();
        match check_document(&bundle, Some(&key)) {
            Ok(Checked::Entry { log, index: i, .. }) => assert_eq!((log.as_str(), i), ("audit", index)),
            other => panic!("the bundle of entry {index}: {other:?}"),
        }
    }
    let first = events[0]["ledger_index"].as_u64().unwrap();

    // The record's pages link to the trail; the trail page offers the bundles.
    let page = admin.client.get(admin.url(&format!("/orgs/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("/audit/trail/org/{id}")), "the org page links its audit trail");
    let page = admin.client.get(admin.url(&format!("/audit/trail/org/{id}"))).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(page.contains("下载证据包") && page.contains(&format!("/api/v1/ledger/audit/entries/{first}/bundle")));

    // 德城区's leader reads audit events of 德城区 only: nothing of this 陵城区 record.
    let leader = app.login("leader.371402").await;
    let (status, trail) = leader.get(&format!("/api/v1/audit/trail?target_kind=org&target_id={id}")).await;
    assert_eq!((status, trail), (StatusCode::OK, json!([])));
    let (status, _) = leader.get(&format!("/api/v1/ledger/audit/entries/{first}/bundle")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = leader.get(&format!("/api/v1/ledger/audit/entries/{first}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A grid worker reads no audit trail at all.
    let grid_worker = app.login(&app.first_username("grid_worker").await).await;
    let (status, _) = grid_worker.get(&format!("/api/v1/audit/trail?target_kind=org&target_id={id}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Checkpoints for publication: the API lists them, the CLI writes them with the key.
    let (status, listed) = admin.get("/api/v1/ledger/audit/checkpoints").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!listed["checkpoints"].as_array().unwrap().is_empty(), "{listed}");
    let (status, _) = admin.get("/api/v1/ledger/audit/checkpoints?limit=0").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Both engines' variants run at once in this process: each writes into its own directory.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("checkpoints.json");
    let (ok, _, err) = app.pingan(&["ledger", "checkpoints", "--log", "audit", "--out", out.to_str().unwrap()]).await;
    assert!(ok, "{err}");
    let exported: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let verifier = pingan_ledger::note::NoteVerifier::parse(exported["verifier_key"].as_str().unwrap()).unwrap();
    let notes = exported["checkpoints"].as_array().unwrap();
    let last = notes.last().unwrap()["note"].as_str().unwrap();
    let head = pingan_ledger::note::Checkpoint::parse(pingan_ledger::note::open(last, &verifier).unwrap()).unwrap();
    let audited = app.scalar("SELECT count(*) FROM audit_ledger").await as u64;
    assert!(head.size >= audited && audited > first, "{} vs {audited}", head.size);
});

on_both_engines!(
    erasing_a_person_keeps_the_ledger_valid_and_verify_catches_edited_audit_rows,
    |app: TestApp| async move {
        let phone = "13912345678";
        let citizen = app.citizen_login(phone).await;
        let citizen_id = citizen.me["account_id"].as_i64().unwrap();
        let admin = app.login("admin").await;
        let grid = grid_in_371403(&app).await;
        let (status, org) = admin
            .post(
                "/api/v1/orgs",
                &json!({"kind": "social_unit", "name": "核验测试公司", "region_id": grid, "industry": "I09"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let org_id = org["id"].as_i64().unwrap();
        let (ok, out, err) = app.pingan(&["ledger", "verify", "--log", "audit"]).await;
        assert!(ok, "{out}{err}");

        // The erasure: sequences what is pending, then redacts and deletes the salts.
        let (ok, _, err) = app.pingan(&["privacy", "erase", "--account", "13000000000", "--by", "x"]).await;
        assert!(!ok && err.contains("no account named '13000000000'"), "{err}");
        let (ok, out, err) = app.pingan(&["privacy", "erase", "--account", phone, "--by", "PIPL-2026-017"]).await;
        assert!(ok && out.contains("personal data erased"), "{out}{err}");
        let (_, trail) = admin.get(&format!("/api/v1/audit/trail?target_kind=account&target_id={citizen_id}")).await;
        let events = trail.as_array().unwrap();
        let logins: Vec<&Value> =
            events.iter().filter(|e| e["action"].as_str().unwrap().starts_with("account.login")).collect();
        assert!(!logins.is_empty(), "{trail}");
        for e in &logins {
            assert_eq!((e["redacted"].as_bool(), e["salt"].is_null()), (Some(true), true), "{e}");
            assert_eq!(e["actor_name"], "[已删除]");
        }
        let erase = events.iter().find(|e| e["action"] == "privacy.erase").expect("the erasure is audited");
        assert_eq!(erase["actor_name"], "PIPL-2026-017");
        // Its bundle still verifies: the leaf did not change.
        let index = logins[0]["ledger_index"].as_u64().unwrap();
        let bundle = admin.client.get(admin.url(&format!("/api/v1/ledger/audit/entries/{index}/bundle"))).send().await;
        let bundle = bundle.unwrap().text().await.unwrap();
        assert!(matches!(check_document(&bundle, None), Ok(Checked::Entry { .. })), "{bundle}");
        // The account no longer names anyone and cannot sign in.
        let name: String = pingan_store::on_pool!(app.store.db(), |pool| pingan_store::sqlx::query_scalar(
            "SELECT username || '|' || display_name || '|' || COALESCE(phone, '') FROM accounts WHERE id = $1"
        )
        .bind(citizen_id)
        .fetch_one(pool)
        .await)
        .unwrap();
        assert_eq!(name, format!("erased.{citizen_id}|[已删除]|"));
        let (ok, out, _) = app.pingan(&["ledger", "verify", "--log", "audit"]).await;
        assert!(ok && out.contains("erased under PIPL") && !out.contains("(0 erased"), "{out}");

        // A redaction is allowed once, and only as an erasure.
        let login_id = logins[0]["id"].as_i64().unwrap();
        let again = pingan_store::on_pool!(app.store.db(), |pool| pingan_store::sqlx::query(
            "UPDATE audit_events SET encoded = '{}', redacted_ms = 1 WHERE id = $1"
        )
        .bind(login_id)
        .execute(pool)
        .await
        .map(|_| ()));
        assert!(again.is_err(), "an erased event cannot be rewritten");

        // Someone with the database owner's rights edits, strips or deletes audit rows: caught.
        drop_append_only_trigger(&app).await;
        let (_, trail) = admin.get(&format!("/api/v1/audit/trail?target_kind=org&target_id={org_id}")).await;
        let created = &trail[0];
        let (event_id, entry) = (created["id"].as_i64().unwrap(), created["ledger_index"].as_u64().unwrap());
        let original = created["canonical"].as_str().unwrap().replace('\'', "''");
        let edited = original.replace("核验测试公司", "另一家公司");
        assert_ne!(edited, original);
        app.sql(&format!("UPDATE audit_events SET encoded = '{edited}' WHERE id = {event_id}")).await;
        let (ok, out, _) = app.pingan(&["ledger", "verify", "--log", "audit"]).await;
        assert!(!ok && out.contains(&format!("DIVERGES at entry {entry}")) && out.contains("was changed"), "{out}");
        app.sql(&format!("UPDATE audit_events SET encoded = '{original}' WHERE id = {event_id}")).await;
        let (ok, out, _) = app.pingan(&["ledger", "verify", "--log", "audit"]).await;
        assert!(ok, "restored: {out}");
        app.sql(&format!("UPDATE audit_ledger SET salt = NULL WHERE audit_id = {event_id}")).await;
        let (ok, out, _) = app.pingan(&["ledger", "verify", "--log", "audit"]).await;
        assert!(!ok && out.contains("lost its salt without an erasure"), "{out}");
        app.sql(&format!("DELETE FROM audit_events WHERE id = {event_id}")).await;
        let (ok, out, _) = app.pingan(&["ledger", "verify", "--log", "audit"]).await;
        assert!(!ok && out.contains("was deleted"), "{out}");
    }
);

on_both_engines!(the_scanner_sequences_audit_events_on_every_instance_once, |app: TestApp| async move {
    // Two instances scanning the same database: each event enters the ledger exactly once.
    let a = app.instance_with_scanner(std::time::Duration::from_millis(50), 0).await;
    let b = app.instance_with_scanner(std::time::Duration::from_millis(50), 0).await;
    let admin = app.login("admin").await;
    let grid = grid_in_371403(&app).await;
    for i in 0..20 {
        let (status, _) = admin
            .post("/api/v1/orgs", &json!({"kind": "social_unit", "name": format!("排序测试公司{i}"), "region_id": grid, "industry": "I09"}))
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let total = app.scalar("SELECT count(*) FROM audit_events").await;
    let mut sequenced = 0;
    for _ in 0..200 {
        sequenced = app.scalar("SELECT count(*) FROM audit_ledger").await;
        if sequenced >= total {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(sequenced, total, "every event within ten seconds");
    let size = app.store.ledger_head("audit").await.unwrap().size as i64;
    assert_eq!(size, total, "no event twice");
    let distinct = app.scalar("SELECT count(DISTINCT ledger_index) FROM audit_ledger").await;
    assert_eq!(distinct, total);
    drop((a, b));
});
