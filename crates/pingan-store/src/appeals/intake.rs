//! Writing new cases, with group commit.
//!
//! A durable commit costs a disk flush, and SQLite has one writer: one transaction per case
//! caps intake at the flush rate (about 1,800 commits/s on the reference machine). So filings
//! are prepared in parallel (reads, routing, deadlines) and handed to one writer task, which
//! writes whatever has queued up — a batch of up to [`MAX_BATCH`] cases — as a handful of
//! multi-row inserts in one transaction, then answers every caller. Each caller still gets its
//! answer only after its case is durable. If a batch fails (a concurrent retry with the same
//! `Idempotency-Key` on PostgreSQL, say), its cases are written one by one, so one bad case
//! never fails another.
//!
//! Written by hand rather than with a job-queue crate because it is the product's core write
//! path and needs the store's own transactions; it is a channel and a loop.

use super::attachments::{attach_audit, insert_attachment_rows};
use super::{Notice, RowColumns, timers_for};
use crate::blobs::BlobRef;
use crate::{BeginWrite, Engine, Result, Store, StoreError, on_pool};
use pingan_domain::appeal::{AppealEvent, AppealSnapshot};
use pingan_domain::audit::AuditEvent;
use tokio::sync::{mpsc, oneshot};

/// The most cases one group commit writes.
pub const MAX_BATCH: usize = 256;

/// How often the writer copies the WAL back and starts it again, while cases keep coming.
/// Measured: once a second gave 12 % more cases/s than every 250 ms (hot index pages are
/// copied once for many commits), every 2 s no more than once a second.
const WAL_RESTART_EVERY: std::time::Duration = std::time::Duration::from_millis(1000);

/// How often the writer restarts the WAL when it finds no case waiting.
const WAL_RESTART_IDLE: std::time::Duration = std::time::Duration::from_millis(200);

/// A new case, fully decided, waiting to be written.
#[derive(Debug, Clone)]
pub(crate) struct FilingPlan {
    pub tracking_code: String,
    pub region_id: i64,
    pub region_path: String,
    pub county_id: Option<i64>,
    pub township_id: Option<i64>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub address: String,
    pub text: String,
    pub channel: &'static str,
    pub confidential: bool,
    pub reporter_name: String,
    pub reporter_phone: Option<String>,
    /// The resident's own account when they filed it; `None` links the citizen account with
    /// `reporter_phone`, if any, as the row is written.
    pub reporter_account_id: Option<i64>,
    pub filed_by: Option<i64>,
    /// The red station a walk-in appeal was filed at.
    pub station_org_id: Option<i64>,
    pub unit_name: String,
    pub now_ms: i64,
    pub events: Vec<AppealEvent>,
    pub snapshot: AppealSnapshot,
    pub notices: Vec<Notice>,
    /// Its `target_id` is set when the id is known.
    pub audit: AuditEvent,
    pub idempotency: Option<super::Idempotency>,
    /// Photos filed with the case, already in the blob store: their rows and their audit event
    /// are written in the case's transaction, so a case never exists without them.
    pub attachments: Vec<(String, BlobRef)>,
}

type Job = (FilingPlan, oneshot::Sender<Result<i64>>);

/// The handle to the writer task.
#[derive(Debug, Clone)]
pub struct GroupCommit {
    jobs: mpsc::Sender<Job>,
    /// The writer's own connection, closed with the store.
    pub(crate) writer_db: crate::Db,
}

impl Store {
    /// Write new cases through one writer task that commits them in groups (see the module
    /// documentation). Servers call this once at start; tools and tests may leave it off, and
    /// each filing is then its own transaction.
    pub fn with_group_commit(mut self) -> Store {
        let (tx, mut rx) = mpsc::channel::<Job>(4 * MAX_BATCH);
        let writer = self.with_own_writer_connection();
        let writer_db = writer.db.clone();
        // The writer runs on a thread and runtime of its own: each batch is a dozen round trips
        // to SQLite's connection thread, and on the shared runtime every one of them waited
        // behind hundreds of ready request tasks, holding up the single writer.
        let run = async move {
            let mut restarted = std::time::Instant::now();
            loop {
                // Between batches, so that the WAL stays tens of megabytes and its pages are
                // rewritten in place (see `checkpoint_in_background`). When no case is waiting
                // the restart is sooner, and so shorter: a filing that arrives during it waits
                // for less.
                let idle = rx.is_empty();
                if restarted.elapsed() >= WAL_RESTART_EVERY || (idle && restarted.elapsed() >= WAL_RESTART_IDLE) {
                    writer.restart_wal().await;
                    restarted = std::time::Instant::now();
                }
                let Some(first) = rx.recv().await else { break };
                let mut jobs = vec![first];
                while jobs.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(job) => jobs.push(job),
                        Err(_) => break,
                    }
                }
                let plans: Vec<&FilingPlan> = jobs.iter().map(|(p, _)| p).collect();
                let started = std::time::Instant::now();
                let written = writer.write_filings(&plans).await;
                tracing::trace!(cases = plans.len(), ms = started.elapsed().as_secs_f64() * 1e3, "group commit");
                match written {
                    Ok(ids) => {
                        for ((_, reply), id) in jobs.into_iter().zip(ids) {
                            let _ = reply.send(Ok(id));
                        }
                    }
                    Err(e) if jobs.len() == 1 => {
                        let (_, reply) = jobs.pop().expect("one job");
                        let _ = reply.send(Err(e));
                    }
                    Err(e) => {
                        tracing::debug!(error = %e, cases = jobs.len(), "group commit failed; writing one by one");
                        for (plan, reply) in jobs {
                            let _ = reply.send(writer.write_filings(&[&plan]).await.map(|ids| ids[0]));
                        }
                    }
                }
            }
        };
        std::thread::Builder::new()
            .name("pingan-writer".into())
            .spawn(move || match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => rt.block_on(run),
                Err(e) => tracing::error!(error = %e, "the group-commit writer could not start its runtime"),
            })
            .expect("a thread for the group-commit writer");
        self.group_commit = Some(GroupCommit { jobs: tx, writer_db });
        self
    }

    /// Write one prepared case: through the group-commit writer when there is one.
    pub(crate) async fn commit_filing(&self, plan: FilingPlan) -> Result<i64> {
        match &self.group_commit {
            Some(gc) => {
                let (reply, answer) = oneshot::channel();
                gc.jobs.send((plan, reply)).await.map_err(|_| {
                    StoreError::Conflict("服务正在停止,请稍后重试 / the server is shutting down: retry shortly".into())
                })?;
                answer.await.map_err(|_| {
                    StoreError::Conflict("服务正在停止,请稍后重试 / the server is shutting down: retry shortly".into())
                })?
            }
            None => Ok(self.write_filings(&[&plan]).await?[0]),
        }
    }

    /// Write `plans` in one transaction; returns their ids in order.
    pub(crate) async fn write_filings(&self, plans: &[&FilingPlan]) -> Result<Vec<i64>> {
        let n = plans.len() as i64;
        let engine = self.engine();
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            // Ids first, so that every row of a case can be written in one statement per table.
            let ids: Vec<i64> = match engine {
                Engine::Sqlite => {
                    // Inside BEGIN IMMEDIATE no one else can take these.
                    let max: i64 =
                        sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM appeals").fetch_one(&mut *tx).await?;
                    (max + 1..=max + n).collect()
                }
                Engine::Postgres => {
                    sqlx::query_scalar(
                        "SELECT nextval(pg_get_serial_sequence('appeals', 'id')) FROM generate_series(1, $1)",
                    )
                    .bind(n)
                    .fetch_all(&mut *tx)
                    .await?
                }
            };
            let columns: Vec<RowColumns> = plans.iter().map(|p| RowColumns::of(&p.snapshot)).collect();
            for chunk in (0..plans.len()).collect::<Vec<_>>().chunks(200) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO appeals (id, tracking_code, region_id, region_path, lon, lat, address, text, channel,
                        confidential, reporter_name, reporter_phone, reporter_account_id, filed_by, received_ms,
                        county_id, township_id, unit_name, updated_ms, version, snapshot,
                        state, category, urgency, unit_org_id, unit_account_id, unit_region_id, unit_level,
                        unit_org_type, warn_ms, due_ms, merged_into, closed_ms, first_dispatched_ms, contact_due_ms,
                        first_contact_ms, resolve_due_ms, closed_on_time, reworked, returned, extended, callbacks,
                        solved_callbacks, satisfied_callbacks, station_org_id) ",
                );
                q.push_values(chunk.iter(), |mut b, &i| {
                    let (p, c) = (plans[i], &columns[i]);
                    b.push_bind(ids[i])
                        .push_bind(&p.tracking_code)
                        .push_bind(p.region_id)
                        .push_bind(&p.region_path)
                        .push_bind(p.lon)
                        .push_bind(p.lat)
                        .push_bind(&p.address)
                        .push_bind(&p.text)
                        .push_bind(p.channel)
                        .push_bind(p.confidential)
                        .push_bind(&p.reporter_name)
                        .push_bind(&p.reporter_phone);
                    // A reporter without an account of their own (proxy, hotline, API) is linked
                    // to the citizen account with their phone, if there is one, in this statement.
                    match p.reporter_account_id {
                        Some(account) => b.push_bind(account),
                        None => b
                            .push("(SELECT MIN(id) FROM accounts WHERE role = 'citizen' AND phone = ")
                            .push_bind_unseparated(&p.reporter_phone)
                            .push_unseparated(")"),
                    };
                    b.push_bind(p.filed_by)
                        .push_bind(p.now_ms)
                        .push_bind(p.county_id)
                        .push_bind(p.township_id)
                        .push_bind(&p.unit_name)
                        .push_bind(p.now_ms)
                        .push_bind(p.events.len() as i64)
                        .push_bind(serde_json::to_string(&p.snapshot).expect("snapshots serialise"))
                        .push_bind(c.state)
                        .push_bind(&c.category)
                        .push_bind(c.urgency)
                        .push_bind(c.unit_org_id)
                        .push_bind(c.unit_account_id)
                        .push_bind(c.unit_region_id)
                        .push_bind(c.unit_level)
                        .push_bind(&c.unit_org_type)
                        .push_bind(c.warn_ms)
                        .push_bind(c.due_ms)
                        .push_bind(c.merged_into)
                        .push_bind(c.closed_ms)
                        .push_bind(c.first_dispatched_ms)
                        .push_bind(c.contact_due_ms)
                        .push_bind(c.first_contact_ms)
                        .push_bind(c.resolve_due_ms)
                        .push_bind(c.closed_on_time)
                        .push_bind(c.reworked)
                        .push_bind(c.returned)
                        .push_bind(c.extended)
                        .push_bind(c.callbacks)
                        .push_bind(c.solved_callbacks)
                        .push_bind(c.satisfied_callbacks)
                        .push_bind(p.station_org_id);
                });
                q.build().execute(&mut *tx).await?;
            }
            let events: Vec<(i64, i64, &AppealEvent)> = plans
                .iter()
                .zip(&ids)
                .flat_map(|(p, id)| p.events.iter().enumerate().map(move |(i, e)| (*id, i as i64 + 1, e)))
                .collect();
            crate::insert_events!(tx, &events)?;
            let timers: Vec<(i64, &'static str, &'static str, i64)> = plans
                .iter()
                .zip(&ids)
                .flat_map(|(p, id)| timers_for(&p.snapshot).into_iter().map(move |(k, d, f)| (*id, k, d, f)))
                .collect();
            crate::insert_timers!(tx, &timers)?;
            let notices: Vec<(i64, i64, &Notice)> =
                plans.iter().zip(&ids).flat_map(|(p, id)| p.notices.iter().map(move |n| (*id, p.now_ms, n))).collect();
            crate::insert_notices!(tx, &notices)?;
            let mut audits: Vec<(AuditEvent, &str)> = Vec::with_capacity(plans.len());
            for (p, id) in plans.iter().zip(&ids) {
                let mut a = p.audit.clone();
                a.target_id = Some(*id);
                audits.push((a, p.region_path.as_str()));
                // Photos filed with the case: added by the one who filed it, audited right after.
                if !p.attachments.is_empty() {
                    let added = insert_attachment_rows!(&mut *tx, *id, &p.attachments, p.audit.actor_id, p.now_ms)?;
                    let audit = attach_audit(p.now_ms, p.audit.actor_id, &p.audit.actor_name, *id, 0, &added);
                    audits.push((audit, p.region_path.as_str()));
                }
            }
            crate::insert_audits!(tx, &audits)?;
            let keys: Vec<(i64, &FilingPlan)> =
                plans.iter().zip(&ids).filter(|(p, _)| p.idempotency.is_some()).map(|(p, id)| (*id, *p)).collect();
            for chunk in keys.chunks(1000) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO idempotency_keys (client, key, request_hash, appeal_id, created_ms) ",
                );
                q.push_values(chunk.iter(), |mut b, (id, p)| {
                    let k = p.idempotency.as_ref().expect("filtered");
                    b.push_bind(&k.client)
                        .push_bind(&k.key)
                        .push_bind(&k.request_hash)
                        .push_bind(*id)
                        .push_bind(p.now_ms);
                });
                q.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<Vec<i64>, StoreError>(ids)
        })
    }
}
