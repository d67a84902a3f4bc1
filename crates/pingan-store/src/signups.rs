//! What party members' report-in (`party`) and volunteer teams (`volunteers`) share: staff
//! confirm a pending person or decline them with the reason, once; a person signs up for an
//! event (a community's call, a team's activity) once while there is room, then checks in once,
//! in the event's grid and time ([`pingan_domain::forces::party::check_in`]), and the event's
//! hours are credited. Each scheme keeps its own tables of the same shape.

use crate::party::audit;
use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool, write_audit};
use pingan_domain::FieldError;
use pingan_domain::access::Actor;
use pingan_domain::calendar::to_china;
use pingan_domain::forces::party::{MemberState, check_in};

/// Where a scheme keeps its sign-ups, and how its audit events are named.
pub(crate) struct Scheme {
    pub table: &'static str,
    /// The event column: the call or the activity.
    pub event: &'static str,
    /// The person column: the party member or the volunteer.
    pub person: &'static str,
    /// `<prefix>.sign_up`, `<prefix>.check_in`.
    pub prefix: &'static str,
    /// The audit target kind: the person's record.
    pub target: &'static str,
    /// The persons' table, whose pending rows staff confirm or decline.
    pub roll: &'static str,
    /// "Already decided", in Chinese and English, for a decision that comes second.
    pub decided: (&'static str, &'static str),
}

pub(crate) const PARTY_CALLS: Scheme = Scheme {
    table: "party_signups",
    event: "call_id",
    person: "member_id",
    prefix: "party",
    target: "party_member",
    roll: "party_members",
    decided: ("该报到已处理", "this registration was already decided"),
};

pub(crate) const VOLUNTEER_ACTIVITIES: Scheme = Scheme {
    table: "volunteer_signups",
    event: "activity_id",
    person: "volunteer_id",
    prefix: "volunteer",
    target: "volunteer",
    roll: "volunteers",
    decided: ("该申请已处理", "this request was already decided"),
};

/// What a sign-up needs to know of its event.
pub(crate) struct Event<'a> {
    pub id: i64,
    pub starts_ms: i64,
    pub ends_ms: i64,
    pub grid_id: i64,
    pub hours_tenths: i64,
    pub capacity: i64,
    pub region_path: &'a str,
}

/// What a decision needs to know of the person decided on.
#[derive(Clone, Copy)]
pub(crate) struct Person<'a> {
    pub id: i64,
    /// Their place, where the decision is audited.
    pub region_path: &'a str,
    /// Their state as it reads, for a decision that comes second.
    pub state_zh: &'a str,
}

fn after(s: &Scheme, e: &Event<'_>, more: &[(&str, serde_json::Value)]) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    map.insert(s.event.into(), e.id.into());
    for (k, v) in more {
        map.insert((*k).into(), v.clone());
    }
    serde_json::Value::Object(map)
}

impl Store {
    /// Confirm a pending person (a party member's report-in, a volunteer's request to join), or
    /// decline them with the reason; once.
    pub(crate) async fn decide_pending(
        &self,
        actor: &Actor,
        s: &Scheme,
        person: &Person<'_>,
        confirm: bool,
        note: &str,
    ) -> Result<()> {
        let Person { id, region_path, state_zh } = *person;
        let note = note.trim();
        if !confirm && note.is_empty() {
            return Err(StoreError::Invalid(vec![FieldError::new("note", "不予确认须写明理由 / give the reason")]));
        }
        let state = if confirm { MemberState::Confirmed } else { MemberState::Declined };
        let now = now_ms();
        let sql = format!(
            "UPDATE {} SET state = $1, decided_ms = $2, decided_by = $3, note = $4 WHERE id = $5 AND state = 'pending'",
            s.roll
        );
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query(&sql)
                .bind(state.code())
                .bind(now)
                .bind(actor.account_id)
                .bind(Some(note).filter(|n| !n.is_empty()))
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if done != 1 {
                let (zh, en) = s.decided;
                return Err(StoreError::Conflict(format!("{zh}({state_zh}) / {en}")));
            }
            let after = serde_json::json!({ "state": state.code(), "note": note });
            let action = format!("{}.decide", s.prefix);
            write_audit!(&mut *tx, &audit(actor, &action, s.target, id, after, now), region_path)?;
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// Sign `person` up for the event, once, while there is room.
    pub(crate) async fn sign_up_once(&self, actor: &Actor, s: &Scheme, e: &Event<'_>, person: i64) -> Result<()> {
        let now = now_ms();
        if e.ends_ms < now {
            return Err(StoreError::Conflict("活动已结束 / it is over".into()));
        }
        let count = format!(
            "SELECT count(*), CAST(SUM(CASE WHEN {p} = $2 THEN 1 ELSE 0 END) AS BIGINT) FROM {t} WHERE {ev} = $1",
            p = s.person,
            t = s.table,
            ev = s.event
        );
        let insert = format!("INSERT INTO {} ({}, {}, signed_ms) VALUES ($1, $2, $3)", s.table, s.event, s.person);
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let (taken, mine): (i64, Option<i64>) =
                sqlx::query_as(&count).bind(e.id).bind(person).fetch_one(&mut *tx).await?;
            if mine.unwrap_or(0) > 0 {
                return Err(StoreError::Conflict("您已报名 / you have already signed up".into()));
            }
            if taken >= e.capacity {
                return Err(StoreError::Conflict("报名人数已满 / it is full".into()));
            }
            sqlx::query(&insert).bind(e.id).bind(person).bind(now).execute(&mut *tx).await?;
            let event = audit(actor, &format!("{}.sign_up", s.prefix), s.target, person, after(s, e, &[]), now);
            write_audit!(&mut *tx, &event, e.region_path)?;
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// Check `person` in on site: `here` is the grid their phone's position (`lon`, `lat`)
    /// falls in. The event's hours are credited.
    pub(crate) async fn check_in_once(
        &self,
        actor: &Actor,
        s: &Scheme,
        e: &Event<'_>,
        person: i64,
        here: Option<i64>,
        (lon, lat): (f64, f64),
    ) -> Result<()> {
        let find = format!("SELECT checked_in_ms FROM {} WHERE {} = $1 AND {} = $2", s.table, s.event, s.person);
        let signup: Option<(Option<i64>,)> =
            on_pool!(&self.db, |pool| sqlx::query_as(&find).bind(e.id).bind(person).fetch_optional(pool).await)?;
        let Some((checked,)) = signup else {
            return Err(StoreError::Conflict("请先报名 / sign up first".into()));
        };
        let now = now_ms();
        check_in(to_china(e.starts_ms), to_china(e.ends_ms), e.grid_id, checked.is_some(), here, to_china(now))
            .map_err(|err| StoreError::Refused { status: 409, message: err.to_string() })?;
        let update = format!(
            "UPDATE {} SET checked_in_ms = $1, lon = $2, lat = $3, hours_tenths = $4
              WHERE {} = $5 AND {} = $6 AND checked_in_ms IS NULL",
            s.table, s.event, s.person
        );
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query(&update)
                .bind(now)
                .bind(lon)
                .bind(lat)
                .bind(e.hours_tenths)
                .bind(e.id)
                .bind(person)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            // Two check-ins racing: the second finds the row already taken.
            if done != 1 {
                return Err(StoreError::Conflict("已签到 / already checked in".into()));
            }
            let more = [("grid_id", serde_json::json!(here)), ("hours_tenths", serde_json::json!(e.hours_tenths))];
            let event = audit(actor, &format!("{}.check_in", s.prefix), s.target, person, after(s, e, &more), now);
            write_audit!(&mut *tx, &event, e.region_path)?;
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }
}
