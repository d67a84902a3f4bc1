//! The administrative hierarchy 市 → 县(市、区) → 乡镇(街道) → 村(社区) → 网格 and its codes.
//!
//! Codes follow GB/T 2260 (6 digits: city and county), the 12-digit statistical
//! division codes (township and village) and our 15-digit grid code (village code
//! plus a 3-digit grid number). A code is an identifier, not the tree itself: a
//! region's parent is stored explicitly so that regions can be moved or merged
//! while old codes stay valid for the records made under them.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    /// 市: the prefecture-level city.
    City,
    /// 县(市、区): county-level division.
    County,
    /// 乡镇(街道): township, town or street office.
    Township,
    /// 村(社区): villagers' or residents' committee.
    Village,
    /// 网格: the smallest unit of grid governance.
    Grid,
}

impl RegionLevel {
    pub const ALL: [RegionLevel; 5] =
        [RegionLevel::City, RegionLevel::County, RegionLevel::Township, RegionLevel::Village, RegionLevel::Grid];

    pub fn as_str(self) -> &'static str {
        match self {
            RegionLevel::City => "city",
            RegionLevel::County => "county",
            RegionLevel::Township => "township",
            RegionLevel::Village => "village",
            RegionLevel::Grid => "grid",
        }
    }

    pub fn parse(s: &str) -> Result<Self, RegionError> {
        Self::ALL.into_iter().find(|l| l.as_str() == s).ok_or_else(|| RegionError::UnknownLevel(s.to_owned()))
    }

    pub fn zh(self) -> &'static str {
        match self {
            RegionLevel::City => "市",
            RegionLevel::County => "县(市、区)",
            RegionLevel::Township => "乡镇(街道)",
            RegionLevel::Village => "村(社区)",
            RegionLevel::Grid => "网格",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            RegionLevel::City => "City",
            RegionLevel::County => "County",
            RegionLevel::Township => "Township",
            RegionLevel::Village => "Village",
            RegionLevel::Grid => "Grid",
        }
    }

    /// The level directly below, if any.
    pub fn child(self) -> Option<RegionLevel> {
        match self {
            RegionLevel::City => Some(RegionLevel::County),
            RegionLevel::County => Some(RegionLevel::Township),
            RegionLevel::Township => Some(RegionLevel::Village),
            RegionLevel::Village => Some(RegionLevel::Grid),
            RegionLevel::Grid => None,
        }
    }

    pub fn parent(self) -> Option<RegionLevel> {
        match self {
            RegionLevel::City => None,
            RegionLevel::County => Some(RegionLevel::City),
            RegionLevel::Township => Some(RegionLevel::County),
            RegionLevel::Village => Some(RegionLevel::Township),
            RegionLevel::Grid => Some(RegionLevel::Village),
        }
    }

    /// Number of digits in a code of this level.
    pub fn code_len(self) -> usize {
        match self {
            RegionLevel::City | RegionLevel::County => 6,
            RegionLevel::Township | RegionLevel::Village => 12,
            RegionLevel::Grid => 15,
        }
    }
}

impl fmt::Display for RegionLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionError {
    #[error("unknown region level '{0}' (expected city, county, township, village or grid)")]
    UnknownLevel(String),
    #[error("code '{code}' for a {level} must be {expected} digits")]
    BadLength { code: String, level: RegionLevel, expected: usize },
    #[error("code '{0}' may contain digits only")]
    NotDigits(String),
    #[error("code '{code}' is not a valid {level} code: {reason}")]
    BadShape { code: String, level: RegionLevel, reason: &'static str },
    #[error("code '{code}' does not lie under parent code '{parent}'")]
    NotUnderParent { code: String, parent: String },
}

/// A region code checked against its level's shape.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RegionCode(String);

/// What kind of township a 12-digit code names (its digits 7–9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TownshipKind {
    /// 街道 (001–099)
    Street,
    /// 镇 (100–199)
    Town,
    /// 乡 (200–399)
    Township,
}

/// What kind of village a 12-digit code names (its digits 10–12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VillageKind {
    /// 居委会/社区 (001–199)
    Community,
    /// 村委会 (200–399)
    Village,
}

impl RegionCode {
    pub fn parse(level: RegionLevel, code: &str) -> Result<Self, RegionError> {
        let code = code.trim();
        if !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RegionError::NotDigits(code.to_owned()));
        }
        if code.len() != level.code_len() {
            return Err(RegionError::BadLength { code: code.to_owned(), level, expected: level.code_len() });
        }
        let bad = |reason| RegionError::BadShape { code: code.to_owned(), level, reason };
        let num = |range: std::ops::Range<usize>| code[range].parse::<u32>().unwrap_or(0);
        match level {
            RegionLevel::City => {
                if &code[4..6] != "00" || &code[2..4] == "00" {
                    return Err(bad("a city code ends in 00 and has a non-zero city part"));
                }
            }
            RegionLevel::County => {
                if &code[4..6] == "00" {
                    return Err(bad("a county code does not end in 00"));
                }
            }
            RegionLevel::Township => {
                if &code[9..12] != "000" {
                    return Err(bad("a township code ends in 000"));
                }
                if !(1..=399).contains(&num(6..9)) {
                    return Err(bad("township part must be 001–399"));
                }
            }
            RegionLevel::Village => {
                if !(1..=399).contains(&num(6..9)) {
                    return Err(bad("township part must be 001–399"));
                }
                if !(1..=399).contains(&num(9..12)) {
                    return Err(bad("village part must be 001–399"));
                }
            }
            RegionLevel::Grid => {
                if num(12..15) == 0 {
                    return Err(bad("grid number must be 001–999"));
                }
            }
        }
        Ok(RegionCode(code.to_owned()))
    }

    /// Parse and check that the code continues its parent's code, the way the
    /// national scheme nests them (a county's code starts with its city's first four digits).
    pub fn parse_under(level: RegionLevel, code: &str, parent: &RegionCode) -> Result<Self, RegionError> {
        let parsed = Self::parse(level, code)?;
        let prefix_len = match level {
            RegionLevel::City => 0,
            RegionLevel::County => 4,
            RegionLevel::Township => 6,
            RegionLevel::Village => 9,
            RegionLevel::Grid => 12,
        };
        if parsed.0[..prefix_len] != parent.0[..prefix_len] {
            return Err(RegionError::NotUnderParent { code: parsed.0, parent: parent.0.clone() });
        }
        Ok(parsed)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits this level adds to its parent's code (a village's last three, …).
    pub fn own_number(&self, level: RegionLevel) -> u32 {
        let range = own_digits(level);
        self.0.get(range).and_then(|d| d.parse().ok()).unwrap_or(0)
    }

    /// The code of a child numbered `number` under `parent`, following the national nesting.
    pub fn compose(level: RegionLevel, parent: &RegionCode, number: u32) -> Result<RegionCode, RegionError> {
        let p = parent.as_str();
        let code = match level {
            RegionLevel::City => format!("{number:04}00"),
            RegionLevel::County => format!("{}{number:02}", &p[..4]),
            RegionLevel::Township => format!("{}{number:03}000", &p[..6]),
            RegionLevel::Village => format!("{}{number:03}", &p[..9]),
            RegionLevel::Grid => format!("{}{number:03}", &p[..12]),
        };
        RegionCode::parse_under(level, &code, parent)
    }

    /// The numbers a child of this kind may take when it is renumbered: a street
    /// stays a street (001–099), a town a town (100–199), a community a community (001–199) …
    pub fn number_range(&self, level: RegionLevel) -> std::ops::RangeInclusive<u32> {
        let n = self.own_number(level);
        match level {
            RegionLevel::City | RegionLevel::County => 1..=99,
            RegionLevel::Township => match n {
                1..=99 => 1..=99,
                100..=199 => 100..=199,
                _ => 200..=399,
            },
            RegionLevel::Village => {
                if n <= 199 {
                    1..=199
                } else {
                    200..=399
                }
            }
            RegionLevel::Grid => 1..=999,
        }
    }

    pub fn township_kind(&self) -> Option<TownshipKind> {
        if self.0.len() != 12 {
            return None;
        }
        match self.0[6..9].parse::<u32>().ok()? {
            1..=99 => Some(TownshipKind::Street),
            100..=199 => Some(TownshipKind::Town),
            200..=399 => Some(TownshipKind::Township),
            _ => None,
        }
    }

    pub fn village_kind(&self) -> Option<VillageKind> {
        if self.0.len() != 12 || &self.0[9..12] == "000" {
            return None;
        }
        match self.0[9..12].parse::<u32>().ok()? {
            1..=199 => Some(VillageKind::Community),
            200..=399 => Some(VillageKind::Village),
            _ => None,
        }
    }
}

fn own_digits(level: RegionLevel) -> std::ops::Range<usize> {
    match level {
        RegionLevel::City => 2..4,
        RegionLevel::County => 4..6,
        RegionLevel::Township => 6..9,
        RegionLevel::Village => 9..12,
        RegionLevel::Grid => 12..15,
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The materialised path of a region: its ancestors' ids and its own, e.g. `/1/4/57/`.
///
/// A subtree is every path that starts with this one; stores query it as the
/// range `[path, path + "~")`, which an ordinary B-tree index serves on both engines
/// ('~' sorts after '/' and the digits in byte order).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RegionPath(String);

impl RegionPath {
    pub fn root(id: i64) -> Self {
        RegionPath(format!("/{id}/"))
    }

    pub fn child(&self, id: i64) -> Self {
        RegionPath(format!("{}{id}/", self.0))
    }

    /// Accept a stored path; rejects anything that is not `/id/id/…/`.
    pub fn parse(s: &str) -> Option<Self> {
        let inner = s.strip_prefix('/')?.strip_suffix('/')?;
        if inner.is_empty() || !inner.split('/').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())) {
            return None;
        }
        Some(RegionPath(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Upper bound (exclusive) of the subtree range.
    pub fn subtree_end(&self) -> String {
        format!("{}~", self.0)
    }

    pub fn contains(&self, other: &RegionPath) -> bool {
        other.0.starts_with(&self.0)
    }

    /// Ids from the root down to this region.
    pub fn ids(&self) -> Vec<i64> {
        self.0.split('/').filter(|p| !p.is_empty()).filter_map(|p| p.parse().ok()).collect()
    }

    pub fn id(&self) -> i64 {
        *self.ids().last().expect("a parsed path has at least one id")
    }

    /// The region `depth` levels from the root on this path (1: the city, 2: its county …),
    /// or this one when the path is shorter.
    pub fn ancestor(&self, depth: usize) -> RegionPath {
        let ids = self.ids();
        let mut path = RegionPath::root(ids[0]);
        for id in ids.iter().take(depth.max(1)).skip(1) {
            path = path.child(*id);
        }
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_real_dezhou_codes() {
        let city = RegionCode::parse(RegionLevel::City, "371400").unwrap();
        let county = RegionCode::parse_under(RegionLevel::County, "371402", &city).unwrap();
        let street = RegionCode::parse_under(RegionLevel::Township, "371402001000", &county).unwrap();
        assert_eq!(street.township_kind(), Some(TownshipKind::Street));
        let community = RegionCode::parse_under(RegionLevel::Village, "371402001003", &street).unwrap();
        assert_eq!(community.village_kind(), Some(VillageKind::Community));
        let village = RegionCode::parse(RegionLevel::Village, "371402101201").unwrap();
        assert_eq!(village.village_kind(), Some(VillageKind::Village));
        RegionCode::parse_under(RegionLevel::Grid, "371402001003001", &community).unwrap();
    }

    #[test]
    fn rejects_malformed_codes_with_reasons() {
        assert!(matches!(RegionCode::parse(RegionLevel::County, "3714"), Err(RegionError::BadLength { .. })));
        assert!(matches!(RegionCode::parse(RegionLevel::County, "37140x"), Err(RegionError::NotDigits(_))));
        assert!(matches!(RegionCode::parse(RegionLevel::County, "371400"), Err(RegionError::BadShape { .. })));
        assert!(matches!(RegionCode::parse(RegionLevel::Township, "371402001001"), Err(RegionError::BadShape { .. })));
        assert!(matches!(RegionCode::parse(RegionLevel::Grid, "371402001003000"), Err(RegionError::BadShape { .. })));
        let county = RegionCode::parse(RegionLevel::County, "371402").unwrap();
        assert!(matches!(
            RegionCode::parse_under(RegionLevel::Township, "371403001000", &county),
            Err(RegionError::NotUnderParent { .. })
        ));
    }

    #[test]
    fn codes_compose_under_a_new_parent() {
        let town = RegionCode::parse(RegionLevel::Township, "371403105000").unwrap();
        let village = RegionCode::parse(RegionLevel::Village, "371402101207").unwrap();
        assert_eq!(village.own_number(RegionLevel::Village), 207);
        let moved = RegionCode::compose(RegionLevel::Village, &town, 207).unwrap();
        assert_eq!(moved.as_str(), "371403105207");
        assert_eq!(village.number_range(RegionLevel::Village), 200..=399);
        let county = RegionCode::parse(RegionLevel::County, "371482").unwrap();
        assert_eq!(RegionCode::compose(RegionLevel::Township, &county, 12).unwrap().as_str(), "371482012000");
        assert!(RegionCode::compose(RegionLevel::Village, &town, 400).is_err());
    }

    #[test]
    fn paths_nest() {
        let city = RegionPath::root(1);
        let county = city.child(4);
        let town = county.child(57);
        assert_eq!(town.as_str(), "/1/4/57/");
        assert!(county.contains(&town));
        assert!(!town.contains(&county));
        assert!(!RegionPath::root(4).contains(&RegionPath::root(45)));
        assert_eq!(town.ids(), vec![1, 4, 57]);
        assert!(town.as_str() < town.subtree_end().as_str());
        assert!(RegionPath::parse("/1/x/").is_none());
        assert_eq!(RegionPath::parse("/1/4/").unwrap(), county);
    }
}
