//! Checking rows: every field through the domain's parsers, then against what the
//! database holds (lookups loaded once per import) and against earlier rows of
//! the same file. No I/O: checkers see the lookups as plain data.
//!
//! A row's problems are all collected (not just the first), and every row is
//! checked even after a bad one, so that one run lists everything to fix.

use super::error::{Position, Problems, RowError};
use super::read::{GridInput, Record};
use indicatif::ProgressBar;
use pingan_domain::Role;
use pingan_domain::account::{Username, check_password_strength};
use pingan_domain::geometry::Ring;
use pingan_domain::org::{NewOrg, OrgInput};
use pingan_domain::personal::Phone;
use pingan_domain::region::{RegionCode, RegionLevel};
use pingan_store::import::{AccountImport, GridImport, GridTarget, KnownRegion, OrgImport, RegionImport, RegionParent};
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

/// Longest names accepted for regions and accounts' display names.
const MAX_NAME: usize = 100;
const MAX_DISPLAY_NAME: usize = 64;

/// Checks one row at a time, remembering what earlier rows introduced.
pub(super) trait RowCheck {
    type Input;
    type Output;
    fn check(&mut self, input: &Self::Input) -> Result<Self::Output, Vec<RowError>>;
}

/// Check every row; the checked rows only if not one of them has a problem.
pub(super) fn check_all<C: RowCheck>(
    mut checker: C,
    inputs: &[C::Input],
    bar: &ProgressBar,
) -> Result<Vec<C::Output>, Vec<RowError>> {
    let mut rows = Vec::with_capacity(inputs.len());
    let mut errors = Vec::new();
    for input in inputs {
        match checker.check(input) {
            Ok(row) => rows.push(row),
            Err(e) => errors.extend(e),
        }
        bar.inc(1);
    }
    if errors.is_empty() { Ok(rows) } else { Err(errors) }
}

/// The regions already in the database, by code.
pub(super) type Directory = HashMap<String, KnownRegion>;

/// Where an earlier row of the file introduced a region code.
struct Earlier {
    index: usize,
    level: RegionLevel,
    at: Position,
}

/// Regions: level, code under its parent, parent in the database or on an earlier row.
pub(super) struct RegionCheck<'a> {
    known: &'a Directory,
    earlier: HashMap<String, Earlier>,
    /// The city's code, once the database or the file has one.
    city: Option<String>,
    rows: usize,
}

impl<'a> RegionCheck<'a> {
    pub fn new(known: &'a Directory) -> Self {
        let city = known.iter().find(|(_, k)| k.level == RegionLevel::City && !k.retired).map(|(code, _)| code.clone());
        RegionCheck { known, earlier: HashMap::new(), city, rows: 0 }
    }

    fn level(p: &mut Problems, raw: &str) -> Option<RegionLevel> {
        match RegionLevel::parse(required(p, "level", raw)?) {
            Ok(RegionLevel::Grid) => {
                p.add("level", "网格请用 `pingan import grids` 导入 / grids are imported with `pingan import grids`");
                None
            }
            Ok(level) => Some(level),
            Err(e) => {
                p.add("level", e.to_string());
                None
            }
        }
    }

    /// The parent a row names, and the parent's code when it is a well-formed one
    /// (to check that the row's code nests under it).
    fn parent(&self, p: &mut Problems, level: RegionLevel, raw: &str) -> Option<(RegionParent, Option<RegionCode>)> {
        let Some(expected) = level.parent() else {
            return self.city_parent(p, raw);
        };
        let raw = required(p, "parent_code", raw)?;
        let (parent, parent_level) = if let Some(k) = self.known.get(raw) {
            if k.retired {
                p.add("parent_code", format!("上级已撤销 / the parent '{raw}' is retired"));
                return None;
            }
            (RegionParent::Existing { id: k.id, path: k.path.clone() }, k.level)
        } else if let Some(e) = self.earlier.get(raw) {
            (RegionParent::Row(e.index), e.level)
        } else {
            p.add(
                "parent_code",
                format!("上级代码不存在 / unknown parent code '{raw}': not in the database nor on an earlier row"),
            );
            return None;
        };
        if parent_level != expected {
            p.add(
                "parent_code",
                format!(
                    "上级须为{} / '{raw}' is a {parent_level}, but the parent of a {level} must be a {expected}",
                    expected.zh()
                ),
            );
            return None;
        }
        Some((parent, RegionCode::parse(parent_level, raw).ok()))
    }

    /// A city is the root: no parent, and only one per database.
    fn city_parent(&self, p: &mut Problems, raw: &str) -> Option<(RegionParent, Option<RegionCode>)> {
        if !raw.is_empty() {
            p.add("parent_code", "市没有上级,请留空 / a city has no parent: leave parent_code empty");
            return None;
        }
        if let Some(city) = &self.city {
            p.add("level", format!("已有市 {city} / there is already a city ('{city}'), and a database holds one"));
            return None;
        }
        Some((RegionParent::Root, None))
    }

    fn code(&self, p: &mut Problems, level: RegionLevel, raw: &str, parent: Option<&RegionCode>) -> Option<RegionCode> {
        let raw = required(p, "code", raw)?;
        let parsed = match parent {
            Some(parent) => RegionCode::parse_under(level, raw, parent),
            None => RegionCode::parse(level, raw),
        };
        let code = parsed.map_err(|e| p.add("code", e.to_string())).ok()?;
        if self.known.contains_key(code.as_str()) {
            p.add("code", format!("代码已存在 / code '{code}' already exists"));
            return None;
        }
        if let Some(first) = self.earlier.get(code.as_str()) {
            p.add("code", format!("代码重复 / code '{code}' is already on {}", first.at));
            return None;
        }
        Some(code)
    }
}

impl RowCheck for RegionCheck<'_> {
    type Input = Record;
    type Output = RegionImport;

    fn check(&mut self, r: &Record) -> Result<RegionImport, Vec<RowError>> {
        let index = self.rows;
        self.rows += 1;
        let mut p = Problems::new(r.at);
        let level = Self::level(&mut p, r.get("level"));
        let parent = level.and_then(|l| self.parent(&mut p, l, r.get("parent_code")));
        let parent_code = parent.as_ref().and_then(|(_, code)| code.as_ref());
        let code = level.and_then(|l| self.code(&mut p, l, r.get("code"), parent_code));
        let name = text(&mut p, "name", r.get("name"), MAX_NAME);
        let households = count(&mut p, "households", r.get("households"));
        let population = count(&mut p, "population", r.get("population"));
        // Remember the code even if another field is wrong, so that its children
        // are not also reported for an "unknown parent".
        if let (Some(level), Some(code)) = (level, &code) {
            self.earlier.insert(code.as_str().to_owned(), Earlier { index, level, at: r.at });
            if level == RegionLevel::City {
                self.city = Some(code.as_str().to_owned());
            }
        }
        let row = (|| {
            Some(RegionImport {
                level: level?,
                code: code?,
                name: name?,
                parent: parent?.0,
                households: households?,
                population: population?,
            })
        })();
        p.finish(row)
    }
}

/// Grids: a grid code whose village exists, a valid ring; an existing code means
/// a new boundary for that grid.
pub(super) struct GridCheck<'a> {
    known: &'a Directory,
    earlier: HashMap<String, Position>,
}

impl<'a> GridCheck<'a> {
    pub fn new(known: &'a Directory) -> Self {
        GridCheck { known, earlier: HashMap::new() }
    }

    fn target(&mut self, p: &mut Problems, code: &RegionCode) -> Option<GridTarget> {
        match self.earlier.entry(code.as_str().to_owned()) {
            Entry::Occupied(first) => {
                p.add("code", format!("代码重复 / grid '{code}' is already on {}", first.get()));
                return None;
            }
            Entry::Vacant(slot) => {
                slot.insert(p.at());
            }
        }
        if let Some(grid) = self.known.get(code.as_str()) {
            if grid.retired {
                p.add("code", format!("网格已撤销 / grid '{code}' is retired"));
                return None;
            }
            return Some(GridTarget::Replace { id: grid.id, path: grid.path.clone() });
        }
        let village = &code.as_str()[..RegionLevel::Village.code_len()];
        match self.known.get(village) {
            Some(v) if v.level == RegionLevel::Village && !v.retired => {
                Some(GridTarget::New { village_id: v.id, village_path: v.path.clone() })
            }
            Some(v) if v.level == RegionLevel::Village => {
                p.add("code", format!("所属村(社区)已撤销 / the grid's village '{village}' is retired"));
                None
            }
            _ => {
                p.add("code", format!("所属村(社区)不存在 / the grid's village '{village}' does not exist"));
                None
            }
        }
    }
}

impl RowCheck for GridCheck<'_> {
    type Input = GridInput;
    type Output = GridImport;

    fn check(&mut self, g: &GridInput) -> Result<GridImport, Vec<RowError>> {
        let mut p = Problems::new(g.at);
        let code = required(&mut p, "code", &g.code)
            .and_then(|raw| RegionCode::parse(RegionLevel::Grid, raw).map_err(|e| p.add("code", e.to_string())).ok());
        let target = code.as_ref().and_then(|c| self.target(&mut p, c));
        let name = text(&mut p, "name", &g.name, MAX_NAME);
        let households = count(&mut p, "households", &g.households);
        let population = count(&mut p, "population", &g.population);
        let ring = match &g.shape {
            Ok(points) => Ring::new(points.clone()).map_err(|e| p.add(g.shape_field, e.to_string())).ok(),
            Err(e) => {
                p.push(e.clone());
                None
            }
        };
        let row = (|| {
            Some(GridImport {
                code: code?,
                name: name?,
                households: households?,
                population: population?,
                ring: ring?,
                target: target?,
            })
        })();
        p.finish(row)
    }
}

/// Organisations: `NewOrg::parse` for the fields, a live region for `region_code`.
pub(super) struct OrgCheck<'a> {
    known: &'a Directory,
}

impl<'a> OrgCheck<'a> {
    pub fn new(known: &'a Directory) -> Self {
        OrgCheck { known }
    }
}

impl RowCheck for OrgCheck<'_> {
    type Input = Record;
    type Output = OrgImport;

    fn check(&mut self, r: &Record) -> Result<OrgImport, Vec<RowError>> {
        let mut p = Problems::new(r.at);
        let region = live_region(&mut p, self.known, r.get("region_code"));
        let lon = coordinate(&mut p, "lon", r.get("lon"));
        let lat = coordinate(&mut p, "lat", r.get("lat"));
        // A coordinate that is not a number is reported once, not again as "give both".
        let (lon, lat) = match (lon, lat) {
            (Some(lon), Some(lat)) => (lon, lat),
            _ => (None, None),
        };
        let phone = r.optional("phone").filter(|phone| !reject_masked(&mut p, "phone", phone));
        let input = OrgInput {
            kind: r.get("kind").to_owned(),
            name: r.get("name").to_owned(),
            region_id: region.map_or(0, |k| k.id),
            dept: r.optional("dept").map(str::to_owned),
            industry: r.optional("industry").map(str::to_owned),
            address: r.optional("address").map(str::to_owned),
            phone: phone.map(str::to_owned),
            lon,
            lat,
            opening_hours: r.optional("opening_hours").map(str::to_owned),
        };
        let org = NewOrg::parse(&input).map_err(|errors| p.add_field_errors(errors)).ok();
        let row = (|| Some(OrgImport { org: org?, region_path: region?.path.clone() }))();
        p.finish(row)
    }
}

/// An account row, checked; its password still in clear, to be hashed once the
/// whole file has passed.
pub(super) struct AccountDraft {
    pub account: AccountImport,
    pub password: Option<String>,
}

/// Accounts: username free, known role, region and organisation, a mobile number
/// and a strong password where given.
pub(super) struct AccountCheck<'a> {
    known: &'a Directory,
    usernames: &'a HashSet<String>,
    org_ids: &'a HashSet<i64>,
    earlier: HashMap<String, Position>,
}

impl<'a> AccountCheck<'a> {
    pub fn new(known: &'a Directory, usernames: &'a HashSet<String>, org_ids: &'a HashSet<i64>) -> Self {
        AccountCheck { known, usernames, org_ids, earlier: HashMap::new() }
    }

    fn username(&mut self, p: &mut Problems, raw: &str) -> Option<Username> {
        let username = Username::parse(required(p, "username", raw)?).map_err(|m| p.add("username", m)).ok()?;
        if self.usernames.contains(username.as_str()) {
            p.add("username", format!("用户名已被使用 / the username '{}' is taken", username.as_str()));
            return None;
        }
        match self.earlier.entry(username.as_str().to_owned()) {
            Entry::Occupied(first) => {
                p.add("username", format!("用户名重复 / '{}' is already on {}", username.as_str(), first.get()));
                None
            }
            Entry::Vacant(slot) => {
                slot.insert(p.at());
                Some(username)
            }
        }
    }

    /// `Some(None)` when blank, `None` when wrong.
    fn org(&self, p: &mut Problems, raw: &str) -> Option<Option<i64>> {
        if raw.is_empty() {
            return Some(None);
        }
        match raw.parse::<i64>() {
            Ok(id) if self.org_ids.contains(&id) => Some(Some(id)),
            _ => {
                p.add("org_id", format!("机构不存在 / no live organisation has the id '{raw}'"));
                None
            }
        }
    }
}

impl RowCheck for AccountCheck<'_> {
    type Input = Record;
    type Output = AccountDraft;

    fn check(&mut self, r: &Record) -> Result<AccountDraft, Vec<RowError>> {
        let mut p = Problems::new(r.at);
        let username = self.username(&mut p, r.get("username"));
        let display_name = text(&mut p, "display_name", r.get("display_name"), MAX_DISPLAY_NAME);
        let role = role(&mut p, r.get("role"));
        let region = live_region(&mut p, self.known, r.get("region_code"));
        let org_id = self.org(&mut p, r.get("org_id"));
        let phone = phone(&mut p, r.get("phone"));
        if role == Some(Role::DeptHandler) && org_id == Some(None) {
            p.add("org_id", "部门承办人须填写所属机构 / a dept_handler needs org_id, the id of their department");
        }
        if role == Some(Role::Citizen) && matches!(phone, Some(None)) {
            p.add("phone", "群众以手机号登录,须填写 / citizens sign in by mobile number: phone is required");
        }
        let password = r.optional("password");
        if let Some(Err(m)) = password.map(check_password_strength) {
            // The message never repeats the password itself.
            p.add("password", m);
        }
        let row = (|| {
            let region = region?;
            Some(AccountDraft {
                account: AccountImport {
                    username: username?,
                    display_name: display_name?,
                    role: role?,
                    region_id: region.id,
                    region_path: region.path.clone(),
                    org_id: org_id?,
                    phone: phone?,
                    password_hash: None,
                },
                password: password.map(str::to_owned),
            })
        })();
        p.finish(row)
    }
}

fn required<'v>(p: &mut Problems, field: &str, raw: &'v str) -> Option<&'v str> {
    if raw.is_empty() {
        p.add(field, format!("必填 / {field} is required"));
        None
    } else {
        Some(raw)
    }
}

fn text(p: &mut Problems, field: &str, raw: &str, max: usize) -> Option<String> {
    let value = required(p, field, raw)?;
    if value.chars().count() > max {
        p.add(field, format!("最多 {max} 个字符 / at most {max} characters"));
        return None;
    }
    Some(value.to_owned())
}

/// A count such as households; blank means 0.
fn count(p: &mut Problems, field: &str, raw: &str) -> Option<i64> {
    if raw.is_empty() {
        return Some(0);
    }
    let n = raw.parse::<i64>().ok().filter(|n| *n >= 0);
    if n.is_none() {
        p.add(field, format!("须为非负整数 / '{raw}' is not a whole number of 0 or more"));
    }
    n
}

/// `Some(None)` when blank, `None` when not a number.
fn coordinate(p: &mut Problems, field: &str, raw: &str) -> Option<Option<f64>> {
    if raw.is_empty() {
        return Some(None);
    }
    match raw.parse::<f64>() {
        Ok(v) if v.is_finite() => Some(Some(v)),
        _ => {
            p.add(field, format!("须为数字 / '{raw}' is not a number"));
            None
        }
    }
}

fn live_region<'k>(p: &mut Problems, known: &'k Directory, raw: &str) -> Option<&'k KnownRegion> {
    let code = required(p, "region_code", raw)?;
    match known.get(code) {
        Some(region) if !region.retired => Some(region),
        Some(_) => {
            p.add("region_code", format!("区划已撤销 / the region '{code}' is retired"));
            None
        }
        None => {
            p.add("region_code", format!("区划代码不存在 / no region has the code '{code}'"));
            None
        }
    }
}

fn role(p: &mut Problems, raw: &str) -> Option<Role> {
    let raw = required(p, "role", raw)?;
    let role = Role::parse(raw);
    if role.is_none() {
        let known: Vec<_> = Role::STAFF.into_iter().chain([Role::Citizen]).map(Role::as_str).collect();
        p.add("role", format!("未知角色 / unknown role '{raw}' (one of {})", known.join(", ")));
    }
    role
}

/// `Some(None)` when blank, `None` when wrong.
fn phone(p: &mut Problems, raw: &str) -> Option<Option<Phone>> {
    if raw.is_empty() {
        return Some(None);
    }
    if reject_masked(p, "phone", raw) {
        return None;
    }
    Phone::parse(raw).map(Some).map_err(|m| p.add("phone", m)).ok()
}

/// Exports mask mobile numbers (`138****8000`); such a value cannot come back in.
/// Reports it and returns true when `raw` is masked.
fn reject_masked(p: &mut Problems, field: &str, raw: &str) -> bool {
    let masked = raw.contains('*');
    if masked {
        p.add(
            field,
            format!("号码已脱敏,请?zhí)顚惩暾柎a或留空 / '{raw}' is masked (from an export): give the full number or leave it empty"),
        );
    }
    masked
}

#[cfg(test)]
mod tests {
    use super::*;
    use pingan_domain::region::RegionPath;

    fn known(entries: &[(&str, RegionLevel, i64, &str)]) -> Directory {
        entries
            .iter()
            .map(|(code, level, id, path)| {
                let region =
                    KnownRegion { id: *id, level: *level, path: RegionPath::parse(path).unwrap(), retired: false };
                (code.to_string(), region)
            })
            .collect()
    }

    fn check_rows<C: RowCheck>(checker: C, inputs: &[C::Input]) -> Result<Vec<C::Output>, Vec<RowError>> {
        check_all(checker, inputs, &ProgressBar::hidden())
    }

    fn record(row: usize, values: &[(&'static str, &str)]) -> Record {
        Record::for_test(Position::Row(row), values)
    }

    #[test]
    fn a_city_can_be_built_from_nothing() {
        let empty = Directory::new();
        let rows = [
            record(2, &[("level", "city"), ("code", "371400"), ("name", "德州市")]),
            record(3, &[("level", "county"), ("code", "371402"), ("name", "德城区"), ("parent_code", "371400")]),
            record(
                4,
                &[("level", "township"), ("code", "371402001000"), ("name", "新湖街道"), ("parent_code", "371402")],
            ),
        ];
        let checked = check_rows(RegionCheck::new(&empty), &rows).unwrap();
        assert_eq!(checked[0].parent, RegionParent::Root);
        assert_eq!(checked[2].parent, RegionParent::Row(1));
    }

    #[test]
    fn every_region_problem_is_reported_once() {
        let city = known(&[("371400", RegionLevel::City, 1, "/1/"), ("371402", RegionLevel::County, 2, "/1/2/")]);
        let rows = [
            record(2, &[("level", "county"), ("code", "37140"), ("name", "a"), ("parent_code", "371400")]),
            record(3, &[("level", "township"), ("code", "371403001000"), ("name", "b"), ("parent_code", "371402")]),
            record(4, &[("level", "township"), ("code", "371402005000"), ("name", ""), ("parent_code", "371402")]),
            // Its parent is row 4, which is bad for its name only: no second error here.
            record(
                5,
                &[("level", "village"), ("code", "371402005001"), ("name", "c"), ("parent_code", "371402005000")],
            ),
            record(6, &[("level", "village"), ("code", "371402005002"), ("name", "d"), ("parent_code", "371402")]),
            record(7, &[("level", "city"), ("code", "371500"), ("name", "e")]),
        ];
        let errors = check_rows(RegionCheck::new(&city), &rows).unwrap_err();
        let found: Vec<_> = errors.iter().map(|e| (e.at, e.field.as_deref().unwrap_or(""))).collect();
        assert_eq!(
            found,
            [
                (Position::Row(2), "code"),
                (Position::Row(3), "code"),
                (Position::Row(4), "name"),
                (Position::Row(6), "parent_code"),
                (Position::Row(7), "level"),
            ]
        );
        assert_eq!(errors[0].message, "code '37140' for a county must be 6 digits");
    }

    #[test]
    fn masked_and_weak_values_are_refused() {
        let dir = known(&[("371400", RegionLevel::City, 1, "/1/")]);
        let (names, orgs) = (HashSet::from(["admin".to_owned()]), HashSet::from([7]));
        let rows = [
            record(2, &[("username", "Admin"), ("display_name", "x"), ("role", "admin"), ("region_code", "371400")]),
            record(
                3,
                &[
                    ("username", "new.one"),
                    ("display_name", "y"),
                    ("role", "citizen"),
                    ("region_code", "371400"),
                    ("phone", "138****8000"),
                    ("password", "short"),
                ],
            ),
            record(
                4,
                &[("username", "dept"), ("display_name", "z"), ("role", "dept_handler"), ("region_code", "371400")],
            ),
        ];
        // `.err()`: drafts carry passwords and deliberately have no Debug.
        let errors = check_rows(AccountCheck::new(&dir, &names, &orgs), &rows).err().expect("bad rows");
        let found: Vec<_> = errors.iter().map(|e| (e.at, e.field.as_deref().unwrap_or(""))).collect();
        assert_eq!(
            found,
            [
                (Position::Row(2), "username"),
                (Position::Row(3), "phone"),
                (Position::Row(3), "password"),
                (Position::Row(4), "org_id"),
            ]
        );
    }
}
