//! Dispatchers' corrections of the classifier (更正分类), read back as labelled texts for
//! retraining it (`pingan classifier train`).
//!
//! A correction is a `reclassified` event; the text is the case's as filed. This is a system
//! read without an actor: it runs in the operator's command on the server, which holds the
//! database credentials anyway, and what it feeds leaves the database only as model weights.
//! No request path calls it, so no user's scope could be widened by it.

use crate::{Result, Store, StoreError, on_pool};
use pingan_domain::appeal::{AppealEvent, CategoryCode, EventKind, Urgency};

/// One case's latest correction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassifierCorrection {
    pub appeal_id: i64,
    /// When the correction was made (Unix milliseconds).
    pub at_ms: i64,
    /// The case's text as filed: what the classifier saw.
    pub text: String,
    pub category: CategoryCode,
    pub urgency: Urgency,
}

/// The `kind` column of a correction, as [`event_kind_str`](super::event_kind_str) writes it.
const RECLASSIFIED: &str = "reclassified";

impl Store {
    /// For every case a dispatcher reclassified, its latest correction, oldest first, so that
    /// when two cases with the same text were corrected differently the later one comes last
    /// (and wins in `pingan_classify`). Merged and withdrawn cases count: the label is a
    /// person's judgement of the text whatever became of the case. Cases with an empty text
    /// teach nothing and are left out. Unscoped on purpose: see the module comment.
    pub async fn classifier_corrections(&self) -> Result<Vec<ClassifierCorrection>> {
        // The latest correction per case: no later `reclassified` event of the same case. The
        // kind is written into the SQL, not bound, so that both engines use the partial index
        // `appeal_events_reclassified` (migration 0007) instead of scanning every event.
        let sql = format!(
            "SELECT e.appeal_id, e.seq, e.at_ms, a.text, e.body
               FROM appeal_events e JOIN appeals a ON a.id = e.appeal_id
              WHERE e.kind = '{RECLASSIFIED}'
                AND NOT EXISTS (SELECT 1 FROM appeal_events l
                                 WHERE l.appeal_id = e.appeal_id AND l.seq > e.seq AND l.kind = '{RECLASSIFIED}')
              ORDER BY e.at_ms, e.appeal_id"
        );
        let rows: Vec<(i64, i64, i64, String, String)> =
            on_pool!(&self.db, |pool| sqlx::query_as(&sql).fetch_all(pool).await)?;
        let mut out = Vec::with_capacity(rows.len());
        for (appeal_id, seq, at_ms, text, body) in rows {
            let event: AppealEvent = serde_json::from_str(&body)
                .map_err(|e| StoreError::Corrupt(format!("appeal {appeal_id} event {seq}: {e}")))?;
            let EventKind::Reclassified { category, urgency, .. } = event.kind else {
                return Err(StoreError::Corrupt(format!(
                    "appeal {appeal_id} event {seq} is stored as a reclassification but is not one"
                )));
            };
            if text.trim().is_empty() {
                continue;
            }
            out.push(ClassifierCorrection { appeal_id, at_ms, text, category, urgency });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pingan_domain::appeal::{CaseActor, Deadline, DeadlineKind, TimeLimitClass};

    #[test]
    fn the_kind_is_what_writers_store() {
        let at = chrono::NaiveDateTime::default();
        let event = AppealEvent {
            at,
            by: CaseActor::System,
            kind: EventKind::Reclassified {
                category: CategoryCode::parse("E05").unwrap(),
                urgency: Urgency::Normal,
                time_limit_class: TimeLimitClass::Standard,
                note: String::new(),
                pending: Deadline { kind: DeadlineKind::Dispatch, start: at, warn_at: at, due: at },
            },
        };
        assert_eq!(super::super::event_kind_str(&event), RECLASSIFIED);
    }
}
