//! `pingan prepaid import FILE --user USERNAME`: a file of money flows (a bank statement, a
//! till's offline day) recorded as that account, all or nothing, each bad row named by file,
//! row and field; `pingan prepaid assess`: every merchant's assessment now.

use crate::config::Config;
use crate::startup::open_store;
use anyhow::Context;
use pingan_store::StoreError;
use pingan_store::prepaid::flows::{FlowIdempotency, FlowSender};
use sha2::{Digest, Sha256};
use std::path::Path;

pub async fn import(config: Option<&Path>, file: &Path, username: &str) -> anyhow::Result<()> {
    let config = Config::load(config)?;
    let bytes = std::fs::read(file).with_context(|| format!("{}: cannot read the file", file.display()))?;
    let now = chrono::Utc::now().timestamp_millis();
    let flows = match pingan_web::api::prepaid_import::read_flows(&bytes, now) {
        Ok(flows) => flows,
        Err(errors) => {
            for e in &errors {
                if e.row == 0 {
                    eprintln!("{}: {}", file.display(), e.message);
                } else {
                    eprintln!("{}: 第 {} 行 / row {}: {}: {}", file.display(), e.row, e.row, e.field, e.message);
                }
            }
            anyhow::bail!("{}: {} problem(s), nothing imported", file.display(), errors.len());
        }
    };
    let store = open_store(&config.database_url, 2).await?;
    let account =
        store.login_account(username.trim()).await?.with_context(|| format!("no account named '{username}'"))?;
    let digest = hex::encode(Sha256::digest(&bytes));
    let idem = FlowIdempotency { key: format!("file:{digest}"), request_hash: digest };
    let result = store.record_prepaid_flows(FlowSender::Staff(&account.actor), &flows, Some(&idem)).await;
    store.close().await;
    match result {
        Ok(recorded) if recorded.first().is_some_and(|r| r.replayed) => {
            println!("{}: imported before — nothing added ({} flows)", file.display(), recorded.len());
            Ok(())
        }
        Ok(recorded) => {
            let first = recorded.first().map_or(0, |r| r.ledger_index);
            println!(
                "{}: {} flows recorded, ledger entries {first}…{}",
                file.display(),
                recorded.len(),
                first + recorded.len() as u64 - 1
            );
            Ok(())
        }
        Err(StoreError::Invalid(fields)) => {
            for f in &fields {
                eprintln!("{}: {}: {}", file.display(), f.field, f.message);
            }
            anyhow::bail!("{}: nothing imported", file.display())
        }
        Err(e) => Err(anyhow::anyhow!("{}: {e}", file.display())),
    }
}

pub async fn assess(config: Option<&Path>) -> anyhow::Result<()> {
    let config = Config::load(config)?;
    let store = open_store(&config.database_url, 2).await?;
    let started = std::time::Instant::now();
    let n = store.assess_all_prepaid_merchants(chrono::Utc::now().timestamp_millis()).await?;
    store.close().await;
    println!("{n} merchants assessed in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
