//! The ledger's storage on both engines: appends in batches give the tree the definition gives,
//! every stored proof verifies, checkpoints are signed once per size with a key every instance
//! shares, and concurrent appends from two instances make one history.

use crate::common;

use common::TestApp;
use pingan_ledger::hash::root_of;
use pingan_ledger::note::{Checkpoint, NoteVerifier, open};
use pingan_ledger::{leaf_hash, verify_consistency, verify_inclusion};
use pingan_store::StoreError;

/// `tools/independent_verify.py` on a document: (exit code, its line). It is a second verifier
/// written from RFC 9162 and C2SP alone (Python's hashlib, OpenSSL's Ed25519), so agreement
/// with it is agreement with a third-party implementation. None when python3 or openssl is
/// absent, except under CI, where .ci/run provides both.
fn independent(doc: &str, key: Option<&str>) -> Option<(i32, String)> {
    let have =
        |cmd: &str, arg: &str| std::process::Command::new(cmd).arg(arg).output().is_ok_and(|o| o.status.success());
    if !have("python3", "--version") || !have("openssl", "version") {
        assert!(std::env::var_os("CI").is_none(), "python3 and openssl are needed under CI");
        eprintln!("skipping the independent verifier: python3 or openssl missing");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("doc.json");
    std::fs::write(&file, doc).unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/independent_verify.py");
    let mut cmd = std::process::Command::new("python3");
    cmd.arg(script).arg(&file);
    if let Some(key) = key {
        cmd.args(["--key", key]);
    }
    let out = cmd.output().unwrap();
    Some((out.status.code().unwrap(), String::from_utf8_lossy(&out.stdout).trim().to_owned()))
}

/// The independent verifier agrees with the published proof vectors (../shared/testdata/tlog).
#[test]
fn the_independent_verifier_agrees_with_the_published_vectors() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/tlog");
    let mut checked = 0;
    for kind in ["inclusion", "consistency"] {
        let mut dirs = vec![root.join(kind)];
        while let Some(dir) = dirs.pop() {
            for e in std::fs::read_dir(&dir).unwrap() {
                let path = e.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let want_err = serde_json::from_str::<serde_json::Value>(&text).unwrap()["wantErr"].as_bool().unwrap();
                let Some((code, line)) = independent(&text, None) else { return };
                assert_eq!(code, if want_err { 1 } else { 0 }, "{}: {line}", path.display());
                checked += 1;
            }
        }
    }
    assert!(checked > 150, "{checked} vectors");
}

fn entry(i: usize) -> Vec<u8> {
    format!("{{\"kind\":\"test\",\"n\":{i}}}").into_bytes()
}

on_both_engines!(appended_entries_make_the_tree_and_every_proof_verifies, |app: TestApp| async move {
    let store = &app.store;
    let head = store.ledger_head("audit").await.unwrap();
    assert_eq!((head.size, head.root), (0, pingan_ledger::EMPTY_ROOT));
    let mut leaves = Vec::new();
    let mut heads = vec![head];
    for batch in [1usize, 1, 5, 1, 16, 100, 3, 250, 1] {
        let entries: Vec<Vec<u8>> = (leaves.len()..leaves.len() + batch).map(entry).collect();
        let (head, first) = store.ledger_append("audit", &entries).await.unwrap();
        assert_eq!(first as usize, leaves.len());
        leaves.extend(entries.iter().map(|e| leaf_hash(e)));
        assert_eq!((head.size as usize, head.root), (leaves.len(), root_of(&leaves)), "after {} entries", leaves.len());
        heads.push(head);
    }
    let n = leaves.len() as u64;
    assert_eq!(store.ledger_entry("audit", 17).await.unwrap(), entry(17));
    // Every earlier head is still the root of its prefix, and the current tree extends it.
    for h in &heads {
        assert_eq!(store.ledger_root("audit", h.size).await.unwrap(), h.root);
        let proof = store.ledger_consistency("audit", h.size, n).await.unwrap();
        verify_consistency(h.size, n, &h.root, &heads.last().unwrap().root, &proof).unwrap();
    }
    for (index, size) in [(0, 1), (0, n), (n - 1, n), (17, 64), (200, 300), (300, n)] {
        let proof = store.ledger_inclusion("audit", index, size).await.unwrap();
        let root = root_of(&leaves[..size as usize]);
        verify_inclusion(index, size, &leaves[index as usize], &proof, &root).unwrap();
    }
    // Bad requests are refused by name; the other log is its own.
    assert!(matches!(store.ledger_inclusion("audit", 5, n + 1).await, Err(StoreError::Invalid(_))));
    assert!(matches!(store.ledger_inclusion("audit", 9, 9).await, Err(StoreError::Invalid(_))));
    assert!(matches!(store.ledger_consistency("audit", 9, 3).await, Err(StoreError::Invalid(_))));
    assert!(matches!(store.ledger_head("payroll").await, Err(StoreError::NotFound)));
    assert_eq!(store.ledger_head("prepaid").await.unwrap().size, 0);
});

on_both_engines!(checkpoints_are_signed_once_per_size_with_a_shared_key, |app: TestApp| async move {
    let other = app.second_instance().await;
    let signer = app.store.ledger_signer("pingan.test/audit", None).await.unwrap();
    let again = other.store.ledger_signer("pingan.test/audit", None).await.unwrap();
    assert_eq!(signer.verifier_key(), again.verifier_key(), "every instance signs with the database's key");
    let verifier = NoteVerifier::parse(&signer.verifier_key()).unwrap();

    app.store.ledger_append("audit", &(0..10).map(entry).collect::<Vec<_>>()).await.unwrap();
    let first = app.store.ledger_checkpoint("audit", "pingan.test/audit", &signer).await.unwrap();
    let cp = Checkpoint::parse(open(&first.note, &verifier).unwrap()).unwrap();
    assert_eq!((cp.size, cp.origin.as_str()), (10, "pingan.test/audit"));
    assert_eq!(
        other.store.ledger_checkpoint("audit", "pingan.test/audit", &again).await.unwrap(),
        first,
        "nothing new: the same checkpoint"
    );

    // Two instances append at once: one history, and each checkpoint extends the last.
    let mut tasks = Vec::new();
    for t in 0..8 {
        let store = if t % 2 == 0 { app.store.clone() } else { other.store.clone() };
        tasks.push(tokio::spawn(async move {
            for k in 0..5 {
                let entries: Vec<Vec<u8>> = (0..3).map(|j| entry(1000 + t * 100 + k * 10 + j)).collect();
                store.ledger_append("audit", &entries).await.unwrap();
            }
        }));
    }
    let mut signed = vec![first];
    for _ in 0..5 {
        signed.push(app.store.ledger_checkpoint("audit", "pingan.test/audit", &signer).await.unwrap());
        tokio::task::yield_now().await;
    }
    for t in tasks {
        t.await.unwrap();
    }
    signed.push(other.store.ledger_checkpoint("audit", "pingan.test/audit", &again).await.unwrap());
    let head = app.store.ledger_head("audit").await.unwrap();
    assert_eq!(head.size, 10 + 8 * 5 * 3);
    let mut leaves = Vec::new();
    for i in 0..head.size {
        leaves.push(leaf_hash(&app.store.ledger_entry("audit", i).await.unwrap()));
    }
    assert_eq!(root_of(&leaves), head.root);
    let last = Checkpoint::parse(open(&signed.last().unwrap().note, &verifier).unwrap()).unwrap();
    assert_eq!((last.size, last.root), (head.size, head.root));
    for s in &signed {
        let cp = Checkpoint::parse(open(&s.note, &verifier).unwrap()).unwrap();
        let proof = app.store.ledger_consistency("audit", cp.size, last.size).await.unwrap();
        verify_consistency(cp.size, last.size, &cp.root, &last.root, &proof).unwrap();
    }
});

/// `bytes` as an SQL literal of the app's engine.
fn bytes_literal(app: &TestApp, bytes: &[u8]) -> String {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    match app.store.engine() {
        pingan_store::Engine::Sqlite => format!("X'{hex}'"),
        pingan_store::Engine::Postgres => format!("'\\x{hex}'::bytea"),
    }
}

on_both_engines!(the_verifier_catches_edited_deleted_and_reordered_rows, |app: TestApp| async move {
    let store = &app.store;
    let (ok, out, err) = app.pingan(&["ledger", "verify"]).await;
    assert!(ok, "an empty ledger verifies: {out}{err}");
    // The origin the CLI uses by default, so that its checkpoints verify with the same key.
    let signer = store.ledger_signer("pingan.local/audit", None).await.unwrap();
    let verifier = NoteVerifier::parse(&signer.verifier_key()).unwrap();
    for chunk in (0..300).collect::<Vec<usize>>().chunks(37) {
        store.ledger_append("audit", &chunk.iter().map(|&i| entry(i)).collect::<Vec<_>>()).await.unwrap();
        store.ledger_checkpoint("audit", "pingan.test/audit", &signer).await.unwrap();
    }
    let clean = store.ledger_verify("audit", &verifier).await.unwrap();
    assert_eq!((clean.entries, clean.checkpoints, clean.divergence.clone()), (300, 9, None), "{clean:?}");
    let (ok, out, _) = app.pingan(&["ledger", "verify", "--log", "audit"]).await;
    assert!(ok && out.contains("audit: ok — 300 entries recomputed, 9 checkpoints verified"), "{out}");

    let first_divergence = || async {
        let r = store.ledger_verify("audit", &verifier).await.unwrap();
        r.divergence.map(|d| (d.entry, d.reason)).expect("a divergence")
    };
    let blob = |i: usize| bytes_literal(&app, &entry(i));
    // An edited entry.
    app.sql(&format!("UPDATE ledger_entries SET entry = {} WHERE log = 'audit' AND idx = 123", blob(999))).await;
    assert_eq!(first_divergence().await.0, Some(123));
    let (ok, out, _) = app.pingan(&["ledger", "verify", "--log", "audit"]).await;
    assert!(!ok && out.contains("DIVERGES at entry 123"), "the CLI names it and fails: {out}");
    app.sql(&format!("UPDATE ledger_entries SET entry = {} WHERE log = 'audit' AND idx = 123", blob(123))).await;
    assert_eq!(store.ledger_verify("audit", &verifier).await.unwrap().divergence, None, "restored");
    // A deleted entry.
    app.sql("DELETE FROM ledger_entries WHERE log = 'audit' AND idx = 200").await;
    let (at, reason) = first_divergence().await;
    assert_eq!(at, Some(200), "{reason}");
    assert!(reason.contains("missing"), "{reason}");
    app.sql(&format!("INSERT INTO ledger_entries (log, idx, entry, at_ms) VALUES ('audit', 200, {}, 0)", blob(200)))
        .await;
    // Two entries swapped.
    app.sql(&format!("UPDATE ledger_entries SET entry = {} WHERE log = 'audit' AND idx = 57", blob(58))).await;
    app.sql(&format!("UPDATE ledger_entries SET entry = {} WHERE log = 'audit' AND idx = 58", blob(57))).await;
    assert_eq!(first_divergence().await.0, Some(57));
    app.sql(&format!("UPDATE ledger_entries SET entry = {} WHERE log = 'audit' AND idx = 57", blob(57))).await;
    app.sql(&format!("UPDATE ledger_entries SET entry = {} WHERE log = 'audit' AND idx = 58", blob(58))).await;
    // An entry and its stored leaf rewritten together: the subtree above it gives it away.
    app.sql(&format!("UPDATE ledger_entries SET entry = {} WHERE log = 'audit' AND idx = 10", blob(777))).await;
    let set_leaf = |leaf: [u8; 32]| {
        let app = &app;
        async move {
            let tile: Vec<u8> = pingan_store::on_pool!(app.store.db(), |pool| pingan_store::sqlx::query_scalar(
                "SELECT hashes FROM ledger_tiles WHERE log = 'audit' AND tile = 0"
            )
            .fetch_one(pool)
            .await)
            .unwrap();
            assert_eq!(tile.len(), 256 * 32, "the first 256 leaf hashes make one tile");
            let mut tile = tile;
            tile[10 * 32..11 * 32].copy_from_slice(&leaf);
            let tile = bytes_literal(app, &tile);
            app.sql(&format!("UPDATE ledger_tiles SET hashes = {tile} WHERE log = 'audit' AND tile = 0")).await;
        }
    };
    set_leaf(leaf_hash(&entry(777))).await;
    let (at, reason) = first_divergence().await;
    assert_eq!((at, reason.as_str()), (None, "checkpoint of size 37: the entries give another root"));
    // Without the checkpoints, the stored subtree over the first 256 entries gives it away.
    app.sql("UPDATE ledger_checkpoints SET log = 'hidden' WHERE log = 'audit'").await;
    let (at, reason) = first_divergence().await;
    assert_eq!(at, Some(0), "{reason}");
    assert!(reason.contains("subtree over entries 0–255"), "{reason}");
    app.sql("UPDATE ledger_checkpoints SET log = 'audit' WHERE log = 'hidden'").await;
    app.sql(&format!("UPDATE ledger_entries SET entry = {} WHERE log = 'audit' AND idx = 10", blob(10))).await;
    set_leaf(leaf_hash(&entry(10))).await;
    assert_eq!(store.ledger_verify("audit", &verifier).await.unwrap().divergence, None, "restored");
    // A leaf hash cut from the open tile.
    let open_tile: Vec<u8> = pingan_store::on_pool!(app.store.db(), |pool| pingan_store::sqlx::query_scalar(
        "SELECT hashes FROM ledger_tiles WHERE log = 'audit' AND tile = 1"
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    app.sql("UPDATE ledger_tiles SET hashes = substr(hashes, 1, 32 * 40) WHERE log = 'audit' AND tile = 1").await;
    let (at, reason) = first_divergence().await;
    assert_eq!(at, Some(296), "{reason}");
    assert!(reason.contains("leaf tile 1 holds 40 hashes"), "{reason}");
    assert!(store.ledger_append("audit", &[entry(300)]).await.is_err(), "nor does it append past a damaged tile");
    let open_tile = bytes_literal(&app, &open_tile);
    app.sql(&format!("UPDATE ledger_tiles SET hashes = {open_tile} WHERE log = 'audit' AND tile = 1")).await;
    assert_eq!(store.ledger_verify("audit", &verifier).await.unwrap().divergence, None, "restored");
    // A forged checkpoint.
    app.sql("UPDATE ledger_checkpoints SET note = replace(note, 'audit', 'audi7') WHERE log = 'audit' AND size = 111")
        .await;
    let (at, reason) = first_divergence().await;
    assert!(at.is_none() && reason.contains("checkpoint of size 111"), "{reason}");
});

on_both_engines!(the_api_serves_checkpoints_proofs_and_bundles_that_verify_offline, |app: TestApp| async move {
    use pingan_ledger::bundle::{Checked, check_document};
    app.store.ledger_append("prepaid", &(0..21).map(entry).collect::<Vec<_>>()).await.unwrap();
    let anonymous = reqwest::Client::new();
    let get = |path: &str| anonymous.get(app.url(path)).send();
    let res = get("/api/v1/ledger/prepaid/checkpoint").await.unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::OK);
    let cp: serde_json::Value = res.json().await.unwrap();
    let key = cp["verifier_key"].as_str().unwrap().to_owned();
    let verifier = NoteVerifier::parse(&key).unwrap();
    let head = Checkpoint::parse(open(cp["checkpoint"].as_str().unwrap(), &verifier).unwrap()).unwrap();
    assert_eq!((head.size, head.origin.as_str()), (21, "pingan.local/prepaid"));

    // Proofs are public and verify as pingan-verify reads them.
    let inclusion = get("/api/v1/ledger/prepaid/proof/inclusion?index=13").await.unwrap().text().await.unwrap();
    assert_eq!(check_document(&inclusion, None), Ok(Checked::Inclusion { index: 13, size: 21 }), "{inclusion}");
    let consistency = get("/api/v1/ledger/prepaid/proof/consistency?size1=6").await.unwrap().text().await.unwrap();
    assert_eq!(check_document(&consistency, None), Ok(Checked::Consistency { size1: 6, size2: 21 }));
    assert_eq!(get("/api/v1/ledger/prepaid/proof/inclusion?index=21").await.unwrap().status(), 400);
    assert_eq!(get("/api/v1/ledger/prepaid/proof/consistency?size1=30&size2=21").await.unwrap().status(), 400);
    assert_eq!(get("/api/v1/ledger/payroll/checkpoint").await.unwrap().status(), 404);

    // Entries and bundles are for signed-in readers of the audit trail (an `audit` entry only in their scope: see tests/audit_ledger.rs).
    assert_eq!(get("/api/v1/ledger/prepaid/entries/4").await.unwrap().status(), 401);
    let admin = app.login("admin").await;
    let (status, e) = admin.get("/api/v1/ledger/prepaid/entries/4").await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert_eq!(e["index"], 4);
    let res = admin.client.get(admin.url("/api/v1/ledger/prepaid/entries/4/bundle")).send().await.unwrap();
    let bundle = res.text().await.unwrap();
    let checked = check_document(&bundle, Some(&key)).unwrap();
    assert_eq!(checked, Checked::Entry { log: "prepaid".into(), index: 4, size: 21 });
    // The independent verifier agrees on the bundle (its signed checkpoint, its inclusion
    // proof) and on both proofs, and refuses the bundle once its entry is changed.
    if let Some((code, line)) = independent(&bundle, Some(&key)) {
        assert_eq!(
            (code, line.as_str()),
            (0, "valid: entry 4 of pingan.local/prepaid is in the signed tree of size 21")
        );
        assert_eq!(independent(&inclusion, None).unwrap().0, 0);
        assert_eq!(independent(&consistency, None).unwrap().0, 0);
        let mut forged: serde_json::Value = serde_json::from_str(&bundle).unwrap();
        forged["entry"] =
            serde_json::json!(base64::Engine::encode(&base64::engine::general_purpose::STANDARD, entry(5)));
        let (code, line) = independent(&forged.to_string(), Some(&key)).unwrap();
        assert_eq!(code, 1, "{line}");
        let other_key =
            pingan_ledger::note::NoteSigner::from_seed("pingan.local/prepaid", &[7; 32]).unwrap().verifier_key();
        let (code, line) = independent(&bundle, Some(&other_key)).unwrap();
        assert_eq!(code, 1, "{line}");
    }
    // Another instance signs with the same key: its checkpoint verifies with the pinned one.
    let other = app.second_instance().await;
    app.store.ledger_append("prepaid", &[entry(21)]).await.unwrap();
    let cp: serde_json::Value =
        reqwest::get(format!("{}/api/v1/ledger/prepaid/checkpoint", other.base)).await.unwrap().json().await.unwrap();
    let next = Checkpoint::parse(open(cp["checkpoint"].as_str().unwrap(), &verifier).unwrap()).unwrap();
    assert_eq!(next.size, 22);
    let (status, _) = admin.get("/api/v1/ledger/prepaid/entries/99/bundle").await;
    assert_eq!(status, reqwest::StatusCode::NOT_FOUND);
});

on_both_engines!(the_scanner_signs_checkpoints_of_logs_that_grew, |app: TestApp| async move {
    app.store.ledger_append("prepaid", &(0..5).map(entry).collect::<Vec<_>>()).await.unwrap();
    let scanning = app.instance_with_scanner(std::time::Duration::from_millis(100), 0).await;
    let mut signed = None;
    for _ in 0..100 {
        // The claim lets one signing a minute through; the first is due at once.
        signed = scanning.store.ledger_latest_checkpoint("prepaid").await.unwrap();
        if signed.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let signed = signed.expect("a checkpoint within ten seconds");
    assert_eq!(signed.size, 5);
    assert!(signed.note.starts_with("pingan.local/prepaid\n5\n"), "{}", signed.note);
});

/// A log written by a release that stored every full subtree one by one (up to migration 15)
/// is converted to leaf tiles by migration 16, and then verifies, proves and grows as before.
async fn a_log_in_the_old_layout_moves_to_tiles(engine: pingan_store::Engine) {
    use pingan_store::sqlx;
    let Some(db) = pingan_store::testing::TestDb::new(engine).await else { return };
    let store = pingan_store::Store::connect(&db.url, &Default::default()).await.unwrap();
    store.migrate_until(15).await.unwrap();
    // 1000 entries as the old release stored them: every full node, keyed level·2^48 + index.
    let (mut frontier, mut leaves, mut nodes) = (pingan_ledger::tree::Frontier::default(), vec![], vec![]);
    for i in 0..1000 {
        let leaf = leaf_hash(&entry(i));
        leaves.push(leaf);
        for c in frontier.push(leaf) {
            nodes.push((((u64::from(c.level) << 48) | c.index) as i64, c.hash.to_vec()));
        }
    }
    pingan_store::on_pool!(store.db(), |pool| async {
        let mut tx = pool.begin().await?;
        sqlx::query("INSERT INTO ledger_logs (log, size, root) VALUES ('prepaid', 1000, $1)")
            .bind(frontier.root().to_vec())
            .execute(&mut *tx)
            .await?;
        for i in 0..1000 {
            sqlx::query("INSERT INTO ledger_entries (log, idx, entry, at_ms) VALUES ('prepaid', $1, $2, 0)")
                .bind(i as i64)
                .bind(entry(i))
                .execute(&mut *tx)
                .await?;
        }
        for (node, hash) in &nodes {
            sqlx::query("INSERT INTO ledger_nodes (log, node, hash) VALUES ('prepaid', $1, $2)")
                .bind(*node)
                .bind(hash.as_slice())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    }
    .await)
    .unwrap();

    store.migrate().await.unwrap();
    let (tiles, lower): (i64, i64) = pingan_store::on_pool!(store.db(), |pool| {
        sqlx::query_as(
        "SELECT (SELECT count(*) FROM ledger_tiles), (SELECT count(*) FROM ledger_nodes WHERE node < 2251799813685248)"
    )
    .fetch_one(pool)
    .await
    })
    .unwrap();
    assert_eq!((tiles, lower), (4, 0), "three full tiles and an open one; no node below level 8 left");
    let signer = store.ledger_signer("pingan.test/prepaid", None).await.unwrap();
    let verifier = NoteVerifier::parse(&signer.verifier_key()).unwrap();
    let report = store.ledger_verify("prepaid", &verifier).await.unwrap();
    assert_eq!((report.entries, report.divergence), (1000, None));
    let root = root_of(&leaves);
    for index in [0, 255, 256, 511, 777, 999] {
        let proof = store.ledger_inclusion("prepaid", index, 1000).await.unwrap();
        verify_inclusion(index, 1000, &leaves[index as usize], &proof, &root).unwrap();
    }
    // It grows from the converted open tile.
    let more: Vec<Vec<u8>> = (1000..1100).map(entry).collect();
    let (head, first) = store.ledger_append("prepaid", &more).await.unwrap();
    leaves.extend(more.iter().map(|e| leaf_hash(e)));
    assert_eq!((head.size, first, head.root), (1100, 1000, root_of(&leaves)));
    let proof = store.ledger_consistency("prepaid", 1000, 1100).await.unwrap();
    verify_consistency(1000, 1100, &root, &head.root, &proof).unwrap();
    assert_eq!(store.ledger_verify("prepaid", &verifier).await.unwrap().divergence, None);
    store.close().await;
}

#[tokio::test]
async fn a_log_in_the_old_layout_moves_to_tiles_sqlite() {
    a_log_in_the_old_layout_moves_to_tiles(pingan_store::Engine::Sqlite).await;
}

#[tokio::test]
async fn a_log_in_the_old_layout_moves_to_tiles_postgres() {
    a_log_in_the_old_layout_moves_to_tiles(pingan_store::Engine::Postgres).await;
}
