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
        let mut report = store.ledger_verify(log, &verifier).await?;
        // The audit trail's rows against their leaves: an event edited or deleted in the
        // database, or stripped of its salt outside an erasure, no longer matches.
        let mut opened = None;
        if *log == "audit" && report.divergence.is_none() {
            let (checked, erased, divergence) = store.audit_commitments_verify().await?;
            report.divergence = divergence;
            opened =
                Some(format!("{checked} audit events open their leaves' commitments ({erased} erased under PIPL)"));
        }
        // The flows and balances the platform reads against the leaves that prove them.
        if *log == "prepaid" && report.divergence.is_none() {
            let check = store.prepaid_flows_verify().await?;
            report.divergence = check.divergence;
            opened = Some(format!(
                "{} flows and every merchant's and card's balance agree with their leaves ({} on cards erased under PIPL)",
                check.flows, check.erased
            ));
        }
        match &report.divergence {
            None => {
                println!(
                    "{log}: ok — {} entries recomputed, {} checkpoints verified (key {})",
                    report.entries,
                    report.checkpoints,
                    signer.verifier_key()
                );
                if let Some(opened) = opened {
                    println!("{log}: {opened}");
                }
            }
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

/// The published form of a log's checkpoints.
#[derive(serde::Serialize)]
struct CheckpointExport {
    log: String,
    /// The key that verifies every note below (`<name>+<id>+<key>`).
    verifier_key: String,
    checkpoints: Vec<pingan_store::ledger::SignedCheckpoint>,
}

/// `pingan ledger checkpoints`: sign a checkpoint of the log's current size (if it grew), then
/// write every checkpoint larger than `after` as JSON to `out` (`-`: standard output).
pub async fn export_checkpoints(config: Option<&Path>, log: &str, after: u64, out: &Path) -> anyhow::Result<()> {
    let config = Config::load(config)?;
    if !LOGS.contains(&log) {
        anyhow::bail!("--log must be one of {}, not '{log}'", LOGS.join(", "));
    }
    let store = open_store(&config.database_url, 2).await?;
    let signer = store.ledger_signer(&origin(&config, log), config.ledger_key.as_deref()).await?;
    if log == "audit" {
        store.sequence_audit_events(pingan_web::api::audit::SEQUENCE_BATCH).await?;
    }
    store.ledger_checkpoint(log, &origin(&config, log), &signer).await?;
    let checkpoints = store.ledger_checkpoints(log, after, i64::MAX).await?;
    store.close().await;
    let export = CheckpointExport { log: log.to_owned(), verifier_key: signer.verifier_key(), checkpoints };
    let json = serde_json::to_string_pretty(&export)?;
    if out.as_os_str() == "-" {
        println!("{json}");
    } else {
        std::fs::write(out, json + "\n").map_err(|e| anyhow::anyhow!("{}: {e}", out.display()))?;
        eprintln!("{}: {} checkpoints of the {log} log", out.display(), export.checkpoints.len());
    }
    Ok(())
}

/// `pingan privacy erase`: erase a person's data (`Store::erase_account_personal_data`).
/// `account` is a username, or a citizen's mobile number (citizens' usernames are derived).
pub async fn erase_account(config: Option<&Path>, account: &str, by: &str) -> anyhow::Result<()> {
    let config = Config::load(config)?;
    let by = by.trim();
    if by.is_empty() {
        anyhow::bail!("--by must say who ordered the erasure (a name or the request's number)");
    }
    let store = open_store(&config.database_url, 2).await?;
    let found = match store.login_account(account.trim()).await? {
        Some(a) => Some(a),
        None => store.citizen_by_phone(account.trim()).await?,
    };
    let Some(found) = found else {
        store.close().await;
        anyhow::bail!("no account named '{account}' (a username, or a citizen's mobile number)");
    };
    // Sequence first, so that the events erased now are already in the ledger with their leaves.
    store.sequence_audit_events(pingan_web::api::audit::SEQUENCE_BATCH).await?;
    let erasure = store.erase_account_personal_data(found.actor.account_id, by).await?;
    store.close().await;
    println!(
        "account {}: personal data erased; {} audit events redacted, {} ledger salts deleted; the ledger stays valid",
        found.actor.account_id, erasure.redacted, erasure.salts_deleted
    );
    Ok(())
}

/// `pingan privacy erase --card LICENCE:CARD_NO`: erase a prepaid card holder's card number
/// and its commitment salt (`Store::erase_prepaid_card`).
pub async fn erase_card(config: Option<&Path>, card: &str, by: &str) -> anyhow::Result<()> {
    let config = Config::load(config)?;
    let by = by.trim();
    if by.is_empty() {
        anyhow::bail!("--by must say who ordered the erasure (a name or the request's number)");
    }
    let Some((licence, card_no)) = card.split_once(':').map(|(l, c)| (l.trim(), c.trim())) else {
        anyhow::bail!("--card must be LICENCE:CARD_NO (the merchant's unified credit code, a colon, the card number)");
    };
    let store = open_store(&config.database_url, 2).await?;
    let result = store.erase_prepaid_card(licence, card_no, by).await;
    store.close().await;
    match result {
        Ok(id) => {
            println!("card {id}: number and commitment salt erased; its flows keep their ledger entries");
            Ok(())
        }
        Err(pingan_store::StoreError::NotFound) => {
            anyhow::bail!("no card '{card_no}' of a merchant with licence '{licence}' (or it was erased already)")
        }
        Err(e) => Err(e.into()),
    }
}
