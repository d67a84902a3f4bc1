//! Pingan's storage on two engines: SQLite (embedded default) and PostgreSQL
//! (production; several app instances may share one database).
//!
//! We use sqlx's concrete pools rather than its `Any` driver so that each engine
//! keeps its own types and transaction modes. Queries are written once, in
//! portable SQL with `$N` placeholders, and run on either pool through the
//! [`on_pool!`] macro, which expands the same body once per engine.
//!
//! Every query that serves a person takes their [`pingan_domain::Scope`]: there is
//! no unscoped read outside system jobs (index building, seeding), which say so.

pub mod accounts;
pub mod appeals;
pub mod audit;
pub mod audit_ledger;
pub mod blobs;
pub mod calendar;
pub mod elders;
pub mod export;
pub mod import;
pub mod ledger;
pub mod liaison;
pub mod mediation;
pub mod meetings;
pub mod notifications;
pub mod orgs;
pub mod party;
pub mod prepaid;
pub mod property;
pub mod region_changes;
pub mod regions;
pub mod rows;
pub mod safety;
pub mod seed;
mod signups;
pub mod stations;
pub mod tasks;
pub mod testing;
pub mod ttl_cache;
pub mod volunteers;
pub mod wishes;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

pub use sqlx;

/// Run `$body` with `$pool` bound to the concrete pool of whichever engine is in use.
#[macro_export]
macro_rules! on_pool {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::Db::Sqlite($pool) => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    };
}

/// Open a write transaction: `BEGIN IMMEDIATE` on SQLite (take the write lock
/// up front, so concurrent writers wait on the busy timeout instead of failing
/// mid-transaction with SQLITE_BUSY), a plain `BEGIN` on PostgreSQL.
pub trait BeginWrite {
    type Database: sqlx::Database;
    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<sqlx::Transaction<'static, Self::Database>, sqlx::Error>> + Send;
}

impl BeginWrite for SqlitePool {
    type Database = sqlx::Sqlite;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl BeginWrite for PgPool {
    type Database = sqlx::Postgres;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
    }
}

#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Denied(#[from] pingan_domain::access::Denied),
    #[error("{0}")]
    Conflict(String),
    /// A rule refused the request (an appeal transition from the wrong state, or by the wrong
    /// person): `status` is the HTTP status the rule's class maps to (403 or 409).
    #[error("{message}")]
    Refused { status: u16, message: String },
    /// The request names things that cannot go together (field by field).
    #[error("invalid request")]
    Invalid(Vec<pingan_domain::FieldError>),
    #[error("database URL '{0}' is not understood: use sqlite://PATH or postgres://USER@HOST/DB")]
    BadUrl(String),
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    /// A unique key hit by a concurrent writer is a conflict the user can retry, not a fault.
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(
                "数据刚被他人修改(重复的代码或名称),请刷新后重试 / a concurrent change took this code or name: reload and retry"
                    .into(),
            ),
            _ => StoreError::Database(e),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The connection settings that matter to operations.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub max_connections: u32,
    pub connect_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions { max_connections: 10, connect_timeout: Duration::from_secs(5) }
    }
}

#[derive(Debug, Clone)]
pub struct Store {
    db: Db,
    /// The group-commit writer for new appeals, when started ([`Store::with_group_commit`]).
    group_commit: Option<appeals::GroupCommit>,
    /// Routing look-ups read for every new case, shared by all clones of this store.
    pub(crate) routing: Arc<appeals::RoutingCache>,
    /// The ledger's upper subtrees, immutable once written, shared by all clones.
    pub(crate) ledger_nodes: Arc<ledger::NodeCache>,
}

/// Copy the WAL back into the database file every half second with a PASSIVE checkpoint, which
/// never waits for readers or the writer. With SQLite's automatic checkpoint the commit that
/// crosses 1,000 pages does it, and every case in that group commit waits for it.
///
/// A PASSIVE checkpoint never catches up with a writer that commits all the time, and the WAL
/// only starts again from its beginning once it has been copied in full: under a steady stream
/// of writes it would grow without end (a gigabyte in 15 s of intake). So when a pass leaves
/// more than [`WAL_RESTART_FRAMES`] behind, the next one is a RESTART, which waits for the
/// writer; the group-commit writer also restarts the WAL itself between its batches
/// (`Store::restart_wal`), where no writer waits.
fn checkpoint_in_background(pool: SqlitePool) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(500));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut behind = false;
        loop {
            tick.tick().await;
            if pool.is_closed() {
                break;
            }
            let mode = if behind { "RESTART" } else { "PASSIVE" };
            match sqlx::query_as::<_, (i64, i64, i64)>(&format!("PRAGMA wal_checkpoint({mode})")).fetch_one(&pool).await
            {
                // (busy, frames in the WAL, frames copied)
                Ok((_, log, copied)) => behind = log - copied > WAL_RESTART_FRAMES,
                Err(_) if pool.is_closed() => break,
                Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed; retrying"),
            }
        }
    });
}

/// How far (in pages) a checkpoint may fall behind before it waits for the writer.
const WAL_RESTART_FRAMES: i64 = 8192;

impl Store {
    /// A copy of this store that writes through a connection of its own (SQLite), for a task
    /// that is the main writer: SQLite drops a connection's page cache whenever another
    /// connection has written, so a writer that takes any pooled connection re-reads its index
    /// pages at every commit, while one that keeps its own connection finds them cached.
    pub(crate) fn with_own_writer_connection(&self) -> Store {
        match &self.db {
            Db::Sqlite(pool) => {
                // Each multi-row insert keeps a statement journal (the pages it changes, to undo
                // it alone); past 64 KiB SQLite spills that to a temporary file, which a batch of
                // cases always did. In memory it is a copy instead of a file write per page.
                let options = (*pool.connect_options()).clone().pragma("temp_store", "memory");
                let own = SqlitePoolOptions::new()
                    .max_connections(1)
                    .test_before_acquire(false)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .connect_lazy_with(options);
                Store {
                    db: Db::Sqlite(own),
                    group_commit: None,
                    routing: self.routing.clone(),
                    ledger_nodes: self.ledger_nodes.clone(),
                }
            }
            Db::Postgres(_) => Store {
                db: self.db.clone(),
                group_commit: None,
                routing: self.routing.clone(),
                ledger_nodes: self.ledger_nodes.clone(),
            },
        }
    }

    /// Copy the whole WAL into the database and start it again from its beginning (SQLite; a
    /// no-op on PostgreSQL). Waits briefly for readers of older snapshots; called by the
    /// group-commit writer between its batches, so no writer waits for it, and by benchmarks
    /// that time reads after a bulk load, so that they time the reads and not the checkpoint.
    pub async fn restart_wal(&self) {
        if let Db::Sqlite(pool) = &self.db {
            let started = std::time::Instant::now();
            match sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(RESTART)").fetch_one(pool).await {
                Ok((busy, frames, _)) => {
                    tracing::trace!(busy, frames, ms = started.elapsed().as_secs_f64() * 1e3, "WAL restarted")
                }
                Err(e) => tracing::debug!(error = %e, "WAL restart skipped"),
            }
        }
    }
}

pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Today in China.
pub fn china_today() -> chrono::NaiveDate {
    pingan_domain::calendar::to_china(now_ms()).date()
}

impl Store {
    /// Connect to `sqlite://path` (created if missing) or `postgres://…`.
    pub async fn connect(url: &str, opts: &StoreOptions) -> Result<Store> {
        let db = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(|_| StoreError::BadUrl(url.to_owned()))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: a committed case survives power loss, not only a crash of the process.
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .pragma("cache_size", "-32768")
                // No memory map (`mmap_size`): SQLite unmaps and remaps the whole file at each
                // read transaction that follows another connection's commit, and under steady
                // intake those unmaps (with their TLB shootdowns) cost more than the reads saved.
                // Checkpoints run beside the writers (`checkpoint_in_background`), not inside
                // whichever commit happens to cross the threshold.
                .pragma("wal_autocheckpoint", "0");
            let pool = SqlitePoolOptions::new()
                // sqlx pings a connection each time it is taken from the pool: a round trip to
                // its worker thread for nothing, since an embedded connection cannot go stale.
                .test_before_acquire(false)
                .max_connections(opts.max_connections)
                .acquire_timeout(opts.connect_timeout)
                .connect_with(options)
                .await
                .map_err(StoreError::Connect)?;
            checkpoint_in_background(pool.clone());
            Db::Sqlite(pool)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url).map_err(|_| StoreError::BadUrl(url.to_owned()))?;
            let pool = PgPoolOptions::new()
                .max_connections(opts.max_connections)
                .acquire_timeout(opts.connect_timeout)
                .connect_with(options)
                .await
                .map_err(StoreError::Connect)?;
            Db::Postgres(pool)
        } else {
            return Err(StoreError::BadUrl(url.to_owned()));
        };
        Ok(Store { db, group_commit: None, routing: Default::default(), ledger_nodes: Default::default() })
    }

    pub fn engine(&self) -> Engine {
        match self.db {
            Db::Sqlite(_) => Engine::Sqlite,
            Db::Postgres(_) => Engine::Postgres,
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Apply pending migrations (each engine has its own folder).
    pub async fn migrate(&self) -> Result<()> {
        self.migrate_until(i64::MAX).await
    }

    /// Apply pending migrations up to `version`: for tests of a migration's data conversion,
    /// which need a database as an earlier release left it.
    pub async fn migrate_until(&self, version: i64) -> Result<()> {
        fn until(mut m: sqlx::migrate::Migrator, version: i64) -> sqlx::migrate::Migrator {
            m.migrations = m.migrations.iter().filter(|x| x.version <= version).cloned().collect();
            m
        }
        match &self.db {
            Db::Sqlite(pool) => until(sqlx::migrate!("migrations/sqlite"), version).run(pool).await?,
            Db::Postgres(pool) => until(sqlx::migrate!("migrations/postgres"), version).run(pool).await?,
        }
        Ok(())
    }

    /// For `/readyz`: can we run a query right now?
    pub async fn ping(&self) -> Result<()> {
        on_pool!(&self.db, |pool| sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Close the connections, the group-commit writer's own too, so that the last one to
    /// close checkpoints the WAL into the database file.
    pub async fn close(&self) {
        if let Some(gc) = &self.group_commit {
            on_pool!(&gc.writer_db, |pool| pool.close().await)
        }
        on_pool!(&self.db, |pool| pool.close().await)
    }
}
