//! The "6+N" industries' competent departments (主管部门): the department that reviews an
//! industry's applications. The industries themselves are [`crate::org::INDUSTRIES`].

use crate::org::INDUSTRIES;

/// Industry code → department code (of [`crate::org::DEPARTMENTS`]). A default: a city that
/// assigns an industry elsewhere changes this table.
const COMPETENT: &[(&str, &str)] = &[
    ("I01", "jiaoyu"),
    ("I02", "weijian"),
    ("I03", "jiaotong"),
    ("I04", "yingji"),
    ("I05", "wenlv"),
    ("I06", "shichang"),
    ("I07", "minzheng"),
    ("I08", "zhujian"),
    ("I09", "youzheng"),
    ("I10", "jinrong"),
    ("I11", "shangwu"),
    ("I12", "zhujian"),
    ("I13", "gongxin"),
    ("I14", "shuili"),
    ("I15", "zhujian"),
    ("I16", "yingji"),
    ("I17", "gongan"),
    ("I18", "shangwu"),
    ("I19", "shangwu"),
    ("I20", "shichang"),
    ("I21", "wenlv"),
    ("I22", "wenlv"),
    ("I23", "wenlv"),
    ("I24", "wenlv"),
    ("I25", "minzheng"),
    ("I26", "jiaoyu"),
    ("I27", "jiaoyu"),
    ("I28", "minzong"),
    ("I29", "jiguan"),
    ("I30", "nongye"),
    ("I31", "jiaotong"),
    ("I32", "jiaojing"),
    ("I33", "gongan"),
    ("I34", "gongxin"),
];

/// The department code that reviews units of `industry`.
pub fn competent_department(industry: &str) -> Option<&'static str> {
    COMPETENT.iter().find(|(i, _)| *i == industry).map(|(_, d)| *d)
}

/// Whether `industry` is one of the six traditional ones (平安校园, 平安医院, 平安交通, 平安企业,
/// 平安景区, 平安市场): the "6" of "6+N".
pub fn is_traditional(industry: &str) -> bool {
    INDUSTRIES.iter().take(6).any(|(code, _, _)| *code == industry)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::DEPARTMENTS;

    #[test]
    fn every_industry_has_a_known_competent_department() {
        for (code, name, _) in INDUSTRIES {
            let dept = competent_department(code).unwrap_or_else(|| panic!("{name} has no department"));
            assert!(DEPARTMENTS.iter().any(|(d, _, _)| *d == dept), "{name}: {dept}");
        }
        assert_eq!(COMPETENT.len(), INDUSTRIES.len());
        assert_eq!(competent_department("I01"), Some("jiaoyu"));
        assert!(is_traditional("I06") && !is_traditional("I07"));
    }
}
