//! The registry's inputs: a merchant, a store, a prepaid product, as submitted and checked.

use super::{CreditCode, IssuerType, PrepaidIndustry, ProductKind};
use crate::FieldError;
use chrono::NaiveDate;
use serde::Deserialize;

fn text(errors: &mut Vec<FieldError>, field: &str, value: &str, max: usize, zh: &str) -> String {
    let v = value.trim();
    if v.is_empty() {
        errors.push(FieldError::new(field, format!("请填写{zh} / {field} is required")));
    } else if v.chars().count() > max {
        errors.push(FieldError::new(field, format!("{zh}不超过 {max} 个字 / at most {max} characters")));
    }
    v.to_owned()
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RawMerchant {
    pub licence: String,
    pub name: String,
    #[serde(default)]
    pub brand: String,
    pub legal_rep: String,
    pub industry: String,
    pub issuer_type: String,
    /// `YYYY-MM-DD`.
    pub opened_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMerchant {
    pub licence: CreditCode,
    pub name: String,
    pub brand: String,
    pub legal_rep: String,
    pub industry: PrepaidIndustry,
    pub issuer_type: IssuerType,
    pub opened_on: NaiveDate,
}

impl RawMerchant {
    pub fn parse(&self, today: NaiveDate) -> Result<NewMerchant, Vec<FieldError>> {
        let mut errors = Vec::new();
        let licence = CreditCode::parse(&self.licence).map_err(|m| errors.push(FieldError::new("licence", m))).ok();
        let name = text(&mut errors, "name", &self.name, 60, "商户名称");
        let brand = if self.brand.trim().is_empty() {
            name.clone()
        } else {
            text(&mut errors, "brand", &self.brand, 30, "招牌名")
        };
        let legal_rep = text(&mut errors, "legal_rep", &self.legal_rep, 30, "法定代表人");
        let industry = PrepaidIndustry::parse(&self.industry);
        if industry.is_none() {
            errors.push(FieldError::new("industry", "行业无法识别 / unknown industry"));
        }
        let issuer_type = IssuerType::parse(&self.issuer_type);
        if issuer_type.is_none() {
            errors.push(FieldError::new("issuer_type", "发卡企业类型无法识别 / unknown issuer type"));
        }
        let opened_on = match NaiveDate::parse_from_str(self.opened_on.trim(), "%Y-%m-%d") {
            Ok(d) if d <= today && d.year_ce().1 >= 1949 => Some(d),
            Ok(_) => {
                errors.push(FieldError::new("opened_on", "开业日期不能晚于今天 / the opening date is in the future"));
                None
            }
            Err(_) => {
                errors.push(FieldError::new("opened_on", "开业日期请写成 2024-03-01 / write the date as 2024-03-01"));
                None
            }
        };
        match (licence, industry, issuer_type, opened_on) {
            (Some(licence), Some(industry), Some(issuer_type), Some(opened_on)) if errors.is_empty() => {
                Ok(NewMerchant { licence, name, brand, legal_rep, industry, issuer_type, opened_on })
            }
            _ => Err(errors),
        }
    }
}

use chrono::Datelike;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RawStore {
    pub name: String,
    pub address: String,
    pub lon: f64,
    pub lat: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewStore {
    pub name: String,
    pub address: String,
    pub lon: f64,
    pub lat: f64,
}

impl RawStore {
    pub fn parse(&self) -> Result<NewStore, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = text(&mut errors, "name", &self.name, 60, "门店名称");
        let address = text(&mut errors, "address", &self.address, 120, "地址");
        if !(self.lon.is_finite()
            && self.lat.is_finite()
            && (73.0..=136.0).contains(&self.lon)
            && (3.0..=54.0).contains(&self.lat))
        {
            errors.push(FieldError::new("lon", "经纬度不在中国境内 / the coordinates are not in China"));
        }
        if errors.is_empty() { Ok(NewStore { name, address, lon: self.lon, lat: self.lat }) } else { Err(errors) }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RawProduct {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub price_fen: i64,
    #[serde(default)]
    pub sessions: Option<i64>,
    #[serde(default)]
    pub period_days: Option<i64>,
    /// The contract terms as sold (退费、转让、挂失 …).
    pub terms: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProduct {
    pub code: String,
    pub name: String,
    pub kind: ProductKind,
    pub price_fen: i64,
    pub sessions: Option<i64>,
    pub period_days: Option<i64>,
    pub terms: String,
    /// Clauses the 2025 judicial interpretation voids ("不退款", "丢失不补", "不得转让"),
    /// found in the terms: shown to the regulator, not refused (the contract exists).
    pub void_clauses: Vec<&'static str>,
}

/// Phrases of clauses that are void against consumers (DOMAIN §7).
const VOID_CLAUSES: &[&str] = &["不退", "概不退", "丢失不补", "遗失不补", "不得转让", "不可转让", "最终解释权"];

pub fn void_clauses(terms: &str) -> Vec<&'static str> {
    VOID_CLAUSES.iter().copied().filter(|c| terms.contains(c)).collect()
}

impl RawProduct {
    pub fn parse(&self) -> Result<NewProduct, Vec<FieldError>> {
        let mut errors = Vec::new();
        let code = self.code.trim().to_owned();
        if code.is_empty() || code.len() > 20 || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            errors.push(FieldError::new(
                "code",
                "商品编码为 1–20 位字母、数字或连字符 / 1–20 letters, digits or hyphens",
            ));
        }
        let name = text(&mut errors, "name", &self.name, 60, "商品名称");
        let kind = ProductKind::parse(&self.kind);
        if kind.is_none() {
            errors.push(FieldError::new("kind", "卡种无法识别(储值卡、计次卡、期限卡) / unknown card kind"));
        }
        if self.price_fen <= 0 || self.price_fen > 10_000_000_000 {
            errors.push(FieldError::new("price_fen", "售价须为正的分数 / a positive price in fen"));
        }
        if kind == Some(ProductKind::Sessions) && !self.sessions.is_some_and(|s| (1..=10_000).contains(&s)) {
            errors.push(FieldError::new("sessions", "计次卡须给出 1–10000 次 / a session card has 1–10000 sessions"));
        }
        if kind == Some(ProductKind::Period) && !self.period_days.is_some_and(|d| (1..=3660).contains(&d)) {
            errors.push(FieldError::new("period_days", "期限卡须给出 1–3660 天 / a period card lasts 1–3660 days"));
        }
        let terms = text(&mut errors, "terms", &self.terms, 2000, "合同条款");
        match kind {
            Some(kind) if errors.is_empty() => Ok(NewProduct {
                code,
                name,
                kind,
                price_fen: self.price_fen,
                sessions: self.sessions.filter(|_| kind == ProductKind::Sessions),
                period_days: self.period_days.filter(|_| kind == ProductKind::Period),
                void_clauses: void_clauses(&terms),
                terms,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_merchant_parses_and_each_mistake_is_named() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let raw = RawMerchant {
            licence: CreditCode::with_check("91371402MA3D00001").unwrap().as_str().into(),
            name: "德州力健健身服务有限公司".into(),
            brand: "力健健身".into(),
            legal_rep: "王建国".into(),
            industry: "健身".into(),
            issuer_type: "other".into(),
            opened_on: "2023-05-01".into(),
        };
        let m = raw.parse(today).unwrap();
        assert_eq!((m.industry, m.brand.as_str()), (PrepaidIndustry::Fitness, "力健健身"));
        let bad = RawMerchant { licence: "x".into(), opened_on: "2027-01-01".into(), industry: "?".into(), ..raw };
        let fields: Vec<String> = bad.parse(today).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["licence", "industry", "opened_on"]);
    }

    #[test]
    fn products_check_their_kind_and_flag_void_clauses() {
        let raw = RawProduct {
            code: "Y1".into(),
            name: "年卡".into(),
            kind: "期限卡".into(),
            price_fen: 198_000,
            period_days: Some(365),
            terms: "一经售出概不退换,丢失不补".into(),
            ..RawProduct::default()
        };
        let p = raw.parse().unwrap();
        assert_eq!(p.void_clauses, ["不退", "概不退", "丢失不补"]);
        let no_days = RawProduct { period_days: None, ..raw };
        assert_eq!(no_days.parse().unwrap_err()[0].field, "period_days");
        assert!(RawStore { name: "店".into(), address: "路".into(), lon: 0.0, lat: 0.0 }.parse().is_err());
    }
}
