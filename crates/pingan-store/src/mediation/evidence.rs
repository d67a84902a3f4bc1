//! 证据材料: the files of a mediation case, rows pointing at blobs in the
//! [`crate::blobs::BlobStore`] as an appeal's attachments do. Reading them takes reading the
//! case; adding them takes acting on it, in a state that takes evidence
//! ([`pingan_domain::mediation::evidence::takes_evidence`]). Those who only read cases (leaders)
//! see each file as 证据N: the names parties' phones give files can carry their names.

use super::require;
use crate::appeals::clean_attachment_name;
use crate::blobs::{AttachmentKind, BlobRef};
use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool, write_audit};
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Actor, Placement, Resource};
use pingan_domain::audit::AuditEvent;
use pingan_domain::mediation::evidence::{MAX_EVIDENCE_PER_CASE, takes_evidence};
use pingan_domain::mediation::{EvidenceNote, EvidenceSource, MediationSnapshot};
use pingan_domain::region::RegionPath;
use serde::Serialize;

/// One piece of evidence's metadata.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    pub id: i64,
    pub case_id: i64,
    /// Names the blob; for the download.
    pub sha256: String,
    pub size: i64,
    /// Detected from the content when it was added.
    pub kind: AttachmentKind,
    pub name: String,
    pub source: EvidenceSource,
    pub description: String,
    /// Who added it (display name).
    pub added_by: String,
    pub added_ms: i64,
}

type Row = (i64, i64, String, i64, String, String, String, String, Option<String>, i64);

const SELECT: &str = "SELECT e.id, e.case_id, e.sha256, e.size, e.mime, e.name, e.source, e.description,
        a.display_name, e.added_ms
   FROM mediation_evidence e LEFT JOIN accounts a ON a.id = e.added_by";

fn evidence_of((id, case_id, sha256, size, mime, name, source, description, by, added_ms): Row) -> Result<Evidence> {
    let kind =
        AttachmentKind::of_mime(&mime).ok_or_else(|| StoreError::Corrupt(format!("evidence {id}: type '{mime}'")))?;
    let source = EvidenceSource::parse(&source)
        .ok_or_else(|| StoreError::Corrupt(format!("evidence {id}: source '{source}'")))?;
    Ok(Evidence {
        id,
        case_id,
        sha256,
        size,
        kind,
        name,
        source,
        description,
        added_by: by.unwrap_or_default(),
        added_ms,
    })
}

/// The count limit for adding `names` to a case holding `existing` pieces, naming the first
/// file that does not fit.
fn check_count(existing: usize, names: &[String]) -> Result<()> {
    let max = MAX_EVIDENCE_PER_CASE;
    if names.is_empty() || existing + names.len() <= max {
        return Ok(());
    }
    let name = &names[max.saturating_sub(existing).min(names.len() - 1)];
    Err(StoreError::Invalid(vec![FieldError::new(
        "file",
        format!(
            "证据「{name}」超出数量上限:每个调解案件最多 {max} 份证据,已有 {existing} 份 / evidence '{name}' is one too many: at most {max} per case, {existing} already attached"
        ),
    )]))
}

impl Store {
    /// The place, state and evidence count of case `case_id`, if `actor` may `action` on it.
    async fn evidence_case(&self, actor: &Actor, case_id: i64, action: Action) -> Result<(RegionPath, usize)> {
        require(actor, action)?;
        let row = self.case_row(case_id).await?;
        let path = RegionPath::parse(&row.region_path).ok_or_else(|| StoreError::Corrupt("case path".into()))?;
        actor
            .authorize(action, Resource::Mediation, &Placement { region: &path, org_id: None })
            .map_err(|_| StoreError::NotFound)?;
        if action != Action::Read {
            let snapshot: MediationSnapshot = serde_json::from_str(&row.snapshot)
                .map_err(|e| StoreError::Corrupt(format!("mediation snapshot: {e}")))?;
            takes_evidence(snapshot.state).map_err(|e| StoreError::Invalid(vec![e]))?;
        }
        let count: i64 = on_pool!(&self.db, |pool| sqlx::query_scalar(
            "SELECT count(*) FROM mediation_evidence WHERE case_id = $1"
        )
        .bind(case_id)
        .fetch_one(pool)
        .await)?;
        Ok((path, count as usize))
    }

    /// Whether `actor` may add the files `names` to case `case_id`: to refuse an upload before
    /// its bytes are stored. With no names, only whether they may add to it at all.
    pub async fn check_evidence_addable(&self, actor: &Actor, case_id: i64, names: &[String]) -> Result<()> {
        let (_, existing) = self.evidence_case(actor, case_id, Action::Update).await?;
        check_count(existing, names)
    }

    /// Record stored blobs as evidence of case `case_id`, described by `note`, with an audit
    /// event, in one transaction; the count is checked again inside it, so two uploads at
    /// once cannot pass the limit together.
    pub async fn add_mediation_evidence(
        &self,
        actor: &Actor,
        case_id: i64,
        note: &EvidenceNote,
        files: &[(String, BlobRef)],
    ) -> Result<Vec<Evidence>> {
        if files.is_empty() {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "file",
                "请选择要上传的证据文件 / choose at least one file",
            )]));
        }
        let (path, _) = self.evidence_case(actor, case_id, Action::Update).await?;
        let names: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
        let now = now_ms();
        let lock = self.lock_clause();
        let select = format!("SELECT snapshot FROM mediation_cases WHERE id = $1 {lock}");
        let ids: Vec<i64> = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            // Locks the case (PostgreSQL; SQLite's write transaction holds the database) and checks
            // its state again: it may have closed since the check before the upload.
            let snapshot: String = sqlx::query_scalar(&select).bind(case_id).fetch_one(&mut *tx).await?;
            let snapshot: MediationSnapshot =
                serde_json::from_str(&snapshot).map_err(|e| StoreError::Corrupt(format!("mediation snapshot: {e}")))?;
            takes_evidence(snapshot.state).map_err(|e| StoreError::Invalid(vec![e]))?;
            let existing: i64 = sqlx::query_scalar("SELECT count(*) FROM mediation_evidence WHERE case_id = $1")
                .bind(case_id)
                .fetch_one(&mut *tx)
                .await?;
            check_count(existing as usize, &names)?;
            let mut ids = Vec::with_capacity(files.len());
            for (name, blob) in files {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO mediation_evidence (case_id, sha256, size, mime, name, source, description, added_by, added_ms)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                )
                .bind(case_id)
                .bind(&blob.sha256)
                .bind(blob.size as i64)
                .bind(blob.kind.mime())
                .bind(name)
                .bind(note.source.as_str())
                .bind(&note.description)
                .bind(actor.account_id)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                ids.push(id);
            }
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: "mediation.evidence".into(),
                target_kind: "mediation_case".into(),
                target_id: Some(case_id),
                success: true,
                before: serde_json::json!({"evidence": existing}),
                after: serde_json::json!({
                    "evidence": existing as usize + files.len(),
                    "source": note.source.as_str(),
                    "description": note.description,
                    // No file names: those who read the audit trail may not see them.
                    "added": files.iter().zip(&ids).map(|((_, blob), id)| serde_json::json!({
                        "id": id, "sha256": blob.sha256, "size": blob.size, "mime": blob.kind.mime(),
                    })).collect::<Vec<_>>(),
                }),
            };
            write_audit!(&mut *tx, &event, path.as_str())?;
            tx.commit().await?;
            ids
        });
        let all = self.mediation_evidence(actor, case_id).await?;
        Ok(all.into_iter().filter(|e| ids.contains(&e.id)).collect())
    }

    /// A case's evidence in the order it was added, for someone who may read the case.
    pub async fn mediation_evidence(&self, actor: &Actor, case_id: i64) -> Result<Vec<Evidence>> {
        self.evidence_case(actor, case_id, Action::Read).await?;
        let sql = format!("{SELECT} WHERE e.case_id = $1 ORDER BY e.id");
        let rows: Vec<Row> = on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(case_id).fetch_all(pool).await)?;
        let mut items = rows.into_iter().map(evidence_of).collect::<Result<Vec<_>>>()?;
        if !actor.permits(Action::Update, Resource::Mediation) {
            for (i, e) in items.iter_mut().enumerate() {
                e.name = hidden_name(i + 1);
            }
        }
        Ok(items)
    }

    /// One piece of evidence, for its download by someone who may read its case.
    pub async fn mediation_evidence_item(&self, actor: &Actor, id: i64) -> Result<Evidence> {
        let sql = format!("{SELECT} WHERE e.id = $1");
        let row: Option<Row> = on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        let evidence = evidence_of(row.ok_or(StoreError::NotFound)?)?;
        // The same name it has in the case's list.
        let list = self.mediation_evidence(actor, evidence.case_id).await?;
        list.into_iter().find(|e| e.id == id).ok_or(StoreError::NotFound)
    }
}

/// 证据N, the name shown to those who do not handle cases.
fn hidden_name(n: usize) -> String {
    clean_attachment_name(None, n).replacen("附件", "证据", 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_count_names_the_first_file_past_the_limit() {
        let names: Vec<String> = (1..=3).map(|i| format!("f{i}.jpg")).collect();
        assert!(check_count(MAX_EVIDENCE_PER_CASE - 3, &names).is_ok());
        match check_count(MAX_EVIDENCE_PER_CASE - 2, &names) {
            Err(StoreError::Invalid(f)) => assert!(f[0].message.contains("f3.jpg"), "{}", f[0].message),
            other => panic!("{other:?}"),
        }
        assert_eq!(hidden_name(2), "证据2");
    }
}
