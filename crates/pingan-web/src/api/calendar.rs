//! `/api/v1/calendar`: the working-day calendar (statutory holidays and 调休).

use super::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::auth::CurrentActor;
use crate::error::{ApiResult, AppError, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{Datelike, NaiveDate};
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Resource};
use pingan_domain::calendar::{DayEntry, DayKind};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
pub struct YearParams {
    /// Year to list (default: this year in China time).
    pub year: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarDay {
    /// YYYY-MM-DD
    pub date: String,
    /// `holiday` (放假) or `makeup_workday` (调休上班)
    pub kind: String,
    /// The festival, e.g. 春节.
    pub name: String,
    /// `shipped` (State Council schedule) or `override` (set by an administrator).
    pub source: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarYear {
    pub year: i32,
    /// Whether the year's official schedule is known (otherwise plain Monday–Friday applies).
    pub known: bool,
    /// Working days in the year under this calendar.
    pub working_days: i64,
    /// Set when this or next year's schedule is missing.
    pub warning: Option<String>,
    pub days: Vec<CalendarDay>,
}

fn kind_str(kind: &DayKind) -> &'static str {
    if kind.is_working() { "makeup_workday" } else { "holiday" }
}

fn today_china() -> NaiveDate {
    pingan_domain::calendar::to_china(chrono::Utc::now().timestamp_millis()).date()
}

/// The listed days of a year, with the count of working days and any missing-schedule warning.
#[utoipa::path(get, path = "/api/v1/calendar", tag = "calendar", params(YearParams),
    responses((status = 200, body = CalendarYear), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn get_calendar(
    State(state): State<AppState>,
    current: CurrentActor,
    ApiQuery(p): ApiQuery<YearParams>,
) -> ApiResult<Json<CalendarYear>> {
    current.actor.require(Action::Read, Resource::Calendar)?;
    let today = today_china();
    let year = p.year.unwrap_or(today.year());
    let (Some(first), Some(last)) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31)) else {
        return Err(AppError::Invalid(vec![FieldError::new("year", "年份无效 / not a valid year")]));
    };
    let overrides: HashSet<NaiveDate> = state.store.calendar_overrides().await?.into_iter().map(|d| d.date).collect();
    let calendar = state.store.work_calendar().await?;
    let days = calendar
        .entries()
        .filter(|(d, _)| d.year() == year)
        .map(|(date, kind)| CalendarDay {
            date: date.to_string(),
            kind: kind_str(kind).into(),
            name: kind.name().to_owned(),
            source: if overrides.contains(&date) { "override" } else { "shipped" }.into(),
        })
        .collect();
    let before_first = first.pred_opt().unwrap_or(first);
    Ok(Json(CalendarYear {
        year,
        known: calendar.is_known(year),
        working_days: calendar.working_days_between(before_first, last),
        warning: calendar.missing_year_warning(today),
        days,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DayChange {
    /// `holiday` or `makeup_workday`
    pub kind: String,
    /// The festival, e.g. 春节.
    pub name: String,
}

fn parse_date(s: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        AppError::Invalid(vec![FieldError::new(
            "date",
            format!("日期须为 YYYY-MM-DD / date must be YYYY-MM-DD, got '{s}'"),
        )])
    })
}

/// Set one day (city administrators). Requires `X-CSRF-Token`.
#[utoipa::path(put, path = "/api/v1/calendar/{date}", tag = "calendar", params(("date" = String, Path, description = "YYYY-MM-DD")),
    request_body = DayChange,
    responses((status = 204, description = "Saved"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn set_day(
    State(state): State<AppState>,
    current: CurrentActor,
    headers: HeaderMap,
    ApiPath(date): ApiPath<String>,
    ApiJson(change): ApiJson<DayChange>,
) -> ApiResult<StatusCode> {
    current.check_csrf_header(&headers)?;
    current.actor.require(Action::Update, Resource::Calendar)?;
    let mut errors = Vec::new();
    let date = parse_date(&date);
    let name = change.name.trim();
    if name.is_empty() || name.chars().count() > 20 {
        errors.push(FieldError::new("name", "名称须为 1–20 个字 / name must be 1–20 characters"));
    }
    let entry = match (date, change.kind.as_str()) {
        (Ok(d), "holiday") if errors.is_empty() => DayEntry::holiday(d, name),
        (Ok(d), "makeup_workday") if errors.is_empty() => DayEntry::makeup_workday(d, name),
        (date, kind) => {
            if let Err(AppError::Invalid(mut e)) = date {
                errors.append(&mut e);
            }
            if !matches!(kind, "holiday" | "makeup_workday") {
                errors.push(FieldError::new(
                    "kind",
                    "须为 holiday 或 makeup_workday / must be holiday or makeup_workday",
                ));
            }
            return Err(AppError::Invalid(errors));
        }
    };
    state.store.set_calendar_day(&current.actor, &entry).await?;
    state.reload_appeal_rules().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove an administrator's override (the shipped schedule applies again). Requires `X-CSRF-Token`.
#[utoipa::path(delete, path = "/api/v1/calendar/{date}", tag = "calendar", params(("date" = String, Path, description = "YYYY-MM-DD")),
    responses((status = 204, description = "Removed"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn clear_day(
    State(state): State<AppState>,
    current: CurrentActor,
    headers: HeaderMap,
    ApiPath(date): ApiPath<String>,
) -> ApiResult<StatusCode> {
    current.check_csrf_header(&headers)?;
    current.actor.require(Action::Update, Resource::Calendar)?;
    state.store.clear_calendar_day(&current.actor, parse_date(&date)?).await?;
    state.reload_appeal_rules().await?;
    Ok(StatusCode::NO_CONTENT)
}
