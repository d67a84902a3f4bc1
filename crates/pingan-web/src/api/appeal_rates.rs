//! `/api/v1/appeals/rates`, `/api/v1/appeals/rates.xlsx` and `/api/v1/appeals/ranking`: the
//! evaluation rates of citizens' appeals (诉求评价指标, DOMAIN §3) per county, township or unit
//! for a period, as JSON or as an Excel workbook, and the monthly ranking (月度排名) of
//! townships and units. Dates are China local days; a period's `to` day is included.

use super::ApiQuery;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiResult, AppError, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use pingan_domain::FieldError;
use pingan_domain::appeal::rates::{RANKING_MIN_CASES, SCORE_RULE_ZH};
use pingan_domain::appeal::{Rates, Ratio};
use pingan_domain::calendar::{from_china, to_china};
use pingan_store::appeals::{GroupKey, RatesGroup, RatesQuery, RatesReport, RatesRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct RatesParams {
    /// First day, `YYYY-MM-DD` (China local); default: the first day of this month.
    pub from: Option<String>,
    /// Last day, included; default: the last day of this month.
    pub to: Option<String>,
    /// `county`, `township` (default) or `unit`.
    pub group: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct RankingParams {
    /// `YYYY-MM` (China local); default: this month.
    pub month: Option<String>,
    /// `township` (default) or `unit` (also `county`).
    pub group: Option<String>,
}

/// A rate: `num` of `den`, and the percentage to one decimal (`null` when nothing was counted).
#[derive(Debug, Serialize, ToSchema)]
pub struct RatioDto {
    pub num: u64,
    pub den: u64,
    pub percent: Option<f64>,
}

impl From<Ratio> for RatioDto {
    fn from(r: Ratio) -> Self {
        RatioDto { num: r.num, den: r.den, percent: r.value().map(|v| (v * 1000.0).round() / 10.0) }
    }
}

/// The nine rates of DOMAIN §3.
#[derive(Debug, Serialize, ToSchema)]
pub struct RatesDto {
    /// 响应率: contacted within the limit ÷ dispatched.
    pub response: RatioDto,
    /// 解决率: callbacks saying "solved" ÷ callbacks.
    pub resolution: RatioDto,
    /// 满意率: satisfied or basically satisfied ÷ callbacks.
    pub satisfaction: RatioDto,
    /// 按期办结率: closed on time ÷ due.
    pub on_time: RatioDto,
    /// 办结率: closed ÷ due.
    pub closure: RatioDto,
    /// 返工率: reworked ÷ closed.
    pub rework: RatioDto,
    /// 退单率: returned ÷ dispatched.
    pub returns: RatioDto,
    /// 延期率: extended ÷ dispatched.
    pub extension: RatioDto,
    /// 重复诉求率: repeats ÷ received.
    pub repeat: RatioDto,
}

impl From<Rates> for RatesDto {
    fn from(r: Rates) -> Self {
        RatesDto {
            response: r.response.into(),
            resolution: r.resolution.into(),
            satisfaction: r.satisfaction.into(),
            on_time: r.on_time.into(),
            closure: r.closure.into(),
            rework: r.rework.into(),
            returns: r.returns.into(),
            extension: r.extension.into(),
            repeat: r.repeat.into(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RatesRowDto {
    /// Who the row is about: `{"kind": "region", "id": …}`, `{"kind": "org", "id": …}`,
    /// `{"kind": "grid_worker", "account_id": …}`, `{"kind": "body", "region_id": …, "org_type": …}`
    /// or `{"kind": "other"}` (no township, or no unit now).
    #[schema(value_type = Object)]
    pub key: GroupKey,
    pub name: String,
    /// Cases received in the period.
    pub cases: u64,
    pub rates: RatesDto,
}

impl From<RatesRow> for RatesRowDto {
    fn from(r: RatesRow) -> Self {
        RatesRowDto { key: r.key, name: r.name, cases: r.cases, rates: r.rates.into() }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RatesResponse {
    pub from: String,
    pub to: String,
    pub group: String,
    /// The heading of the rows, e.g. 乡镇(街道).
    pub group_name: String,
    /// The moment the cases were judged at: the end of the period, or now if earlier.
    pub as_of_ms: i64,
    pub rows: Vec<RatesRowDto>,
    /// 合计.
    pub total: RatesRowDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RankedRowDto {
    /// 1, 2, 3 …; `null` for those with too few cases or nothing to judge, listed last.
    pub rank: Option<u32>,
    pub ranked: bool,
    /// 综合得分 0–100, to one decimal.
    pub score: Option<f64>,
    #[serde(flatten)]
    pub row: RatesRowDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RankingResponse {
    /// `YYYY-MM`.
    pub month: String,
    pub group: String,
    pub group_name: String,
    pub as_of_ms: i64,
    /// Fewer cases than this in the month are not ranked.
    pub min_cases: u64,
    /// How the composite score is made, in words.
    pub score_rule: String,
    pub rows: Vec<RankedRowDto>,
}

fn today() -> NaiveDate {
    to_china(chrono::Utc::now().timestamp_millis()).date()
}

fn month_bounds(d: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = d.with_day(1).unwrap_or(d);
    let next = first.checked_add_months(chrono::Months::new(1)).unwrap_or(first);
    (first, next.pred_opt().unwrap_or(first))
}

/// Days outside this range are typing mistakes, and would overflow the arithmetic at the edges.
fn plausible(d: NaiveDate) -> bool {
    (2000..=2100).contains(&d.year())
}

fn parse_day(field: &str, s: Option<&str>, default: NaiveDate, errors: &mut Vec<FieldError>) -> NaiveDate {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => default,
        Some(s) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) if plausible(d) => d,
            _ => {
                errors.push(FieldError::new(
                    field,
                    format!("日期须为 YYYY-MM-DD,如 2026-11-01(收到「{s}」) / a date is YYYY-MM-DD (got '{s}')"),
                ));
                default
            }
        },
    }
}

fn parse_group(s: Option<&str>, errors: &mut Vec<FieldError>) -> RatesGroup {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => RatesGroup::Township,
        Some(s) => RatesGroup::parse(s).unwrap_or_else(|| {
            errors.push(FieldError::new(
                "group",
                format!(
                    "分组须为 county、township 或 unit(收到「{s}」) / group is county, township or unit (got '{s}')"
                ),
            ));
            RatesGroup::Township
        }),
    }
}

/// The period and grouping a rates request asks for, every mistake at once.
pub(crate) fn rates_request(p: &RatesParams) -> Result<(NaiveDate, NaiveDate, RatesGroup), AppError> {
    let (first, last) = month_bounds(today());
    let mut errors = Vec::new();
    let from = parse_day("from", p.from.as_deref(), first, &mut errors);
    let to = parse_day("to", p.to.as_deref(), last, &mut errors);
    let group = parse_group(p.group.as_deref(), &mut errors);
    if errors.is_empty() && to < from {
        errors.push(FieldError::new("to", "结束日期不能早于开始日期 / 'to' must not be before 'from'"));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    Ok((from, to, group))
}

pub(crate) fn midnight_ms(d: NaiveDate) -> i64 {
    from_china(d.and_hms_opt(0, 0, 0).expect("midnight exists"))
}

async fn report(
    state: &AppState,
    caller: &ApiCaller,
    p: &RatesParams,
) -> ApiResult<(NaiveDate, NaiveDate, RatesReport)> {
    let (from, to, group) = rates_request(p)?;
    let to_ms = midnight_ms(to.succ_opt().unwrap_or(to));
    let q = RatesQuery { from_ms: midnight_ms(from), to_ms, group };
    Ok((from, to, state.store.appeal_rates(&caller.actor, &q).await?))
}

/// The rates of the cases received in a period, one row per county, township or unit, and the
/// total. Each case counts in the period it was received in, judged as of the period's end.
#[utoipa::path(get, path = "/api/v1/appeals/rates", tag = "appeals", params(RatesParams),
    responses((status = 200, body = RatesResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn rates(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<RatesParams>,
) -> ApiResult<Json<RatesResponse>> {
    let (from, to, r) = report(&state, &caller, &p).await?;
    Ok(Json(RatesResponse {
        from: from.to_string(),
        to: to.to_string(),
        group: r.group.as_str().into(),
        group_name: r.group.zh().into(),
        as_of_ms: r.as_of_ms,
        rows: r.rows.into_iter().map(Into::into).collect(),
        total: r.total.into(),
    }))
}

/// The monthly ranking of townships or units by composite score (see `score_rule`); those with
/// fewer than `min_cases` cases follow, unranked.
#[utoipa::path(get, path = "/api/v1/appeals/ranking", tag = "appeals", params(RankingParams),
    responses((status = 200, body = RankingResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn ranking(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<RankingParams>,
) -> ApiResult<Json<RankingResponse>> {
    let mut errors = Vec::new();
    let month = match p.month.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => today().with_day(1).unwrap_or_else(today),
        Some(s) => match NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d") {
            Ok(d) if plausible(d) && s.len() == 7 => d,
            _ => {
                errors.push(FieldError::new(
                    "month",
                    format!("月份须为 YYYY-MM,如 2026-11(收到「{s}」) / a month is YYYY-MM (got '{s}')"),
                ));
                today()
            }
        },
    };
    let group = parse_group(p.group.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let r = state.store.appeal_monthly_ranking(&caller.actor, month.year(), month.month(), group).await?;
    Ok(Json(RankingResponse {
        month: format!("{:04}-{:02}", r.year, r.month),
        group: r.group.as_str().into(),
        group_name: r.group.zh().into(),
        as_of_ms: r.as_of_ms,
        min_cases: RANKING_MIN_CASES,
        score_rule: SCORE_RULE_ZH.into(),
        rows: r
            .rows
            .into_iter()
            .map(|x| RankedRowDto {
                rank: x.standing.rank,
                ranked: x.standing.ranked,
                score: x.standing.score.map(|s| (s * 10.0).round() / 10.0),
                row: x.row.into(),
            })
            .collect(),
    }))
}

/// The same report as an Excel workbook: the rates as percentages, and a second sheet with
/// every numerator and denominator.
#[utoipa::path(get, path = "/api/v1/appeals/rates.xlsx", tag = "appeals", params(RatesParams),
    responses((status = 200, description = "Excel workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn rates_xlsx(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<RatesParams>,
) -> ApiResult<Response> {
    let (from, to, r) = report(&state, &caller, &p).await?;
    let period =
        if (from, to) == month_bounds(from) { from.format("%Y-%m").to_string() } else { format!("{from}_{to}") };
    super::xlsx_download(&format!("appeal_rates_{period}.xlsx"), &format!("诉求评价指标_{period}.xlsx"), || {
        workbook(&r)
    })
}

/// Picks one rate out of [`Rates`].
type RatePick = fn(&Rates) -> Ratio;

/// The rates in the order of the workbook's columns.
const RATE_COLUMNS: [(&str, RatePick); 9] = [
    ("响应率", |r| r.response),
    ("解决率", |r| r.resolution),
    ("满意率", |r| r.satisfaction),
    ("按期办结率", |r| r.on_time),
    ("办结率", |r| r.closure),
    ("返工率", |r| r.rework),
    ("退单率", |r| r.returns),
    ("延期率", |r| r.extension),
    ("重复诉求率", |r| r.repeat),
];

fn workbook(r: &RatesReport) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let percent = Format::new().set_num_format("0.0%");
    let bold_percent = Format::new().set_bold().set_num_format("0.0%");
    let plain = Format::new();
    let rows: Vec<&RatesRow> = r.rows.iter().chain(std::iter::once(&r.total)).collect();
    let last = rows.len() as u32;

    let sheet = book.add_worksheet();
    sheet.set_name("诉求评价指标")?;
    sheet.write_string_with_format(0, 0, r.group.zh(), &bold)?;
    sheet.write_string_with_format(0, 1, "诉求数", &bold)?;
    for (c, (name, _)) in RATE_COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16 + 2, *name, &bold)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let line = i as u32 + 1;
        let (text, pct) = if line == last { (&bold, &bold_percent) } else { (&plain, &percent) };
        sheet.write_string_with_format(line, 0, &row.name, text)?;
        sheet.write_number_with_format(line, 1, row.cases as f64, text)?;
        for (c, (_, rate)) in RATE_COLUMNS.iter().enumerate() {
            let col = c as u16 + 2;
            match rate(&row.rates).value() {
                Some(v) => sheet.write_number_with_format(line, col, v, pct)?,
                None => sheet.write_string_with_format(line, col, "—", text)?,
            };
        }
    }
    sheet.set_column_width(0, 28)?;
    sheet.set_freeze_panes(1, 1)?;

    let counts = book.add_worksheet();
    counts.set_name("分子分母")?;
    counts.write_string_with_format(0, 0, r.group.zh(), &bold)?;
    counts.write_string_with_format(0, 1, "诉求数", &bold)?;
    for (c, (name, _)) in RATE_COLUMNS.iter().enumerate() {
        counts.write_string_with_format(0, 2 * c as u16 + 2, format!("{name}分子"), &bold)?;
        counts.write_string_with_format(0, 2 * c as u16 + 3, format!("{name}分母"), &bold)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let line = i as u32 + 1;
        counts.write_string(line, 0, &row.name)?;
        counts.write_number(line, 1, row.cases as f64)?;
        for (c, (_, rate)) in RATE_COLUMNS.iter().enumerate() {
            let ratio = rate(&row.rates);
            counts.write_number(line, 2 * c as u16 + 2, ratio.num as f64)?;
            counts.write_number(line, 2 * c as u16 + 3, ratio.den as f64)?;
        }
    }
    counts.set_column_width(0, 28)?;
    counts.set_freeze_panes(1, 1)?;
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filenames_are_rfc5987_encoded() {
        assert_eq!(super::super::rfc5987("a b_2026-11.xlsx"), "a%20b_2026-11.xlsx");
        assert_eq!(super::super::rfc5987("指标"), "%E6%8C%87%E6%A0%87");
    }

    #[test]
    fn months_run_from_the_first_to_the_last_day() {
        let d = NaiveDate::from_ymd_opt(2026, 2, 14).unwrap();
        assert_eq!(
            month_bounds(d),
            (NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(), NaiveDate::from_ymd_opt(2026, 2, 28).unwrap())
        );
        let dec = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        assert_eq!(month_bounds(dec).1, dec);
    }

    #[test]
    fn bad_dates_and_groups_name_their_field() {
        let p = RatesParams { from: Some("2026-13-01".into()), to: Some("soon".into()), group: Some("x".into()) };
        let Err(AppError::Invalid(errors)) = rates_request(&p) else { panic!("refused") };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["from", "to", "group"]);
        let p = RatesParams { from: Some("2026-11-10".into()), to: Some("2026-11-01".into()), group: None };
        let Err(AppError::Invalid(errors)) = rates_request(&p) else { panic!("refused") };
        assert_eq!(errors[0].field, "to");
    }
}
