//! Photos and documents of a case (附件): the rows that point at blobs in the
//! [`crate::blobs::BlobStore`].
//!
//! Who may see or add them is decided exactly as for the case itself: reading takes the
//! permission to read cases and [`check_case_access`] on the case (what [`Store::appeal`]
//! does), adding the permission to act on cases and the same check — a resident only on
//! their own report. A case out of reach is simply not found. On a confidential case (保密)
//! those who do not see the reporter do not see the names the files were uploaded under
//! either, since a phone's file name can carry a person's name.
//!
//! Rows are also written with a new case ([`Store::file_appeal_with_attachments`]) and with
//! a resident's added information ([`Store::act_with_attachments`]), in the same transaction
//! as the case, by [`insert_attachment_rows!`] and [`attach_audit`].

use super::read::{require_read, sees_reporter};
use super::write::check_case_access;
use crate::blobs::{AttachmentKind, AttachmentPolicy, BlobRef};
use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool};
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Actor, Resource};
use pingan_domain::account::Role;
use pingan_domain::appeal::AppealSnapshot;
use pingan_domain::audit::AuditEvent;
use serde::Serialize;

/// One attachment's metadata.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attachment {
    pub id: i64,
    pub appeal_id: i64,
    /// Names the blob; for the download, not for display.
    pub sha256: String,
    pub size: i64,
    /// Detected from the content when it was added (never what the uploader claimed).
    pub kind: AttachmentKind,
    /// The file name the uploader gave, cleaned.
    pub name: String,
    pub added_ms: i64,
}

impl Attachment {
    pub fn mime(&self) -> &'static str {
        self.kind.mime()
    }
}

/// The longest file name kept, in characters.
const MAX_NAME_CHARS: usize = 100;

/// The file name as stored and shown: no directories (some browsers send the whole path), no
/// control characters, at most 100 characters; `附件N` when nothing is left (`n` from 1).
pub fn clean_attachment_name(raw: Option<&str>, n: usize) -> String {
    let raw = raw.unwrap_or("");
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base.chars().filter(|c| !c.is_control()).collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() || cleaned.chars().all(|c| c == '.') {
        return format!("附件{n}");
    }
    cleaned.chars().take(MAX_NAME_CHARS).collect()
}

type Row = (i64, i64, String, i64, String, String, i64);

fn attachment_of((id, appeal_id, sha256, size, mime, name, added_ms): Row) -> Result<Attachment> {
    let kind =
        AttachmentKind::of_mime(&mime).ok_or_else(|| StoreError::Corrupt(format!("attachment {id}: type '{mime}'")))?;
    Ok(Attachment { id, appeal_id, sha256, size, kind, name, added_ms })
}

const COLUMNS: &str = "id, appeal_id, sha256, size, mime, name, added_ms";

/// The count limit for adding `names` to a case that has `existing` attachments, as a field
/// error on `file` naming the first file that does not fit.
pub fn check_attachment_count(existing: usize, names: &[String], policy: &AttachmentPolicy) -> Result<()> {
    let max = policy.max_count;
    if names.is_empty() || crate::blobs::check_count(policy, existing + names.len()).is_ok() {
        return Ok(());
    }
    let name = &names[max.saturating_sub(existing).min(names.len() - 1)];
    Err(StoreError::Invalid(vec![FieldError::new(
        "file",
        format!(
            "附件「{name}」超出数量上限:每件诉求最多 {max} 个附件,已有 {existing} 个 / attachment '{name}' is one too many: at most {max} per case, {existing} already attached"
        ),
    )]))
}

/// Insert attachment rows for stored blobs `files` (`&[(String, BlobRef)]`) of case
/// `appeal_id` on `$conn` (a transaction), added by account `added_by` at `now`; evaluates to
/// `Result<Vec<Attachment>>`. A macro because each engine has its own connection type.
macro_rules! insert_attachment_rows {
    ($conn:expr, $appeal_id:expr, $files:expr, $added_by:expr, $now:expr) => {{
        let appeal_id: i64 = $appeal_id;
        let files: &[(String, $crate::blobs::BlobRef)] = $files;
        let added_by: Option<i64> = $added_by;
        let now: i64 = $now;
        let mut added = Vec::with_capacity(files.len());
        let mut result: $crate::Result<()> = Ok(());
        for (name, blob) in files {
            // One row at a time: RETURNING gives each its id, and there are at most a few.
            let inserted = $crate::sqlx::query_scalar::<_, i64>(
                "INSERT INTO appeal_attachments (appeal_id, sha256, size, mime, name, added_by, added_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(appeal_id)
            .bind(&blob.sha256)
            .bind(blob.size as i64)
            .bind(blob.kind.mime())
            .bind(name)
            .bind(added_by)
            .bind(now)
            .fetch_one($conn)
            .await;
            match inserted {
                Ok(id) => added.push($crate::appeals::Attachment {
                    id,
                    appeal_id,
                    sha256: blob.sha256.clone(),
                    size: blob.size as i64,
                    kind: blob.kind,
                    name: name.clone(),
                    added_ms: now,
                }),
                Err(e) => {
                    result = Err(e.into());
                    break;
                }
            }
        }
        result.map(|()| added)
    }};
}
pub(crate) use insert_attachment_rows;

/// The audit event of attachments `added` to case `appeal_id`, which had `existing` before.
pub(crate) fn attach_audit(
    at_ms: i64,
    actor_id: Option<i64>,
    actor_name: &str,
    appeal_id: i64,
    existing: usize,
    added: &[Attachment],
) -> AuditEvent {
    AuditEvent {
        at_ms,
        actor_id,
        actor_name: actor_name.to_owned(),
        action: "appeal.attach".into(),
        target_kind: "appeal".into(),
        target_id: Some(appeal_id),
        success: true,
        before: serde_json::json!({"attachments": existing}),
        after: serde_json::json!({
            "attachments": existing + added.len(),
            "added": added.iter().map(|a| serde_json::json!({
                "id": a.id, "name": a.name, "sha256": a.sha256, "size": a.size, "mime": a.mime(),
            })).collect::<Vec<_>>(),
        }),
    }
}

/// What the checks need of a case: its snapshot, place, reporter account, whether it is
/// confidential, and how many attachments it has.
type CaseFacts = (AppealSnapshot, String, Option<i64>, bool, usize);

impl Store {
    /// The facts of case `appeal_id` for the checks on its attachments.
    async fn attachment_case(&self, appeal_id: i64) -> Result<CaseFacts> {
        let row: Option<(String, String, Option<i64>, bool, i64)> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT snapshot, region_path, reporter_account_id, confidential,
                    (SELECT count(*) FROM appeal_attachments WHERE appeal_id = appeals.id)
               FROM appeals WHERE id = $1"
        )
        .bind(appeal_id)
        .fetch_optional(pool)
        .await)?;
        let (snapshot, path, reporter, confidential, count) = row.ok_or(StoreError::NotFound)?;
        let case: AppealSnapshot =
            serde_json::from_str(&snapshot).map_err(|e| StoreError::Corrupt(format!("appeal {appeal_id}: {e}")))?;
        Ok((case, path, reporter, confidential, count as usize))
    }

    /// The "may see" check on case `appeal_id`, as for reading the case; answers whether the
    /// uploaders' file names are to be hidden (a confidential case, a viewer who does not see
    /// the reporter).
    async fn attachment_read_access(&self, actor: &Actor, appeal_id: i64) -> Result<bool> {
        require_read(actor)?;
        let (case, path, reporter, confidential, _) = self.attachment_case(appeal_id).await?;
        check_case_access(actor, &case, &path, reporter).map_err(|_| StoreError::NotFound)?;
        Ok(confidential && !sees_reporter(actor, &case))
    }

    /// Whether `actor` may add the files `names` to case `appeal_id`, by the same checks as
    /// [`Store::add_attachments`]: to refuse an upload before its bytes are stored. With no
    /// names, only whether they may add to it at all.
    pub async fn check_attachable(
        &self,
        actor: &Actor,
        appeal_id: i64,
        names: &[String],
        policy: &AttachmentPolicy,
    ) -> Result<()> {
        require_attach(actor)?;
        let (case, path, reporter, _, existing) = self.attachment_case(appeal_id).await?;
        check_case_access(actor, &case, &path, reporter).map_err(|_| StoreError::NotFound)?;
        check_attachment_count(existing, names, policy)
    }

    /// Record stored blobs as attachments of case `appeal_id`, named, with an audit event, in
    /// one transaction. The count limit is checked inside it, with the case locked, so two
    /// uploads at once cannot pass it together.
    pub async fn add_attachments(
        &self,
        actor: &Actor,
        appeal_id: i64,
        files: &[(String, BlobRef)],
        policy: &AttachmentPolicy,
    ) -> Result<Vec<Attachment>> {
        require_attach(actor)?;
        if files.is_empty() {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "file",
                "请选择要上传的附件 / choose at least one file",
            )]));
        }
        let now = now_ms();
        let lock = self.lock_clause();
        let select = format!("SELECT snapshot, region_path, reporter_account_id FROM appeals WHERE id = $1 {lock}");
        let added: Vec<Attachment> = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let row: Option<(String, String, Option<i64>)> =
                sqlx::query_as(&select).bind(appeal_id).fetch_optional(&mut *tx).await?;
            let (snapshot, path, reporter) = row.ok_or(StoreError::NotFound)?;
            let case: AppealSnapshot =
                serde_json::from_str(&snapshot).map_err(|e| StoreError::Corrupt(format!("appeal {appeal_id}: {e}")))?;
            check_case_access(actor, &case, &path, reporter).map_err(|_| StoreError::NotFound)?;
            let existing: i64 = sqlx::query_scalar("SELECT count(*) FROM appeal_attachments WHERE appeal_id = $1")
                .bind(appeal_id)
                .fetch_one(&mut *tx)
                .await?;
            let existing = existing as usize;
            let names: Vec<String> = files.iter().map(|(name, _)| name.clone()).collect();
            check_attachment_count(existing, &names, policy)?;
            let added = insert_attachment_rows!(&mut *tx, appeal_id, files, Some(actor.account_id), now)?;
            let audit = attach_audit(now, Some(actor.account_id), &actor.username, appeal_id, existing, &added);
            crate::write_audit!(&mut *tx, &audit, &path)?;
            tx.commit().await?;
            added
        });
        Ok(added)
    }

    /// A case's attachments in the order they were added, for someone who may read the case.
    /// On a confidential case, the file names are hidden from those who do not see the reporter.
    pub async fn appeal_attachments(&self, actor: &Actor, appeal_id: i64) -> Result<Vec<Attachment>> {
        let hide_names = self.attachment_read_access(actor, appeal_id).await?;
        let sql = format!("SELECT {COLUMNS} FROM appeal_attachments WHERE appeal_id = $1 ORDER BY id");
        let rows: Vec<Row> = on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(appeal_id).fetch_all(pool).await)?;
        let mut items = rows.into_iter().map(attachment_of).collect::<Result<Vec<_>>>()?;
        if hide_names {
            for (i, a) in items.iter_mut().enumerate() {
                a.name = clean_attachment_name(None, i + 1);
            }
        }
        Ok(items)
    }

    /// One attachment's metadata, for its download by someone who may read its case (the name
    /// hidden as in [`Store::appeal_attachments`]).
    pub async fn attachment(&self, actor: &Actor, id: i64) -> Result<Attachment> {
        let sql = format!("SELECT {COLUMNS} FROM appeal_attachments WHERE id = $1");
        let row: Option<Row> = on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        let mut attachment = attachment_of(row.ok_or(StoreError::NotFound)?)?;
        if self.attachment_read_access(actor, attachment.appeal_id).await? {
            // The same number it has in the case's list.
            let position: i64 = on_pool!(&self.db, |pool| sqlx::query_scalar(
                "SELECT count(*) FROM appeal_attachments WHERE appeal_id = $1 AND id <= $2"
            )
            .bind(attachment.appeal_id)
            .bind(id)
            .fetch_one(pool)
            .await)?;
            attachment.name = clean_attachment_name(None, position as usize);
        }
        Ok(attachment)
    }
}

/// Residents add to their own reports (the case check says which); staff need the
/// permission to act on cases — leaders, who only read, may not.
fn require_attach(actor: &Actor) -> Result<()> {
    if actor.role != Role::Citizen {
        actor.require(Action::Update, Resource::Appeal)?;
    }
    Ok(())
}

impl Store {
    /// Every blob a record refers to, for [`crate::blobs::BlobStore::sweep`]. A table that
    /// comes to keep blob references must be added here, or its blobs would be swept.
    pub async fn referenced_blobs(&self) -> Result<std::collections::HashSet<String>> {
        let hashes: Vec<String> = on_pool!(&self.db, |pool| sqlx::query_scalar(
            "SELECT sha256 FROM appeal_attachments UNION SELECT sha256 FROM mediation_evidence
             UNION SELECT sha256 FROM safety_evidence UNION SELECT sha256 FROM wish_photos"
        )
        .fetch_all(pool)
        .await)?;
        Ok(hashes.into_iter().collect())
    }

    /// Record a sweep of the blob store (by an operator's `pingan blobs sweep`) in the audit trail.
    pub async fn audit_blob_sweep(&self, sweep: &crate::blobs::Sweep) -> Result<()> {
        let path = self.city_path().await?.map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into());
        let event = pingan_domain::audit::AuditEvent {
            at_ms: now_ms(),
            actor_id: None,
            actor_name: "operator".into(),
            action: "blobs.sweep".into(),
            target_kind: "blob_store".into(),
            target_id: None,
            success: true,
            before: serde_json::Value::Null,
            after: serde_json::json!({
                "removed": sweep.removed,
                "removed_bytes": sweep.removed_bytes,
                "temp_removed": sweep.temp_removed,
                "referenced": sweep.referenced,
                "young": sweep.young,
            }),
        };
        on_pool!(&self.db, |pool| crate::write_audit!(pool, &event, &path))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cleaned() {
        assert_eq!(clean_attachment_name(Some("C:\\Users\\张三\\现场.jpg"), 1), "现场.jpg");
        assert_eq!(clean_attachment_name(Some("../../etc/passwd"), 1), "passwd");
        assert_eq!(clean_attachment_name(Some("a\u{0}b\n.png"), 1), "ab.png");
        assert_eq!(clean_attachment_name(Some("  "), 2), "附件2");
        assert_eq!(clean_attachment_name(Some(".."), 3), "附件3");
        assert_eq!(clean_attachment_name(None, 4), "附件4");
        assert_eq!(clean_attachment_name(Some(&"长".repeat(300)), 1).chars().count(), 100);
    }
}
