//! `pingan ledger verify`: recompute each log from its stored entries and check everything
//! stored about it (`Store::ledger_verify`), with the log's own verifier key.

use crate::config::Config;
use crate::startup::open_store;
use pingan_ledger::note::NoteVerifier;
use pingan_store::ledger::LOGS;
use std::path::Path;

/// The signer name of `log` under the configured origin.
pub fn origin(config: &Config, log: &str) -> String {
    format!("{}/{log}", config.ledger_origin)
}

/// Check the logs; prints one line per log and returns whether all held.
pub async fn verify(config: Option<&Path>, only: Option<&str>) -> anyhow::Result<bool> {
    let config = Config::load(config)?;
    if let Some(log) = only
        && !LOGS.contains(&log)
    {
        anyhow::bail!("--log must be one of {}, not '{log}'", LOGS.join(", "));
    }
    let store = open_store(&config.database_url, 2).await?;
    let mut all_good = true;
    for log in LOGS.iter().filter(|l| only.is_none_or(|o| o == **l)) {
        let signer = store.ledger_signer(&origin(&config, log), config.ledger_key.as_deref()).await?;
        let verifier = NoteVerifier::parse(&signer.verifier_key()).map_err(|e| anyhow::anyhow!("{e}"))?;
        let report = store.ledger_verify(log, &verifier).await?;
        match &report.divergence {
            None => println!(
                "{log}: ok — {} entries recomputed, {} checkpoints verified (key {})",
                report.entries,
                report.checkpoints,
                signer.verifier_key()
            ),
            Some(d) => {
                all_good = false;
                match d.entry {
                    Some(entry) => println!("{log}: DIVERGES at entry {entry}: {}", d.reason),
                    None => println!("{log}: DIVERGES: {}", d.reason),
                }
            }
        }
    }
    store.close().await;
    Ok(all_good)
}
