//! The import pipeline: read the file → check every row → write all of them in
//! one transaction, or nothing.

use super::check::{AccountCheck, AccountDraft, GridCheck, OrgCheck, RegionCheck, RowCheck, check_all};
use super::error::ImportError;
use super::read::{Record, Table, read_grids, read_table};
use super::{Format, Kind, file_label, progress_bar, thousands};
use indicatif::ProgressBar;
use pingan_domain::account::hash_password;
use pingan_store::import::{AccountImport, GridImportOutcome};
use pingan_store::{Store, StoreError};
use std::fmt;
use std::path::{Path, PathBuf};

/// What an import wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub kind: Kind,
    /// The file as it was named on the command line.
    pub file: String,
    pub rows: usize,
    /// For grids: how many were new, got a new boundary, or were unchanged.
    pub grids: Option<GridImportOutcome>,
}

impl fmt::Display for Imported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "imported {} {} from {}", thousands(self.rows), self.kind, self.file)?;
        if let Some(g) = self.grids {
            write!(
                f,
                " ({} new, {} with a new boundary, {} unchanged)",
                thousands(g.added),
                thousands(g.replaced),
                thousands(g.unchanged)
            )?;
            // Servers build their point → grid index at start-up.
            if g.added + g.replaced > 0 {
                f.write_str("; running servers pick up the new boundaries within their refresh interval (30 s)")?;
            }
        }
        Ok(())
    }
}

/// Import `path` as `kind`: every row is checked before anything is written; a
/// file with any bad row writes nothing and the error lists every bad row.
/// `show_progress` draws progress bars on stderr (when it is a terminal).
pub async fn import_file(store: &Store, kind: Kind, path: &Path, show_progress: bool) -> Result<Imported, ImportError> {
    let file = path.display().to_string();
    let format = Format::of(path, kind).ok_or_else(|| ImportError::UnknownFormat {
        file: file.clone(),
        kind: kind.as_str(),
        expected: Format::expected(kind),
    })?;
    let job = Job { store, path: path.to_owned(), name: file_label(path), file, format, show_progress };
    let (rows, grids) = match kind {
        Kind::Regions => (job.regions().await?, None),
        Kind::Grids => {
            let (rows, outcome) = job.grids().await?;
            (rows, Some(outcome))
        }
        Kind::Orgs => (job.orgs().await?, None),
        Kind::Accounts => (job.accounts().await?, None),
    };
    Ok(Imported { kind, file: job.file, rows, grids })
}

/// One import run.
struct Job<'a> {
    store: &'a Store,
    path: PathBuf,
    /// The path as given, for messages.
    file: String,
    /// The file's name alone, for the audit trail (no server paths in it).
    name: String,
    format: Format,
    show_progress: bool,
}

impl Job<'_> {
    async fn regions(&self) -> Result<usize, ImportError> {
        let table = self.read_table(Kind::Regions).await?;
        let known = self.store.region_directory().await.map_err(|e| self.store_error(e))?;
        let rows = self.check(RegionCheck::new(&known), table)?;
        let bar = self.write_bar(rows.len());
        let written = self.store.import_regions(&self.name, &rows, &|done, _| bar.set_position(done)).await;
        bar.finish_and_clear();
        written.map_err(|e| self.store_error(e))?;
        Ok(rows.len())
    }

    async fn grids(&self) -> Result<(usize, GridImportOutcome), ImportError> {
        let (path, format, file) = (self.path.clone(), self.format, self.file.clone());
        let table = blocking(move || read_grids(&path, format, &file)).await?;
        let known = self.store.region_directory().await.map_err(|e| self.store_error(e))?;
        let rows = self.check(GridCheck::new(&known), table)?;
        let bar = self.write_bar(rows.len());
        let written = self.store.import_grids(&self.name, &rows, &|done, _| bar.set_position(done)).await;
        bar.finish_and_clear();
        Ok((rows.len(), written.map_err(|e| self.store_error(e))?))
    }

    async fn orgs(&self) -> Result<usize, ImportError> {
        let table = self.read_table(Kind::Orgs).await?;
        let known = self.store.region_directory().await.map_err(|e| self.store_error(e))?;
        let rows = self.check(OrgCheck::new(&known), table)?;
        let bar = self.write_bar(rows.len());
        let written = self.store.import_orgs(&self.name, &rows, &|done, _| bar.set_position(done)).await;
        bar.finish_and_clear();
        written.map_err(|e| self.store_error(e))?;
        Ok(rows.len())
    }

    async fn accounts(&self) -> Result<usize, ImportError> {
        let table = self.read_table(Kind::Accounts).await?;
        let known = self.store.region_directory().await.map_err(|e| self.store_error(e))?;
        let usernames = self.store.usernames().await.map_err(|e| self.store_error(e))?;
        let org_ids = self.store.live_org_ids().await.map_err(|e| self.store_error(e))?;
        let drafts = self.check(AccountCheck::new(&known, &usernames, &org_ids), table)?;
        // Hash before the transaction opens: argon2 takes ~50 ms a password.
        let with_password = drafts.iter().filter(|d| d.password.is_some()).count();
        let rows =
            hash_passwords(drafts, progress_bar(self.show_progress, with_password as u64, "密码 / hashing")).await;
        let bar = self.write_bar(rows.len());
        let written = self.store.import_accounts(&self.name, &rows, &|done, _| bar.set_position(done)).await;
        bar.finish_and_clear();
        written.map_err(|e| self.store_error(e))?;
        Ok(rows.len())
    }

    async fn read_table(&self, kind: Kind) -> Result<Table<Record>, ImportError> {
        let (path, format, file) = (self.path.clone(), self.format, self.file.clone());
        blocking(move || read_table(&path, format, kind, &file)).await
    }

    /// Check every row; together with the rows reading already found bad, all
    /// problems in file order.
    fn check<C: RowCheck>(&self, checker: C, table: Table<C::Input>) -> Result<Vec<C::Output>, ImportError> {
        let bar = progress_bar(self.show_progress, table.items.len() as u64, "检查 / checking");
        let checked = check_all(checker, &table.items, &bar);
        bar.finish_and_clear();
        let mut errors = table.errors;
        match checked {
            Ok(rows) if errors.is_empty() => return Ok(rows),
            Ok(_) => {}
            Err(e) => errors.extend(e),
        }
        // Stable: a row's fields keep the order in which they were checked.
        errors.sort_by_key(|e| e.at);
        Err(ImportError::BadRows { file: self.file.clone(), errors })
    }

    fn write_bar(&self, rows: usize) -> ProgressBar {
        progress_bar(self.show_progress, rows as u64, "写入 / writing")
    }

    fn store_error(&self, cause: StoreError) -> ImportError {
        ImportError::Store { file: self.file.clone(), cause }
    }
}

/// Hash the passwords of checked accounts on every core.
async fn hash_passwords(mut drafts: Vec<AccountDraft>, bar: ProgressBar) -> Vec<AccountImport> {
    blocking(move || {
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        let per_thread = drafts.len().div_ceil(threads).max(1);
        std::thread::scope(|s| {
            for part in drafts.chunks_mut(per_thread) {
                let bar = &bar;
                s.spawn(move || {
                    for draft in part {
                        if let Some(password) = draft.password.take() {
                            draft.account.password_hash = Some(hash_password(&password));
                            bar.inc(1);
                        }
                    }
                });
            }
        });
        bar.finish_and_clear();
        drafts.into_iter().map(|d| d.account).collect()
    })
    .await
}

/// Run file reading or hashing off the async workers; a panic there stays a panic.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => value,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}
