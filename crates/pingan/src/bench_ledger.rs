//! `pingan bench ledger`: append throughput with durable commits (batched), and proof times
//! at the log's full size, on a fresh database of either engine.

use crate::bench_appeals::fresh_store;
use pingan_ledger::{verify_consistency, verify_inclusion};
use pingan_store::Engine;
use rand::{Rng, SeedableRng};
use std::time::Instant;

/// A canonical-looking entry of about the size of a prepaid transaction's leaf.
fn entry(i: u64) -> Vec<u8> {
    format!(
        "{{\"v\":1,\"log\":\"prepaid\",\"kind\":\"redemption\",\"merchant\":{},\"card\":\"{:016x}\",\"amount_fen\":{},\"at_ms\":{},\"commitment\":\"{:064x}\"}}",
        i % 50_000,
        i.wrapping_mul(0x9e37_79b9_7f4a_7c15),
        1000 + i % 90_000,
        1_790_000_000_000u64 + i * 37,
        u128::from(i) * 0x1234_5678_9abc_def1
    )
    .into_bytes()
}

pub async fn run(engine: Engine, entries: u64, batch: usize, proofs: usize) -> anyhow::Result<()> {
    let (_db, store) = fresh_store(engine).await?;
    println!("ledger bench: {engine:?}, {entries} entries in batches of {batch}");
    let t = Instant::now();
    let mut last_report = Instant::now();
    let mut done = 0u64;
    while done < entries {
        let n = (entries - done).min(batch as u64);
        let chunk: Vec<Vec<u8>> = (done..done + n).map(entry).collect();
        store.ledger_append("prepaid", &chunk).await?;
        done += n;
        if last_report.elapsed().as_secs() >= 10 {
            println!("  {done} entries, {:.0}/s so far", done as f64 / t.elapsed().as_secs_f64());
            last_report = Instant::now();
        }
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "append: {entries} entries in {secs:.1} s = {:.0} entries/s (each batch one durable commit)",
        entries as f64 / secs
    );

    // Proofs are served from a log at rest: copy the bulk load's WAL (gigabytes at 10 million
    // entries) into the database first, or the background checkpoint competes with the reads
    // and the tail times the checkpoint.
    let t = Instant::now();
    store.restart_wal().await;
    println!("WAL checkpointed before the proofs in {:.1} s", t.elapsed().as_secs_f64());
    let head = store.ledger_head("prepaid").await?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let mut inclusion = Vec::with_capacity(proofs);
    for _ in 0..proofs {
        let index = rng.gen_range(0..head.size);
        let t = Instant::now();
        let proof = store.ledger_inclusion("prepaid", index, head.size).await?;
        inclusion.push(t.elapsed().as_secs_f64() * 1e3);
        let leaf = pingan_ledger::leaf_hash(&entry(index));
        verify_inclusion(index, head.size, &leaf, &proof, &head.root)?;
    }
    let mut consistency = Vec::with_capacity(proofs);
    for _ in 0..proofs {
        let size1 = rng.gen_range(1..=head.size);
        let root1 = store.ledger_root("prepaid", size1).await?;
        let t = Instant::now();
        let proof = store.ledger_consistency("prepaid", size1, head.size).await?;
        consistency.push(t.elapsed().as_secs_f64() * 1e3);
        verify_consistency(size1, head.size, &root1, &head.root, &proof)?;
    }
    for (name, mut ms) in [("inclusion", inclusion), ("consistency", consistency)] {
        ms.sort_by(f64::total_cmp);
        let pct = |p: f64| ms[((ms.len() as f64 - 1.0) * p).round() as usize];
        println!(
            "{name} proof at {} entries: median {:.3} ms, p99 {:.3} ms, max {:.3} ms ({} proofs, each verified)",
            head.size,
            pct(0.5),
            pct(0.99),
            ms[ms.len() - 1],
            ms.len()
        );
    }
    audit_sequencing(&store, AUDIT_EVENTS).await
}

/// How many audit events the sequencing phase writes and then sequences.
const AUDIT_EVENTS: u64 = 100_000;

/// The audit trail into its log: events written as the platform writes them (in their own
/// transactions, here 1,000 a commit), then `sequence_audit_events` timed as the scanner runs
/// it — read the pending events, salt and commit to each, append, record the salts.
async fn audit_sequencing(store: &pingan_store::Store, events: u64) -> anyhow::Result<()> {
    use pingan_store::BeginWrite;
    let before = store.ledger_head("audit").await?.size;
    for start in (0..events).step_by(1000) {
        let chunk: Vec<pingan_domain::audit::AuditEvent> = (start..(start + 1000).min(events))
            .map(|i| pingan_domain::audit::AuditEvent {
                at_ms: 1_790_000_000_000 + i as i64,
                actor_id: Some(1 + (i % 500) as i64),
                actor_name: format!("grid.3714020010{:05}", i % 500),
                action: "appeal.act".into(),
                target_kind: "appeal".into(),
                target_id: Some(i as i64),
                success: true,
                before: serde_json::json!({"state": "handling"}),
                after: serde_json::json!({"state": "replied", "reporter_phone": "138****0000"}),
            })
            .collect();
        pingan_store::on_pool!(store.db(), |pool| {
            let mut tx = pool.begin_write().await?;
            for ev in &chunk {
                pingan_store::write_audit!(&mut *tx, ev, "/1/2/")?;
            }
            tx.commit().await
        })?;
    }
    let t = Instant::now();
    let n = store.sequence_audit_events(5_000).await?;
    let secs = t.elapsed().as_secs_f64();
    let head = store.ledger_head("audit").await?;
    anyhow::ensure!(n == events && head.size == before + events, "sequenced {n} of {events}");
    println!(
        "audit sequencing: {n} audit events into the audit log in {secs:.1} s = {:.0} events/s (5,000 a durable commit)",
        n as f64 / secs
    );
    Ok(())
}
