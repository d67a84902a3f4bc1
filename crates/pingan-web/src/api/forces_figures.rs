//! `/api/v1/forces/figures*`: the grassroots forces' figures of a year in one place — report-in
//! and service hours of party members, wishes fulfilled, volunteer hours, station usage,
//! property ratings and liaison work — as JSON (the overview) and as one workbook: an overview
//! sheet, then each area's own sheets, named after their area.

use super::liaison::year_of;
use super::tasks::now;
use super::{ApiQuery, volunteers::VolunteerFigures};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiResult, AppError, ErrorBody};
use axum::Json;
use axum::extract::State;
use chrono::{Datelike, NaiveDate};
use pingan_domain::calendar::to_china;
use pingan_domain::forces::property::quarter_of;
use pingan_domain::forces::station::Period;
use pingan_store::liaison::LiaisonFigures;
use pingan_store::party::UnitReportIn;
use pingan_store::property::{CompanyQuarter, PropertyCompany};
use pingan_store::stations::StationFigures;
use pingan_store::wishes::WishFigures;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(overview)).routes(routes!(workbook_xlsx))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct YearParams {
    /// The calendar year; this year when absent.
    pub year: Option<i32>,
}

/// Every area's figures for a year in the caller's scope.
struct AreaFigures {
    year: i32,
    party: Vec<UnitReportIn>,
    wishes: WishFigures,
    volunteers: VolunteerFigures,
    stations: StationFigures,
    /// The year's last quarter so far (the fourth, for a past year).
    quarter: u32,
    ratings: Vec<CompanyQuarter>,
    companies: Vec<PropertyCompany>,
    liaison: LiaisonFigures,
}

/// One line per measure, as the programme reports them.
#[derive(Debug, Serialize, ToSchema)]
pub struct Overview {
    pub year: i32,
    pub party_members_confirmed: i64,
    pub party_service_hours: f64,
    pub wishes_posted: i64,
    pub wishes_fulfilled: i64,
    pub wishes_confirmed: i64,
    pub volunteer_teams: usize,
    pub volunteers: i64,
    pub volunteer_hours: f64,
    pub station_visits: i64,
    pub station_people: i64,
    pub station_walk_in_appeals: i64,
    pub property_companies: usize,
    pub red_property_companies: usize,
    /// The mean quarterly rating of the companies rated, one decimal.
    pub property_mean_score: Option<f64>,
    pub liaison_visits: i64,
    pub liaison_problems: i64,
    pub liaison_solved: i64,
}

impl AreaFigures {
    fn overview(&self) -> Overview {
        let scores: Vec<i64> = self.ratings.iter().map(|r| r.rating.score).collect();
        let mean = (!scores.is_empty())
            .then(|| (scores.iter().sum::<i64>() as f64 * 10.0 / scores.len() as f64).round() / 10.0);
        Overview {
            year: self.year,
            party_members_confirmed: self.party.iter().map(|u| u.confirmed).sum(),
            party_service_hours: self.party.iter().map(|u| u.hours).sum(),
            wishes_posted: self.wishes.posted,
            wishes_fulfilled: self.wishes.fulfilled,
            wishes_confirmed: self.wishes.confirmed,
            volunteer_teams: self.volunteers.teams.len(),
            volunteers: self.volunteers.teams.iter().map(|t| t.members).sum(),
            volunteer_hours: self.volunteers.teams.iter().map(|t| t.hours).sum(),
            station_visits: self.stations.total.visits,
            station_people: self.stations.total.people,
            station_walk_in_appeals: self.stations.total.appeals,
            property_companies: self.companies.len(),
            red_property_companies: self.companies.iter().filter(|c| c.red).count(),
            property_mean_score: mean,
            liaison_visits: self.liaison.visits,
            liaison_problems: self.liaison.problems,
            liaison_solved: self.liaison.solved,
        }
    }
}

async fn load(state: &AppState, caller: &ApiCaller, year: Option<i32>) -> ApiResult<AreaFigures> {
    let actor = &caller.actor;
    let year = year_of(year)?;
    let today = to_china(now()).date();
    let first = NaiveDate::from_ymd_opt(year, 1, 1).ok_or(AppError::NotFound)?;
    let last = if year == today.year() { today } else { NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(first) };
    if first > today {
        return Err(AppError::Invalid(vec![pingan_domain::FieldError::new(
            "year",
            "该年尚未开始 / that year has not begun",
        )]));
    }
    let quarter = quarter_of(last);
    let volunteers = VolunteerFigures {
        year,
        teams: state.store.volunteer_team_figures(actor, year).await?,
        ranking: state.store.volunteer_ranking(actor, year, None).await?,
    };
    Ok(AreaFigures {
        year,
        party: state.store.party_unit_figures(actor).await?,
        wishes: state.store.wish_figures(actor).await?,
        volunteers,
        stations: state.store.station_figures(actor, &Period { from: first, to: last }).await?,
        quarter,
        ratings: state.store.property_ratings(&actor.scope.region, year, quarter).await?,
        companies: state.store.property_companies(actor).await?,
        liaison: state.store.liaison_figures(actor, year).await?,
    })
}

/// The year's overview of the grassroots forces in the caller's scope.
#[utoipa::path(get, path = "/api/v1/forces/figures", tag = "forces", params(YearParams),
    responses((status = 200, body = Overview), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn overview(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<YearParams>,
) -> ApiResult<Json<Overview>> {
    Ok(Json(load(&state, &caller, p.year).await?.overview()))
}

/// The same, with every area's own sheets, as one Excel workbook.
#[utoipa::path(get, path = "/api/v1/forces/figures.xlsx", tag = "forces", params(YearParams),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>)))]
pub async fn workbook_xlsx(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<YearParams>,
) -> ApiResult<axum::response::Response> {
    let f = load(&state, &caller, p.year).await?;
    super::xlsx_download("forces.xlsx", &format!("{}年基层力量工作统计.xlsx", f.year), || workbook(&f))
}

fn workbook(f: &AreaFigures) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let o = f.overview();
    let ws = book.add_worksheet();
    ws.set_name("概览")?;
    ws.write_string_with_format(0, 0, format!("{}年基层力量工作概览", f.year), &bold)?;
    let rows: [(&str, f64); 17] = [
        ("在职党员社区报到(已确认,人)", o.party_members_confirmed as f64),
        ("党员服务时长(小时)", o.party_service_hours),
        ("微心愿:发布(个)", o.wishes_posted as f64),
        ("微心愿:已完成(个)", o.wishes_fulfilled as f64),
        ("微心愿:群众已确认(个)", o.wishes_confirmed as f64),
        ("志愿队伍(支)", o.volunteer_teams as f64),
        ("志愿者(人)", o.volunteers as f64),
        ("志愿服务时长(小时)", o.volunteer_hours),
        ("红色驿站:服务记录(次)", o.station_visits as f64),
        ("红色驿站:服务群众(人次)", o.station_people as f64),
        ("红色驿站:来访诉求(件)", o.station_walk_in_appeals as f64),
        ("物业服务企业(家)", o.property_companies as f64),
        ("其中红色物业(家)", o.red_property_companies as f64),
        ("物业服务季度评分均值", o.property_mean_score.unwrap_or(0.0)),
        ("联系点下沉帮扶调研(次)", o.liaison_visits as f64),
        ("联系点发现问题(个)", o.liaison_problems as f64),
        ("联系点问题已解决(个)", o.liaison_solved as f64),
    ];
    for (r, (label, value)) in rows.iter().enumerate() {
        ws.write_string(r as u32 + 1, 0, *label)?;
        ws.write_number(r as u32 + 1, 1, *value)?;
    }
    ws.autofit();
    // Each area's own sheets, their names prefixed with the area's.
    let mut named = book.worksheets().len();
    let mut prefix = |book: &mut Workbook, area: &str| -> Result<(), rust_xlsxwriter::XlsxError> {
        for i in named..book.worksheets().len() {
            let ws = book.worksheet_from_index(i)?;
            let name = format!("{area}-{}", ws.name());
            ws.set_name(name)?;
        }
        named = book.worksheets().len();
        Ok(())
    };
    super::party::sheets(&mut book, &f.party)?;
    prefix(&mut book, "党员报到")?;
    super::volunteers::sheets(&mut book, &f.volunteers)?;
    prefix(&mut book, "志愿服务")?;
    super::stations::sheets(&mut book, &f.stations)?;
    prefix(&mut book, "红色驿站")?;
    property_sheets(&mut book, f)?;
    prefix(&mut book, "红色物业")?;
    super::liaison::sheets(&mut book, &f.liaison)?;
    prefix(&mut book, "联系点")?;
    book.save_to_buffer()
}

/// The quarter's ratings, and the companies with their estates and party organisation.
fn property_sheets(book: &mut rust_xlsxwriter::Workbook, f: &AreaFigures) -> Result<(), rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::Format;
    let bold = Format::new().set_bold();
    let ws = book.add_worksheet();
    ws.set_name(format!("{}季度评分", f.quarter))?;
    for (c, h) in ["物业服务企业", "村(社区)", "户数", "物业类诉求", "评分", "等级", "扣分原因"].iter().enumerate()
    {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, q) in f.ratings.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, &q.name)?;
        ws.write_string(r, 1, &q.community_name)?;
        ws.write_number(r, 2, q.appeals.households as f64)?;
        ws.write_number(r, 3, q.appeals.appeals as f64)?;
        ws.write_number(r, 4, q.rating.score as f64)?;
        ws.write_string(r, 5, q.rating.grade_zh)?;
        ws.write_string(r, 6, q.rating.reasons.join(";"))?;
    }
    ws.autofit();
    let ws = book.add_worksheet();
    ws.set_name("企业")?;
    let head = [
        "物业服务企业",
        "服务小区",
        "户数",
        "有业委会的小区",
        "党组织",
        "党员",
        "书记/指导员",
        "红色物业",
        "三方联席会议",
    ];
    for (c, h) in head.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, c) in f.companies.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, &c.name)?;
        ws.write_number(r, 1, c.estates as f64)?;
        ws.write_number(r, 2, c.households as f64)?;
        ws.write_number(r, 3, c.with_committee as f64)?;
        ws.write_string(r, 4, c.party_status_zh)?;
        ws.write_number(r, 5, c.party_members as f64)?;
        ws.write_string(r, 6, c.secretary.as_deref().unwrap_or(""))?;
        ws.write_string(r, 7, if c.red { "是" } else { "否" })?;
        ws.write_number(r, 8, c.meetings as f64)?;
    }
    ws.autofit();
    Ok(())
}
