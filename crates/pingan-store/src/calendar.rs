//! The working-day calendar as stored: administrators' day overrides over the
//! shipped State Council schedules.

use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool, write_audit};
use pingan_domain::access::{Action, Actor, Denied, Resource};
use pingan_domain::audit::AuditEvent;
use pingan_domain::calendar::{DayEntry, DayKind, WorkCalendar};

impl Store {
    /// Every administrator override, by date.
    pub async fn calendar_overrides(&self) -> Result<Vec<DayEntry>> {
        let rows: Vec<(String, String, String)> =
            on_pool!(&self.db, |pool| sqlx::query_as("SELECT day, kind, name FROM calendar_days ORDER BY day")
                .fetch_all(pool)
                .await)?;
        rows.into_iter()
            .map(|(day, kind, name)| {
                let date = day.parse().map_err(|_| StoreError::Corrupt(format!("calendar day '{day}'")))?;
                Ok(match kind.as_str() {
                    "holiday" => DayEntry::holiday(date, name),
                    "makeup_workday" => DayEntry::makeup_workday(date, name),
                    other => return Err(StoreError::Corrupt(format!("calendar kind '{other}'"))),
                })
            })
            .collect()
    }

    /// The calendar in force: shipped schedules with the overrides applied.
    pub async fn work_calendar(&self) -> Result<WorkCalendar> {
        Ok(WorkCalendar::shipped().with_overrides(self.calendar_overrides().await?))
    }

    /// Set one day (city administrators only: the calendar is the same for the whole city).
    pub async fn set_calendar_day(&self, actor: &Actor, entry: &DayEntry) -> Result<()> {
        let (kind, name) = match &entry.kind {
            DayKind::Holiday { name } => ("holiday", name),
            DayKind::MakeupWorkday { name } => ("makeup_workday", name),
        };
        self.change_calendar(actor, &entry.date.to_string(), Some((kind, name.as_str()))).await
    }

    /// Remove an override; the shipped schedule applies to that day again.
    pub async fn clear_calendar_day(&self, actor: &Actor, date: chrono::NaiveDate) -> Result<()> {
        self.change_calendar(actor, &date.to_string(), None).await
    }

    async fn change_calendar(&self, actor: &Actor, day: &str, set: Option<(&str, &str)>) -> Result<()> {
        actor.require(Action::Update, Resource::Calendar)?;
        if actor.scope.region.ids().len() != 1 {
            return Err(Denied::Scope.into());
        }
        let now = now_ms();
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let before: Option<(String, String)> =
                sqlx::query_as("SELECT kind, name FROM calendar_days WHERE day = $1")
                    .bind(day)
                    .fetch_optional(&mut *tx)
                    .await?;
            match set {
                Some((kind, name)) => {
                    sqlx::query(
                        "INSERT INTO calendar_days (day, kind, name, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5)
                         ON CONFLICT (day) DO UPDATE SET kind = $2, name = $3, updated_at = $4, updated_by = $5",
                    )
                    .bind(day)
                    .bind(kind)
                    .bind(name)
                    .bind(now)
                    .bind(&actor.username)
                    .execute(&mut *tx)
                    .await?;
                }
                None => {
                    let gone =
                        sqlx::query("DELETE FROM calendar_days WHERE day = $1").bind(day).execute(&mut *tx).await?;
                    if gone.rows_affected() == 0 {
                        return Err(StoreError::NotFound);
                    }
                }
            }
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: if set.is_some() { "calendar.set".into() } else { "calendar.clear".into() },
                target_kind: "calendar_day".into(),
                target_id: None,
                success: true,
                before: serde_json::json!({"day": day, "entry": before}),
                after: serde_json::json!({"day": day, "entry": set}),
            };
            write_audit!(&mut *tx, &event, actor.scope.region.as_str())?;
            // Deadlines count working days: every instance reloads its calendar.
            crate::appeals::bump_rules_version!(tx, None)?;
            tx.commit().await?;
        });
        Ok(())
    }
}
