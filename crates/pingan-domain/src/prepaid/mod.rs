//! Prepaid consumption (预付式消费) supervision, DOMAIN §7: the merchants that sell prepaid
//! cards, their money flows, the escrow rule ([`rules`]), the risk model that turns a
//! merchant's indicators into a warning level and a credit grade ([`risk`]), and the canonical
//! ledger leaf of each money flow ([`flow`]).

pub mod flow;
pub mod registry;
pub mod risk;
pub mod rules;

pub use flow::{Flow, RawFlow};
pub use risk::{Assessment, Indicators, Reason, assess};
pub use rules::{EscrowRequirement, PrepaidRules};

use crate::FieldError;
use serde::{Deserialize, Serialize};

macro_rules! coded_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = ($code:literal, $zh:literal, $en:literal)),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
        pub enum $name { $($(#[$vm])* #[serde(rename = $code)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn code(self) -> &'static str { match self { $($name::$variant => $code),+ } }
            pub fn zh(self) -> &'static str { match self { $($name::$variant => $zh),+ } }
            pub fn en(self) -> &'static str { match self { $($name::$variant => $en),+ } }
            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim();
                Self::ALL.iter().copied().find(|v| v.code() == s || v.zh() == s)
            }
        }
    };
}

coded_enum! {
    /// The trades that sell prepaid cards and that the city watches.
    PrepaidIndustry {
        Fitness = ("fitness", "健身", "Fitness"),
        Beauty = ("beauty", "美容美发", "Beauty and hair"),
        Education = ("education", "教育培训", "Education and training"),
        Catering = ("catering", "餐饮", "Catering"),
        CarWash = ("car_wash", "洗车", "Car wash"),
        Housekeeping = ("housekeeping", "家政", "Housekeeping"),
        Swimming = ("swimming", "游泳", "Swimming"),
        Bathing = ("bathing", "洗浴", "Bathing"),
        Other = ("other", "其他", "Other"),
    }
}

coded_enum! {
    /// 发卡企业类型: the national rule sets the escrow ratio by the issuer's type.
    IssuerType {
        /// 集团发卡企业
        Group = ("group", "集团发卡企业", "Group issuer"),
        /// 品牌发卡企业
        Brand = ("brand", "品牌发卡企业", "Brand issuer"),
        /// 规模发卡企业
        Scale = ("scale", "规模发卡企业", "Scale issuer"),
        /// 其他发卡企业
        Other = ("other", "其他发卡企业", "Other issuer"),
    }
}

coded_enum! {
    /// What a card holds.
    ProductKind {
        /// 储值卡: money.
        StoredValue = ("stored_value", "储值卡", "Stored value"),
        /// 计次卡: sessions.
        Sessions = ("sessions", "计次卡", "Session card"),
        /// 期限卡: a period (month, year).
        Period = ("period", "期限卡", "Period card"),
    }
}

coded_enum! {
    /// 资金流水类型.
    FlowKind {
        Sale = ("sale", "售卡", "Card sale"),
        Redemption = ("redemption", "消费核销", "Redemption"),
        Refund = ("refund", "退款", "Refund"),
        EscrowDeposit = ("escrow_deposit", "存管存入", "Escrow deposit"),
        EscrowWithdrawal = ("escrow_withdrawal", "存管支取", "Escrow withdrawal"),
    }
}

coded_enum! {
    /// 预警等级: none, then blue (lowest) to red.
    WarningLevel {
        None = ("none", "正常", "Normal"),
        Blue = ("blue", "蓝色预警", "Blue"),
        Yellow = ("yellow", "黄色预警", "Yellow"),
        Orange = ("orange", "橙色预警", "Orange"),
        Red = ("red", "红色预警", "Red"),
    }
}

coded_enum! {
    /// 信用等级.
    CreditGrade {
        A = ("A", "A级(守信)", "A (trustworthy)"),
        B = ("B", "B级(基本守信)", "B (mostly trustworthy)"),
        C = ("C", "C级(失信风险)", "C (at risk)"),
        D = ("D", "D级(严重失信)", "D (untrustworthy)"),
    }
}

coded_enum! {
    /// What a regulator (or the platform) records about a merchant besides its money: the
    /// signals of DOMAIN §7 that no POS reports.
    SignalKind {
        /// 停止发卡令: the merchant must take no prepayments until lifted.
        StopOrder = ("stop_order", "停止发卡令", "Stop order"),
        /// 行政处罚
        Penalty = ("penalty", "行政处罚", "Administrative penalty"),
        /// 涉诉
        Lawsuit = ("lawsuit", "涉诉", "Lawsuit"),
        /// 失信被执行人
        Defaulter = ("defaulter", "失信被执行人", "Judgment defaulter"),
        /// 经营异常名录
        AbnormalListing = ("abnormal_listing", "经营异常名录", "Abnormal-operation listing"),
        /// 拒不退费 (found by a regulator from a complaint)
        RefundRefused = ("refund_refused", "拒不退费", "Refund refused"),
        /// 闭店通知
        ClosureNotice = ("closure_notice", "闭店通知", "Closure notice"),
        /// 迁址通知
        RelocationNotice = ("relocation_notice", "迁址通知", "Relocation notice"),
        /// 收款账户变更 (reported by the escrow bank)
        PayeeChange = ("payee_change", "收款账户变更", "Payee account changed"),
    }
}

impl SignalKind {
    /// Signals that stay in force until a regulator lifts them (the rest are events).
    pub fn is_standing(self) -> bool {
        matches!(self, SignalKind::StopOrder | SignalKind::Defaulter | SignalKind::AbnormalListing)
    }
}

impl WarningLevel {
    /// Orange and red open a tracked case and notify the regulator and the grid worker.
    pub fn opens_case(self) -> bool {
        self >= WarningLevel::Orange
    }
}

/// 统一社会信用代码 (GB 32100-2015): 18 characters whose last is a check character over the
/// first 17. A merchant's licence number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

const CODE_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const CODE_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

fn code_value(c: char) -> Option<u32> {
    CODE_CHARS.find(c).map(|i| i as u32)
}

impl CreditCode {
    pub fn parse(s: &str) -> Result<CreditCode, String> {
        let s = s.trim().to_ascii_uppercase();
        if s.chars().count() != 18 {
            return Err("统一社会信用代码须为 18 位 / a unified social credit code has 18 characters".into());
        }
        let values: Option<Vec<u32>> = s.chars().map(code_value).collect();
        let Some(values) = values else {
            return Err(
                "统一社会信用代码含有不允许的字符(不用 I、O、Z、S、V) / the code has a character it may not have"
                    .into(),
            );
        };
        if values[17] != check_value(&values[..17]) {
            return Err("统一社会信用代码校验位不符,请核对 / the code's check character is wrong: check it".into());
        }
        Ok(CreditCode(s))
    }

    /// The code whose first 17 characters are `body` (for synthetic data and tests).
    pub fn with_check(body: &str) -> Option<CreditCode> {
        let values: Option<Vec<u32>> = body.chars().map(code_value).collect();
        let values = values.filter(|v| v.len() == 17)?;
        let check = CODE_CHARS.chars().nth(check_value(&values) as usize)?;
        Some(CreditCode(format!("{body}{check}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn check_value(values: &[u32]) -> u32 {
    let sum: u32 = values.iter().zip(CODE_WEIGHTS).map(|(v, w)| v * w).sum();
    (31 - sum % 31) % 31
}

impl TryFrom<String> for CreditCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        CreditCode::parse(&s)
    }
}

impl From<CreditCode> for String {
    fn from(c: CreditCode) -> String {
        c.0
    }
}

/// Money in fen (分), parsed from yuan as people write it: `1280`, `1280.5`, `¥1,280.50`.
pub fn parse_yuan(field: &str, s: &str) -> Result<i64, FieldError> {
    let bad = || FieldError::new(field, format!("金额“{s}”无法识别,请写元,如 1280.50 / not an amount in yuan"));
    let t: String = s.trim().trim_start_matches(['¥', '￥']).chars().filter(|c| *c != ',').collect();
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    if whole.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) || frac.len() > 2 {
        return Err(bad());
    }
    if !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let yuan: i64 = whole.parse().map_err(|_| bad())?;
    let fen: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    // A single flow above ¥100 million is a typing mistake, not a card.
    if yuan > 100_000_000 {
        return Err(FieldError::new(field, "金额过大(单笔不超过 1 亿元) / an amount above ¥100 million"));
    }
    Ok(yuan * 100 + fen)
}

/// Fen as yuan with two decimals and thousands separators: `¥1,280.50`.
pub fn format_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    let whole = (fen / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}¥{grouped}.{:02}", fen % 100)
}

/// Escrow coverage as a band a consumer understands, from coverage and the required ratio
/// (both in per mille): 充足 at or above the requirement, 偏低 above half of it, else 不足.
pub fn coverage_band(coverage_permille: Option<i64>, required_permille: i64) -> (&'static str, &'static str) {
    match coverage_permille {
        None => ("无预收余额", "no outstanding balance"),
        Some(c) if c >= required_permille => ("充足", "sufficient"),
        Some(c) if c * 2 >= required_permille => ("偏低", "low"),
        Some(_) => ("不足", "insufficient"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_codes_check_their_last_character() {
        // A published example code (GB 32100-2015 annex style): valid check digit.
        let made = CreditCode::with_check("91371400MA3C12345").unwrap();
        assert_eq!(CreditCode::parse(made.as_str()).unwrap(), made);
        assert_eq!(CreditCode::parse(&made.as_str().to_lowercase()).unwrap(), made);
        let mut wrong = made.as_str().to_owned();
        let last = wrong.pop().unwrap();
        wrong.push(if last == '0' { '1' } else { '0' });
        assert!(CreditCode::parse(&wrong).unwrap_err().contains("校验位"));
        assert!(CreditCode::parse("91371400MA3C1234").unwrap_err().contains("18"));
        assert!(CreditCode::parse("91371400MA3C12345I").is_err());
        // Known real-world code (Alibaba (China) Co., Ltd.): check character must pass.
        assert!(CreditCode::parse("91330100799655058B").is_ok());
    }

    #[test]
    fn yuan_amounts_parse_to_fen_and_print_back() {
        assert_eq!(parse_yuan("a", "1280").unwrap(), 128_000);
        assert_eq!(parse_yuan("a", "1280.5").unwrap(), 128_050);
        assert_eq!(parse_yuan("a", "¥1,280.50").unwrap(), 128_050);
        assert_eq!(parse_yuan("a", "0.07").unwrap(), 7);
        for bad in ["", "-5", "1.234", "abc", "1.2.3", ".5", "200000000"] {
            assert!(parse_yuan("a", bad).is_err(), "{bad}");
        }
        assert_eq!(format_yuan(128_050), "¥1,280.50");
        assert_eq!(format_yuan(123_456_789), "¥1,234,567.89");
        assert_eq!(format_yuan(-7), "-¥0.07");
        assert_eq!(format_yuan(100_000), "¥1,000.00");
    }

    #[test]
    fn enums_parse_codes_and_chinese_names() {
        assert_eq!(PrepaidIndustry::parse("健身"), Some(PrepaidIndustry::Fitness));
        assert_eq!(PrepaidIndustry::parse("fitness"), Some(PrepaidIndustry::Fitness));
        assert_eq!(SignalKind::parse("closure_notice"), Some(SignalKind::ClosureNotice));
        assert!(WarningLevel::Red > WarningLevel::Orange && WarningLevel::Orange.opens_case());
        assert!(!WarningLevel::Yellow.opens_case());
        assert_eq!(coverage_band(Some(500), 400).0, "充足");
        assert_eq!(coverage_band(Some(250), 400).0, "偏低");
        assert_eq!(coverage_band(Some(100), 400).0, "不足");
    }
}
