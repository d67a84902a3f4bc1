//! "德为民" 品牌: the featured mediation studio or method a county, township or village
//! registers — 一县一品牌、一乡一特色、一村一亮点. One per region; its page shows the figures
//! of the body it names, or, for a method, of the whole region.

use crate::FieldError;
use crate::region::RegionLevel;
use serde::{Deserialize, Serialize};

pub const MAX_NAME_CHARS: usize = 40;
pub const MAX_SUMMARY_CHARS: usize = 2000;
/// A summary shorter than this says nothing a citizen could use.
pub const MIN_SUMMARY_CHARS: usize = 10;

super::code_enum! {
    /// What a brand is.
    BrandKind {
        /// 调解工作室: a named studio, usually around one well-known mediator
        Studio = "studio", "调解工作室", "Mediation studio";
        /// 调解工作法: a way of working, e.g. a five-step method
        Method = "method", "调解工作法", "Mediation method";
    }
}

/// The motto of a region's brand by its level; `None` where no brand is registered (the
/// city as a whole, a single grid).
pub fn tier_of(level: RegionLevel) -> Option<&'static str> {
    match level {
        RegionLevel::County => Some("一县一品牌"),
        RegionLevel::Township => Some("一乡一特色"),
        RegionLevel::Village => Some("一村一亮点"),
        RegionLevel::City | RegionLevel::Grid => None,
    }
}

/// A brand as a form or the API sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawBrand {
    pub name: String,
    pub kind: String,
    pub summary: String,
    /// The studio's mediation body, when the brand is one; its figures are the brand's.
    pub body_org_id: Option<i64>,
    /// 带头人: the mediator it is known by (a name as the public knows it; no personal data).
    #[serde(default)]
    pub lead: String,
}

/// A brand's checked content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrandDraft {
    pub name: String,
    pub kind: BrandKind,
    pub summary: String,
    pub body_org_id: Option<i64>,
    pub lead: Option<String>,
}

impl RawBrand {
    /// Check a brand for a region of `level`: a level that registers brands, a name, a kind,
    /// a summary of useful length, and — for a studio — its body.
    pub fn parse(&self, level: RegionLevel) -> Result<BrandDraft, Vec<FieldError>> {
        let mut errors = Vec::new();
        if tier_of(level).is_none() {
            errors.push(FieldError::new(
                "region_id",
                "品牌只能登记在县(市、区)、乡镇(街道)或村(社区) / a brand belongs to a county, township or village",
            ));
        }
        let name = self.name.trim();
        if name.is_empty() {
            errors.push(FieldError::new("name", "请填写品牌名称 / enter the brand's name"));
        } else if name.chars().count() > MAX_NAME_CHARS {
            errors.push(FieldError::new(
                "name",
                format!("品牌名称最多 {MAX_NAME_CHARS} 字 / at most {MAX_NAME_CHARS} characters"),
            ));
        }
        let kind = BrandKind::parse(self.kind.trim());
        if kind.is_none() {
            errors.push(FieldError::new("kind", "请选择调解工作室或调解工作法 / choose a studio or a method"));
        }
        let summary = self.summary.trim();
        let chars = summary.chars().count();
        if chars < MIN_SUMMARY_CHARS {
            errors.push(FieldError::new(
                "summary",
                format!(
                    "请用至少 {MIN_SUMMARY_CHARS} 字介绍品牌的做法和特色 / describe the brand in at least {MIN_SUMMARY_CHARS} characters"
                ),
            ));
        } else if chars > MAX_SUMMARY_CHARS {
            errors.push(FieldError::new(
                "summary",
                format!("品牌介绍最多 {MAX_SUMMARY_CHARS} 字 / at most {MAX_SUMMARY_CHARS} characters"),
            ));
        }
        if kind == Some(BrandKind::Studio) && self.body_org_id.is_none() {
            errors.push(FieldError::new(
                "body_org_id",
                "调解工作室须选择其调解组织,品牌页据此统计 / a studio names its mediation body, whose figures its page shows",
            ));
        }
        let lead = self.lead.trim();
        if lead.chars().count() > MAX_NAME_CHARS {
            errors.push(FieldError::new(
                "lead",
                format!("带头人最多 {MAX_NAME_CHARS} 字 / at most {MAX_NAME_CHARS} characters"),
            ));
        }
        match kind {
            Some(kind) if errors.is_empty() => Ok(BrandDraft {
                name: name.to_owned(),
                kind,
                summary: summary.to_owned(),
                // A method is the region's: its figures are the region's, whatever body was sent.
                body_org_id: if kind == BrandKind::Studio { self.body_org_id } else { None },
                lead: (!lead.is_empty()).then(|| lead.to_owned()),
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> RawBrand {
        RawBrand {
            name: "老张调解工作室".into(),
            kind: "studio".into(),
            summary: "以“一听二劝三调四回访”化解邻里和婚姻家庭纠纷。".into(),
            body_org_id: Some(7),
            lead: " 张德和 ".into(),
        }
    }

    #[test]
    fn a_studio_at_a_village_is_checked_and_trimmed() {
        let draft = raw().parse(RegionLevel::Village).unwrap();
        assert_eq!(draft.kind, BrandKind::Studio);
        assert_eq!(draft.lead.as_deref(), Some("张德和"));
        assert_eq!(tier_of(RegionLevel::Village), Some("一村一亮点"));
    }

    #[test]
    fn each_problem_is_named() {
        let bad =
            RawBrand {
                name: "".into(), kind: "club".into(), summary: "好".into(), body_org_id: None, lead: "".into()
            };
        let fields: Vec<_> = bad.parse(RegionLevel::Grid).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["region_id", "name", "kind", "summary"]);
        let studio_without_body = RawBrand { body_org_id: None, ..raw() };
        assert_eq!(studio_without_body.parse(RegionLevel::County).unwrap_err()[0].field, "body_org_id");
        let method = RawBrand { kind: "method".into(), body_org_id: None, ..raw() };
        assert!(method.parse(RegionLevel::Township).is_ok());
        let method_with_body = RawBrand { kind: "method".into(), ..raw() };
        assert_eq!(method_with_body.parse(RegionLevel::Township).unwrap().body_org_id, None);
        assert!(raw().parse(RegionLevel::City).is_err());
    }
}
