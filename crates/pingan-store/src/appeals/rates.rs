//! The evaluation rates of citizens' appeals (DOMAIN §3: 响应率, 解决率, 满意率, 按期办结率,
//! 办结率, 返工率, 退单率, 延期率, 重复诉求率) per county, township or unit for any period, and
//! the monthly ranking (月度排名) of townships and units.
//!
//! A case belongs to the period it was received in and is judged as of the period's end (or
//! now, if that is earlier), by the definitions of [`CaseSummary::of`] and the `*_rate`
//! functions of `pingan_domain::appeal::rates`. The report is an aggregate query over the
//! narrow summary columns each write keeps on the `appeals` row (see [`super::RowColumns`]):
//! every numerator and denominator is a `SUM(CASE …)` grouped by township or unit, read from
//! covering indexes (migration 0008) and never from the wide rows or their snapshots. A
//! test in `crates/pingan/tests/it/appeal_rates.rs` checks the SQL against the domain functions.
//!
//! [`CaseSummary::of`]: pingan_domain::appeal::CaseSummary::of

use super::read::{Param, ScopeSql};
use crate::{Engine, Result, Store, StoreError, on_pool};
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Actor, Denied, Resource};
use pingan_domain::account::Role;
use pingan_domain::appeal::rates::{Standing, rank};
use pingan_domain::appeal::{OrgType, Rates, Ratio};
use pingan_domain::calendar::from_china;
use serde::{Deserialize, Serialize};

/// What a report's rows are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RatesGroup {
    /// By the county (县市区) of the case's place.
    County,
    /// By the township (乡镇街道) of the case's place.
    Township,
    /// By the unit that has the case now (承办单位).
    Unit,
}

impl RatesGroup {
    pub const ALL: [RatesGroup; 3] = [RatesGroup::County, RatesGroup::Township, RatesGroup::Unit];

    pub fn as_str(self) -> &'static str {
        match self {
            RatesGroup::County => "county",
            RatesGroup::Township => "township",
            RatesGroup::Unit => "unit",
        }
    }

    pub fn parse(s: &str) -> Option<RatesGroup> {
        Self::ALL.into_iter().find(|g| g.as_str() == s.trim())
    }

    /// The heading of the name column.
    pub fn zh(self) -> &'static str {
        match self {
            RatesGroup::County => "县(市、区)",
            RatesGroup::Township => "乡镇(街道)",
            RatesGroup::Unit => "承办单位",
        }
    }
}

/// Cases received in `from_ms..to_ms` (Unix milliseconds, `to_ms` exclusive), grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RatesQuery {
    pub from_ms: i64,
    pub to_ms: i64,
    pub group: RatesGroup,
}

/// Who a row is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GroupKey {
    /// A county or township (the region's id).
    Region { id: i64 },
    /// An organisation (department, township body, village committee …).
    Org { id: i64 },
    /// A grid worker's account.
    GridWorker { account_id: i64 },
    /// A body without an organisation row of its own, served by its region's staff.
    Body { region_id: i64, org_type: String },
    /// Cases in no such group: placed above township level, or with no unit now (never
    /// dispatched, merged into another case, transferred out).
    Other,
}

/// One group's cases and rates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatesRow {
    pub key: GroupKey,
    pub name: String,
    /// Cases received in the period.
    pub cases: u64,
    pub rates: Rates,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatesReport {
    pub group: RatesGroup,
    pub from_ms: i64,
    pub to_ms: i64,
    /// The moment the cases were judged at: the period's last millisecond, or now if earlier.
    pub as_of_ms: i64,
    /// By name; [`GroupKey::Other`] last.
    pub rows: Vec<RatesRow>,
    /// All rows together (every case is in exactly one row, so the sums are exact).
    pub total: RatesRow,
}

/// One place in a monthly ranking.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankedRow {
    #[serde(flatten)]
    pub standing: Standing,
    #[serde(flatten)]
    pub row: RatesRow,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthlyRanking {
    pub year: i32,
    pub month: u32,
    pub group: RatesGroup,
    pub as_of_ms: i64,
    /// Ranked first (by composite score), then those with too few cases or nothing to judge.
    /// Cases in no township or with no unit are not ranked and not listed.
    pub rows: Vec<RankedRow>,
}

/// The aggregate counts of one group, straight from SQL.
#[derive(sqlx::FromRow)]
struct CountRow {
    /// The township (place reports) or the unit's region (unit reports).
    region_id: Option<i64>,
    /// Place reports: the county of the place, and its name.
    county_id: Option<i64>,
    county_name: Option<String>,
    org_id: Option<i64>,
    account_id: Option<i64>,
    org_type: Option<String>,
    name: Option<String>,
    cases: i64,
    dispatched: i64,
    responded: i64,
    callbacks: i64,
    solved: i64,
    satisfied: i64,
    due: i64,
    closed: i64,
    closed_on_time: i64,
    reworked: i64,
    returned: i64,
    extended: i64,
    repeats: i64,
}

fn n(v: i64) -> u64 {
    v.max(0) as u64
}

impl CountRow {
    /// Each ratio as `count(cases, num, den)` in the domain: numerators count only within the
    /// denominator's cases (the SQL below makes every numerator's condition imply its
    /// denominator's).
    fn rates(&self) -> Rates {
        Rates {
            response: Ratio::new(n(self.responded), n(self.dispatched)),
            resolution: Ratio::new(n(self.solved), n(self.callbacks)),
            satisfaction: Ratio::new(n(self.satisfied), n(self.callbacks)),
            on_time: Ratio::new(n(self.closed_on_time), n(self.due)),
            closure: Ratio::new(n(self.closed), n(self.due)),
            rework: Ratio::new(n(self.reworked), n(self.closed)),
            returns: Ratio::new(n(self.returned), n(self.dispatched)),
            extension: Ratio::new(n(self.extended), n(self.dispatched)),
            repeat: Ratio::new(n(self.repeats), n(self.cases)),
        }
    }

    fn into_row(self, group: RatesGroup) -> RatesRow {
        let rates = self.rates();
        let stored = self.name.unwrap_or_default();
        let (key, name) = match group {
            RatesGroup::Township => match self.region_id {
                Some(id) => (GroupKey::Region { id }, stored),
                None => (GroupKey::Other, "县级(未落到乡镇)".to_owned()),
            },
            // Place rows come per township; the report adds them up by county.
            RatesGroup::County => match self.county_id {
                Some(id) => (GroupKey::Region { id }, self.county_name.unwrap_or_default()),
                None => (GroupKey::Other, "市本级".to_owned()),
            },
            RatesGroup::Unit => match (self.org_id, self.account_id, self.region_id, self.org_type) {
                (Some(id), ..) => (GroupKey::Org { id }, stored),
                (None, Some(account_id), ..) => (GroupKey::GridWorker { account_id }, format!("网格员 {stored}")),
                (None, None, Some(region_id), Some(org_type)) => {
                    // The stored name of a body without an organisation is its region's.
                    let kind = OrgType::parse(&org_type).map(|t| t.zh()).unwrap_or("");
                    (GroupKey::Body { region_id, org_type }, format!("{stored}{kind}"))
                }
                _ => (GroupKey::Other, "无承办单位".to_owned()),
            },
        };
        RatesRow { key, name, cases: n(self.cases), rates }
    }
}

/// Who may read the rates: leaders, supervisors, dispatchers and administrators of their
/// region, and department staff for their own unit (their scope already narrows them to it).
fn require_rates(actor: &Actor) -> Result<()> {
    actor.require(Action::Read, Resource::Appeal)?;
    match actor.role {
        Role::Leader | Role::Supervisor | Role::TownshipDispatcher | Role::Admin | Role::DeptHandler => Ok(()),
        _ => Err(Denied::Role.into()),
    }
}

fn invalid(field: &str, message: &str) -> StoreError {
    StoreError::Invalid(vec![FieldError::new(field, message)])
}

/// The first millisecond of a month, China local time.
fn month_start_ms(year: i32, month: u32) -> Option<i64> {
    chrono::NaiveDate::from_ymd_opt(year, month, 1).and_then(|d| d.and_hms_opt(0, 0, 0)).map(from_china)
}

/// Every numerator and denominator of one group, over the rows of `appeals a` joined to the
/// late callbacks `l` (see [`aggregate_sql`]).
fn measures_sql(asof: &str, late: bool) -> String {
    let (cb, solved, satisfied) = if late {
        ("COALESCE(l.callbacks, 0)", "COALESCE(l.solved, 0)", "COALESCE(l.satisfied, 0)")
    } else {
        ("0", "0", "0")
    };
    format!(
        "COUNT(*) AS cases,
            CAST(SUM(CASE WHEN a.first_dispatched_ms <= {asof} THEN 1 ELSE 0 END) AS BIGINT) AS dispatched,
            CAST(SUM(CASE WHEN a.first_dispatched_ms <= {asof} AND a.first_contact_ms <= a.contact_due_ms
                          THEN 1 ELSE 0 END) AS BIGINT) AS responded,
            CAST(SUM(a.callbacks - {cb}) AS BIGINT) AS callbacks,
            CAST(SUM(a.solved_callbacks - {solved}) AS BIGINT) AS solved,
            CAST(SUM(a.satisfied_callbacks - {satisfied}) AS BIGINT) AS satisfied,
            CAST(SUM(CASE WHEN (a.closed_on_time IS NOT NULL AND a.closed_ms <= {asof}) OR a.resolve_due_ms <= {asof}
                          THEN 1 ELSE 0 END) AS BIGINT) AS due,
            CAST(SUM(CASE WHEN a.closed_on_time IS NOT NULL AND a.closed_ms <= {asof} THEN 1 ELSE 0 END) AS BIGINT)
                AS closed,
            CAST(SUM(CASE WHEN a.closed_on_time AND a.closed_ms <= {asof} THEN 1 ELSE 0 END) AS BIGINT)
                AS closed_on_time,
            CAST(SUM(CASE WHEN a.closed_on_time IS NOT NULL AND a.closed_ms <= {asof} AND a.reworked
                          THEN 1 ELSE 0 END) AS BIGINT) AS reworked,
            CAST(SUM(CASE WHEN a.first_dispatched_ms <= {asof} AND a.returned THEN 1 ELSE 0 END) AS BIGINT)
                AS returned,
            CAST(SUM(CASE WHEN a.first_dispatched_ms <= {asof} AND a.extended THEN 1 ELSE 0 END) AS BIGINT)
                AS extended,
            CAST(SUM(CASE WHEN a.merged_into IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS repeats"
    )
}

/// A report runs as two queries side by side on two connections, each over half of the groups
/// (every group lies wholly in one half, so the halves' rows simply add up): a year at full
/// scale then takes about half the time on a machine with two cores or more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Half {
    First,
    Second,
}

/// The aggregate: one row per group, every ratio's numerator and denominator a `SUM(CASE …)`
/// over the summary columns, following `CaseSummary::of` with `$asof` as its `as_of`:
///
/// - dispatched: `first_dispatched_ms <= asof`;
/// - contacted on time: `first_contact_ms <= contact_due_ms` (not cut at `as_of`, as in the domain);
/// - closed: `closed_ms <= asof` and not closed with its primary (`closed_on_time IS NOT NULL`);
/// - due: closed, or `resolve_due_ms <= asof`;
/// - reworked, returned, extended, repeat (`merged_into`): as the row holds them now;
/// - callbacks: those recorded by `as_of`. The row counts them all, so the ones recorded later
///   are taken off, read from the event log (`l`). Only cases of the period whose row was
///   written after `as_of` can have such events (every writer — commands, timers, the history
///   loader — sets `updated_ms` to the time of its latest event), so `l` finds those few through
///   `appeals_updated` and their events by primary key: none at all for a period reaching
///   today, a small share for a past one. The callbacks' `solved` and `satisfaction` are read
///   from the event's JSON with `LIKE`: serde writes a field as `"solved":true` and escapes
///   every quote inside strings, so these patterns can match nothing but the fields themselves.
///
/// Place reports (county, township) group by township — one index seek per township of the
/// period's cases in `appeals_rates_place`, already in group order — plus the cases placed
/// above any township by county; the report adds townships up into counties. Unit reports walk
/// `appeals_rates_unit` in unit order. Both indexes cover every column read, so the wide rows
/// (text, snapshot) are never touched and SQLite never sorts (it has no hash aggregate: sorting
/// a year of cases for `GROUP BY` cost more than reading them). SQLite is told which index to
/// use; PostgreSQL's planner takes the index-only scan of `appeals_rates` with a hash aggregate.
/// Figures are in BENCHMARKS.md.
#[allow(clippy::too_many_arguments)]
fn aggregate_sql(
    group: RatesGroup,
    engine: Engine,
    scope: &str,
    asof: &str,
    from: &str,
    to: &str,
    late_callbacks: bool,
    half: Half,
) -> String {
    let sqlite = engine == Engine::Sqlite;
    let measures = measures_sql(asof, late_callbacks);
    let updated_hint = if sqlite { "INDEXED BY appeals_updated" } else { "" };
    let late = if !late_callbacks {
        String::new()
    } else {
        format!(
            "LEFT JOIN (SELECT e.appeal_id, COUNT(*) AS callbacks,
                             SUM(CASE WHEN e.body LIKE '%\"solved\":true%' THEN 1 ELSE 0 END) AS solved,
                             SUM(CASE WHEN e.body LIKE '%\"satisfaction\":\"dissatisfied\"%' THEN 0 ELSE 1 END)
                                 AS satisfied
                        FROM appeal_events e
                       WHERE e.at_ms > {asof} AND e.kind = 'callback_recorded'
                         AND e.appeal_id IN (SELECT p.id FROM appeals p {updated_hint}
                                              WHERE p.updated_ms > {asof}
                                                AND p.received_ms >= {from} AND p.received_ms < {to})
                       GROUP BY e.appeal_id) l ON l.appeal_id = a.id"
        )
    };
    let period = format!("({scope}) AND a.received_ms >= {from} AND a.received_ms < {to}");
    match group {
        RatesGroup::County | RatesGroup::Township => {
            let hint = if sqlite { "INDEXED BY appeals_rates_place" } else { "" };
            // Townships of even id in one half, of odd id (and the cases above township level)
            // in the other.
            let (parity, above) = match half {
                Half::First => (0, String::new()),
                Half::Second => (
                    1,
                    format!(
                        "UNION ALL
                   SELECT CAST(NULL AS BIGINT), a.county_id, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT),
                          CAST(NULL AS TEXT), {measures}
                     FROM appeals a {hint} {late}
                    WHERE a.township_id IS NULL AND {period}
                    GROUP BY a.county_id"
                    ),
                ),
            };
            format!(
                "SELECT g.*, t.name AS name, c.name AS county_name FROM (
                   SELECT a.township_id AS region_id, MAX(a.county_id) AS county_id, CAST(NULL AS BIGINT) AS org_id,
                          CAST(NULL AS BIGINT) AS account_id, CAST(NULL AS TEXT) AS org_type, {measures}
                     FROM appeals a {hint} {late}
                    WHERE a.township_id IN (SELECT id FROM regions WHERE level = 'township' AND id % 2 = {parity})
                      AND {period}
                    GROUP BY a.township_id
                   {above}
                 ) g LEFT JOIN regions t ON t.id = g.region_id LEFT JOIN regions c ON c.id = g.county_id"
            )
        }
        RatesGroup::Unit => {
            let hint = if sqlite { "INDEXED BY appeals_rates_unit" } else { "" };
            // Grid workers' and bodies' cases in one half, organisations' in the other: two
            // contiguous stretches of the unit index, and no unit in both.
            let split = match half {
                Half::First => "a.unit_org_id IS NULL",
                Half::Second => "a.unit_org_id IS NOT NULL",
            };
            format!(
                "SELECT a.unit_region_id AS region_id, CAST(NULL AS BIGINT) AS county_id,
                        CAST(NULL AS TEXT) AS county_name, a.unit_org_id AS org_id, a.unit_account_id AS account_id,
                        a.unit_org_type AS org_type, MAX(a.unit_name) AS name, {measures}
                   FROM appeals a {hint} {late}
                  WHERE {split} AND {period}
                  GROUP BY a.unit_org_id, a.unit_account_id, a.unit_region_id, a.unit_org_type"
            )
        }
    }
}

impl Store {
    /// The rates of the cases received in the period that the actor may see (their region
    /// subtree; department staff their own unit's cases), one row per group plus the total.
    pub async fn appeal_rates(&self, actor: &Actor, q: &RatesQuery) -> Result<RatesReport> {
        require_rates(actor)?;
        if q.to_ms <= q.from_ms {
            return Err(invalid("to", "结束日期不能早于开始日期 / the period must end after it starts"));
        }
        let now = crate::now_ms();
        let as_of_ms = (q.to_ms - 1).min(now);
        // Judged as of now, no callback can postdate `as_of`: the correction is left out.
        let late_callbacks = as_of_ms < now;
        let counts = self.rates_counts(actor, q.group, as_of_ms, late_callbacks, q.from_ms, q.to_ms).await?;
        let mut merged: Vec<RatesRow> = Vec::new();
        let mut at: std::collections::HashMap<GroupKey, usize> = std::collections::HashMap::new();
        // County reports add up their townships' rows (and their cases above township level).
        for row in counts.into_iter().map(|c| c.into_row(q.group)) {
            match at.get(&row.key) {
                Some(&i) => {
                    let m = &mut merged[i];
                    m.cases += row.cases;
                    m.rates = add_rates(m.rates, row.rates);
                    if m.name.is_empty() {
                        m.name = row.name;
                    }
                }
                None => {
                    at.insert(row.key.clone(), merged.len());
                    merged.push(row);
                }
            }
        }
        let mut rows = merged;
        rows.sort_by(|a, b| {
            (a.key == GroupKey::Other, &a.name, &a.key).cmp(&(b.key == GroupKey::Other, &b.name, &b.key))
        });
        let total = rows.iter().fold(
            RatesRow { key: GroupKey::Other, name: "合计".into(), cases: 0, rates: Rates::default() },
            |mut t, r| {
                t.cases += r.cases;
                t.rates = add_rates(t.rates, r.rates);
                t
            },
        );
        Ok(RatesReport { group: q.group, from_ms: q.from_ms, to_ms: q.to_ms, as_of_ms, rows, total })
    }

    /// The monthly ranking (月度排名) of townships or units (or counties) for the cases received
    /// in `year`-`month`, China local time, by `pingan_domain::appeal::rates::rank`.
    pub async fn appeal_monthly_ranking(
        &self,
        actor: &Actor,
        year: i32,
        month: u32,
        group: RatesGroup,
    ) -> Result<MonthlyRanking> {
        let next = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
        let (Some(from_ms), Some(to_ms)) = (month_start_ms(year, month), month_start_ms(next.0, next.1)) else {
            return Err(invalid("month", "月份须为 YYYY-MM / the month must be YYYY-MM"));
        };
        let report = self.appeal_rates(actor, &RatesQuery { from_ms, to_ms, group }).await?;
        let rows: Vec<RatesRow> = report.rows.into_iter().filter(|r| r.key != GroupKey::Other).collect();
        let entries: Vec<(u64, Rates)> = rows.iter().map(|r| (r.cases, r.rates)).collect();
        let rows = rank(&entries)
            .into_iter()
            .map(|standing| RankedRow { row: rows[standing.index].clone(), standing })
            .collect();
        Ok(MonthlyRanking { year, month, group, as_of_ms: report.as_of_ms, rows })
    }
}

impl Store {
    /// The aggregate of [`aggregate_sql`] for the cases received in `from_ms..to_ms`.
    async fn rates_counts(
        &self,
        actor: &Actor,
        group: RatesGroup,
        as_of_ms: i64,
        late_callbacks: bool,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<CountRow>> {
        let mut s = ScopeSql::of(actor);
        let asof = s.push(Param::I64(Some(as_of_ms)));
        let from = s.push(Param::I64(Some(from_ms)));
        let to = s.push(Param::I64(Some(to_ms)));
        let (scope, db) = (&s, &self.db);
        let half = |h: Half| {
            let sql = aggregate_sql(group, self.engine(), &scope.sql, &asof, &from, &to, late_callbacks, h);
            async move {
                Ok::<Vec<CountRow>, StoreError>(on_pool!(db, |pool| {
                    let mut query = sqlx::query_as::<_, CountRow>(&sql);
                    for p in &scope.params {
                        query = match p {
                            Param::I64(v) => query.bind(*v),
                            Param::Text(v) => query.bind(v.clone()),
                        };
                    }
                    query.fetch_all(pool).await
                })?)
            }
        };
        let (mut first, second) = tokio::try_join!(half(Half::First), half(Half::Second))?;
        first.extend(second);
        Ok(first)
    }
}

fn add_rates(a: Rates, b: Rates) -> Rates {
    Rates {
        response: a.response + b.response,
        resolution: a.resolution + b.resolution,
        satisfaction: a.satisfaction + b.satisfaction,
        on_time: a.on_time + b.on_time,
        closure: a.closure + b.closure,
        rework: a.rework + b.rework,
        returns: a.returns + b.returns,
        extension: a.extension + b.extension,
        repeat: a.repeat + b.repeat,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_parse_by_name() {
        for g in RatesGroup::ALL {
            assert_eq!(RatesGroup::parse(g.as_str()), Some(g));
        }
        assert_eq!(RatesGroup::parse("village"), None);
    }

    #[test]
    fn month_bounds_are_china_midnights() {
        // 2026-11-01 00:00 in Beijing is 2026-10-31 16:00 UTC.
        assert_eq!(month_start_ms(2026, 11), Some(1_793_462_400_000));
        assert_eq!(month_start_ms(2026, 13), None);
    }

    #[test]
    fn the_aggregate_is_one_grouped_statement() {
        for g in RatesGroup::ALL {
            let sql = aggregate_sql(
                g,
                Engine::Sqlite,
                "a.region_path >= $1 AND a.region_path < $2",
                "$3",
                "$4",
                "$5",
                true,
                Half::Second,
            );
            let expected = if g == RatesGroup::Unit { 2 } else { 4 };
            // (The second half of a place report also holds the cases above township level.)
            assert_eq!(
                sql.matches("GROUP BY").count(),
                expected,
                "the report's parts and the late-callback correction"
            );
            assert!(!sql.contains("snapshot"), "never parses snapshots");
        }
    }
}
