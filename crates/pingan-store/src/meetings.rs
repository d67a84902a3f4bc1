//! Meetings (联席会议, 专项组, 红色物业三方联席会议) and their resolutions, each opened as a task
//! (source `meeting`) in the meeting's transaction, so that a resolution is followed, supervised
//! and closed like every other task.

use crate::tasks::insert_task;
use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool, write_audit};
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Actor, Resource};
use pingan_domain::audit::AuditEvent;
use pingan_domain::forces::meeting::{MeetingKind, NewMeeting};
use pingan_domain::org::OrgKind;
use pingan_domain::region::RegionLevel;
use pingan_domain::task::TaskSource;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Meeting {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub held_on: String,
    pub region_id: i64,
    pub region_name: String,
    pub attendees: String,
    pub agenda: String,
    pub property_org_id: Option<i64>,
    pub property_name: Option<String>,
    pub committee_org_id: Option<i64>,
    pub recorded_by: String,
    pub recorded_ms: i64,
    /// Resolutions (tasks) and how many are closed.
    pub resolutions: i64,
    pub done: i64,
}

const MEETING_SELECT: &str = "SELECT m.id, m.kind, m.title, m.held_on, m.region_id, r.name AS region_name, m.attendees,
        m.agenda, m.property_org_id, p.name AS property_name, m.committee_org_id, a.display_name AS recorded_by,
        m.recorded_ms,
        (SELECT count(*) FROM tasks t WHERE t.source = 'meeting' AND t.source_id = m.id) AS resolutions,
        (SELECT count(*) FROM tasks t WHERE t.source = 'meeting' AND t.source_id = m.id AND t.state = 'closed') AS done
   FROM meetings m JOIN regions r ON r.id = m.region_id JOIN accounts a ON a.id = m.recorded_by
   LEFT JOIN orgs p ON p.id = m.property_org_id";

impl Store {
    /// Record a meeting and open a task for each resolution, in one transaction.
    pub async fn record_meeting(&self, actor: &Actor, meeting: &NewMeeting) -> Result<(Meeting, Vec<i64>)> {
        actor.require(Action::Create, Resource::Forces)?;
        let region = self.region(&actor.scope, meeting.region_id).await?;
        region.require_live()?;
        let mut errors = Vec::new();
        if meeting.kind == MeetingKind::ThreeInOne {
            if region.level != RegionLevel::Village {
                errors.push(FieldError::new("region_id", "三方联席会议在村(社区)召开 / held in a community"));
            }
            for (field, id, kind) in [
                ("property_org_id", meeting.property_org_id, OrgKind::PropertyCompany),
                ("committee_org_id", meeting.committee_org_id, OrgKind::OwnersCommittee),
            ] {
                if let Some(id) = id
                    && !self.org(&actor.scope, id).await.is_ok_and(|o| o.kind == kind)
                {
                    errors.push(FieldError::new(field, format!("请选择{} / pick the {}", kind.zh(), kind.en())));
                }
            }
        } else {
            // Only a three-in-one meeting sits with a property company and an owners' committee.
            for (field, id) in
                [("property_org_id", meeting.property_org_id), ("committee_org_id", meeting.committee_org_id)]
            {
                if id.is_some() {
                    errors.push(FieldError::new(
                        field,
                        "只有三方联席会议填写物业企业和业主委员会 / only a three-in-one meeting names these",
                    ));
                }
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let owners: Vec<(String, i64)> = meeting
            .resolutions
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("resolutions[{i}].owner_org_id"), r.owner_org_id))
            .collect();
        self.check_task_owners(&owners, region.path.as_str()).await?;
        let now = now_ms();
        let path = region.path.as_str().to_owned();
        let attendees = meeting.attendees.join("、");
        let (id, task_ids) = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO meetings (kind, title, held_on, region_id, region_path, attendees, agenda, property_org_id,
                                       committee_org_id, recorded_by, recorded_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(meeting.kind.code())
            .bind(&meeting.title)
            .bind(meeting.held_on.to_string())
            .bind(region.id)
            .bind(&path)
            .bind(&attendees)
            .bind(&meeting.agenda)
            .bind(meeting.property_org_id)
            .bind(meeting.committee_org_id)
            .bind(actor.account_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let mut task_ids = Vec::with_capacity(meeting.resolutions.len());
            for r in &meeting.resolutions {
                task_ids.push(insert_task!(
                    tx,
                    actor,
                    TaskSource::Meeting,
                    Some(id),
                    r,
                    (region.id, path.as_str()),
                    now
                ));
            }
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: "meeting.record".into(),
                target_kind: "meeting".into(),
                target_id: Some(id),
                success: true,
                before: serde_json::Value::Null,
                after: serde_json::json!({ "kind": meeting.kind.code(), "title": meeting.title,
                    "held_on": meeting.held_on.to_string(), "task_ids": task_ids }),
            };
            write_audit!(&mut *tx, &event, path.as_str())?;
            tx.commit().await?;
            (id, task_ids)
        });
        Ok((self.meeting(actor, id).await?, task_ids))
    }

    /// One meeting in the actor's scope.
    pub async fn meeting(&self, actor: &Actor, id: i64) -> Result<Meeting> {
        actor.require(Action::Read, Resource::Forces)?;
        let sql = format!("{MEETING_SELECT} WHERE m.id = $1 AND m.region_path >= $2 AND m.region_path < $3");
        let (lo, hi) = (actor.scope.region.as_str().to_owned(), actor.scope.region.subtree_end());
        let m: Option<Meeting> =
            on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(id).bind(&lo).bind(&hi).fetch_optional(pool).await)?;
        m.ok_or(StoreError::NotFound)
    }

    /// Meetings in the actor's scope, of one kind or all, the latest first.
    pub async fn meetings(&self, actor: &Actor, kind: Option<MeetingKind>) -> Result<Vec<Meeting>> {
        actor.require(Action::Read, Resource::Forces)?;
        let kind = kind.map(|k| format!(" AND m.kind = '{}'", k.code())).unwrap_or_default();
        let sql = format!(
            "{MEETING_SELECT} WHERE m.region_path >= $1 AND m.region_path < $2{kind} ORDER BY m.held_on DESC, m.id DESC LIMIT 500"
        );
        let (lo, hi) = (actor.scope.region.as_str().to_owned(), actor.scope.region.subtree_end());
        Ok(on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(&lo).bind(&hi).fetch_all(pool).await)?)
    }
}
