//! `pingan blobs sweep`: remove attachment files that no record refers to (a filing whose
//! transaction failed after its photos were stored) and leftovers of interrupted writes.

use crate::config::Config;
use crate::startup::open_store;
use pingan_store::blobs::BlobStore;
use std::path::Path;

/// Sweep the configured blob directory; with `dry_run`, only count.
pub async fn sweep(config: Option<&Path>, grace_hours: u64, dry_run: bool) -> anyhow::Result<()> {
    if grace_hours == 0 {
        anyhow::bail!(
            "--grace-hours: give at least 1; a filing stores its photos before it commits the case that refers to them"
        );
    }
    let config = Config::load(config)?;
    if !config.blob_dir.is_dir() {
        anyhow::bail!("blob_dir '{}' is not a directory", config.blob_dir.display());
    }
    let blobs = BlobStore::open(&config.blob_dir)?;
    let store = open_store(&config.database_url, 1).await?;
    // The references are read before the files are listed: a blob stored after this read is
    // younger than the grace period, so it is kept.
    let result = async {
        let referenced = store.referenced_blobs().await?;
        let sweep = blobs.sweep(referenced, std::time::Duration::from_secs(grace_hours * 3600), dry_run).await?;
        if !dry_run {
            store.audit_blob_sweep(&sweep).await?;
        }
        anyhow::Ok(sweep)
    }
    .await;
    store.close().await;
    let sweep = result?;
    let verb = if dry_run { "would remove" } else { "removed" };
    println!(
        "{verb} {} unreferenced blobs ({:.1} MiB) and {} leftover temp files; kept {} referenced and {} younger than {grace_hours} h",
        sweep.removed,
        sweep.removed_bytes as f64 / 1048576.0,
        sweep.temp_removed,
        sweep.referenced,
        sweep.young
    );
    Ok(())
}
