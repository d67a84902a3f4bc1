//! Money flows (资金流水): card sales, redemptions, refunds, and the escrow bank's deposits and
//! withdrawals. Each flow that is accepted changes a card's and a merchant's balances and is
//! appended to the "prepaid" ledger as a canonical leaf that holds no personal data: the card
//! appears only as a salted commitment, so erasing the salt unlinks the card while the tree
//! stays valid.

use super::rules::EscrowRequirement;
use super::{FlowKind, format_yuan};
use crate::FieldError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A flow as submitted (a POS request, a bank message, an import row), before checking.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RawFlow {
    /// The merchant's 统一社会信用代码.
    pub merchant: String,
    pub kind: String,
    #[serde(default)]
    pub card_no: Option<String>,
    /// The product sold (its code), for a sale.
    #[serde(default)]
    pub product: Option<String>,
    /// Amount in fen (API) …
    #[serde(default)]
    pub amount_fen: Option<i64>,
    /// … or in yuan as written (files).
    #[serde(default)]
    pub amount: Option<String>,
    /// When it happened: `YYYY-MM-DD HH:MM[:SS]` China time, or RFC 3339; now when absent.
    #[serde(default)]
    pub occurred_at: Option<String>,
    /// The sender's own reference (POS slip or bank serial).
    #[serde(default)]
    pub reference: Option<String>,
}

/// A checked flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    pub merchant: super::CreditCode,
    pub kind: FlowKind,
    pub card_no: Option<String>,
    pub product: Option<String>,
    pub amount_fen: i64,
    pub occurred_ms: Option<i64>,
    pub reference: Option<String>,
}

fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_millis());
    }
    let china = chrono::FixedOffset::east_opt(8 * 3600)?;
    for f in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, f) {
            return t.and_local_timezone(china).single().map(|t| t.timestamp_millis());
        }
    }
    None
}

impl RawFlow {
    /// Check every field; `now_ms` bounds the time (a flow from the future is a clock error).
    pub fn parse(&self, now_ms: i64) -> Result<Flow, Vec<FieldError>> {
        let mut errors = Vec::new();
        let merchant =
            super::CreditCode::parse(&self.merchant).map_err(|m| errors.push(FieldError::new("merchant", m))).ok();
        let kind = FlowKind::parse(&self.kind);
        if kind.is_none() {
            errors.push(FieldError::new(
                "kind",
                format!(
                    "类型“{}”无法识别,可用:{} / unknown kind",
                    self.kind,
                    FlowKind::ALL.iter().map(|k| format!("{}({})", k.code(), k.zh())).collect::<Vec<_>>().join("、")
                ),
            ));
        }
        let card_no = self.card_no.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned);
        if let Some(c) = &card_no
            && (c.len() > 32 || !c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-'))
        {
            errors.push(FieldError::new(
                "card_no",
                "卡号须为 1–32 位字母、数字或连字符 / card numbers are 1–32 letters, digits or hyphens",
            ));
        }
        if let Some(k) = kind {
            if k.touches_card() && card_no.is_none() {
                errors.push(FieldError::new("card_no", format!("{}须给出卡号 / a card number is required", k.zh())));
            }
            if !k.touches_card() && card_no.is_some() {
                errors.push(FieldError::new("card_no", "存管流水不涉及卡号 / escrow flows carry no card number"));
            }
        }
        let product = self.product.as_deref().map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned);
        if kind == Some(FlowKind::Sale) && product.is_none() {
            errors.push(FieldError::new("product", "售卡须给出商品编码 / a sale names its product"));
        }
        let amount = match (self.amount_fen, self.amount.as_deref().map(str::trim).filter(|a| !a.is_empty())) {
            (Some(fen), None) if fen > 0 && fen <= 10_000_000_000 => Some(fen),
            (Some(_), None) => {
                errors.push(FieldError::new(
                    "amount_fen",
                    "金额须为正的分数,单笔不超过 1 亿元 / a positive amount in fen, at most ¥100 million",
                ));
                None
            }
            (None, Some(yuan)) => match super::parse_yuan("amount", yuan) {
                Ok(0) => {
                    errors.push(FieldError::new("amount", "金额须大于 0 / the amount must be above zero"));
                    None
                }
                Ok(fen) => Some(fen),
                Err(e) => {
                    errors.push(e);
                    None
                }
            },
            (Some(_), Some(_)) => {
                errors.push(FieldError::new(
                    "amount",
                    "amount 与 amount_fen 只给一个 / give amount or amount_fen, not both",
                ));
                None
            }
            (None, None) => {
                errors.push(FieldError::new("amount", "须给出金额 / the amount is required"));
                None
            }
        };
        let occurred_ms = match self.occurred_at.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => None,
            Some(t) => match parse_time(t) {
                Some(ms) if ms <= now_ms.saturating_add(5 * 60_000) => Some(ms),
                Some(_) => {
                    errors.push(FieldError::new(
                        "occurred_at",
                        "发生时间晚于现在,请核对设备时钟 / the time is in the future",
                    ));
                    None
                }
                None => {
                    errors.push(FieldError::new(
                        "occurred_at",
                        format!("时间“{t}”无法识别,请写 2026-11-28 14:30 / not a time"),
                    ));
                    None
                }
            },
        };
        let reference = self.reference.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned);
        if reference.as_ref().is_some_and(|r| r.chars().count() > 64) {
            errors.push(FieldError::new("reference", "流水号不超过 64 个字符 / a reference of at most 64 characters"));
        }
        match (merchant, kind, amount) {
            (Some(merchant), Some(kind), Some(amount_fen)) if errors.is_empty() => {
                Ok(Flow { merchant, kind, card_no, product, amount_fen, occurred_ms, reference })
            }
            _ => Err(errors),
        }
    }
}

impl FlowKind {
    /// Card flows change a card's balance; escrow flows only the merchant's escrow.
    pub fn touches_card(self) -> bool {
        matches!(self, FlowKind::Sale | FlowKind::Redemption | FlowKind::Refund)
    }
}

/// Balances before a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Balances {
    pub card_fen: i64,
    pub outstanding_fen: i64,
    pub escrow_fen: i64,
}

/// Why a flow is refused: a person at a till reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub String);

/// Balances after `kind` of `amount`, or why it cannot happen.
pub fn apply(kind: FlowKind, amount: i64, before: Balances) -> Result<Balances, Refusal> {
    let mut after = before;
    match kind {
        FlowKind::Sale => {
            after.card_fen += amount;
            after.outstanding_fen += amount;
        }
        FlowKind::Redemption | FlowKind::Refund => {
            if amount > before.card_fen {
                return Err(Refusal(format!(
                    "卡内余额 {} 不足 {} / the card holds less than the amount",
                    format_yuan(before.card_fen),
                    format_yuan(amount)
                )));
            }
            after.card_fen -= amount;
            after.outstanding_fen -= amount;
        }
        FlowKind::EscrowDeposit => after.escrow_fen += amount,
        FlowKind::EscrowWithdrawal => {
            if amount > before.escrow_fen {
                return Err(Refusal(format!(
                    "存管余额 {} 不足以支取 {} / the escrow holds less than the amount",
                    format_yuan(before.escrow_fen),
                    format_yuan(amount)
                )));
            }
            after.escrow_fen -= amount;
        }
    }
    Ok(after)
}

/// Why a new sale must be refused (DOMAIN §7): a stop order, a closed business, or escrow
/// that would not cover the requirement once the sale is made.
pub fn sale_refusal(
    stop_order: Option<&str>,
    closed: bool,
    escrow_fen: i64,
    after: &EscrowRequirement,
) -> Option<Refusal> {
    if let Some(why) = stop_order {
        return Some(Refusal(format!("该商户处于停止发卡令中,不得售卡:{why} / under a stop order: no sales")));
    }
    if closed {
        return Some(Refusal("该商户已登记闭店,不得售卡 / the merchant is registered closed: no sales".into()));
    }
    if escrow_fen < after.required_fen {
        return Some(Refusal(format!(
            "存管资金不足,不得售卡:售卡后须存管 {}({}),现存管 {} / escrow below the requirement: no sales",
            format_yuan(after.required_fen),
            after.rule_zh,
            format_yuan(escrow_fen)
        )));
    }
    None
}

/// The salted commitment to a card number that stands for the card in the ledger.
pub fn card_commitment(salt: &[u8], card_no: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"pingan.card/v1\0");
    h.update(salt);
    h.update(card_no.as_bytes());
    hex_of(&h.finalize())
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The ledger leaf of an accepted flow. Fields in alphabetical order, so that the JSON
/// serialisation is canonical (serde writes struct fields in declaration order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowLeaf {
    pub amount_fen: i64,
    pub at_ms: i64,
    pub card: Option<String>,
    pub card_after_fen: Option<i64>,
    pub escrow_after_fen: i64,
    pub kind: FlowKind,
    pub merchant: String,
    pub outstanding_after_fen: i64,
    #[serde(rename = "type")]
    pub leaf_type: String,
}

pub const FLOW_LEAF_TYPE: &str = "pingan.prepaid.flow/v1";

impl FlowLeaf {
    pub fn canonical_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a flow leaf serialises")
    }
}

/// The receipt code a consumer keeps: the leaf's index and the first 12 hex digits of its
/// hash, so that a code cannot be guessed from an index alone.
pub fn receipt_code(index: u64, leaf_hash: &[u8]) -> String {
    format!("PA-{index}-{}", &hex_of(leaf_hash)[..12])
}

/// `(index, check)` of a receipt code as typed.
pub fn parse_receipt(code: &str) -> Option<(u64, String)> {
    let code = code.trim().to_ascii_lowercase();
    let rest = code.strip_prefix("pa-")?;
    let (index, check) = rest.split_once('-')?;
    let check_ok = check.len() == 12 && check.chars().all(|c| c.is_ascii_hexdigit());
    check_ok.then_some(())?;
    Some((index.parse().ok()?, check.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prepaid::CreditCode;

    fn code() -> String {
        CreditCode::with_check("91371400MA3C12345").unwrap().as_str().to_owned()
    }

    #[test]
    fn a_sale_parses_and_mistakes_are_named_by_field() {
        let raw = RawFlow {
            merchant: code(),
            kind: "售卡".into(),
            card_no: Some(" C-001 ".into()),
            product: Some("P1".into()),
            amount: Some("1,280.00".into()),
            occurred_at: Some("2026-11-20 10:30".into()),
            ..RawFlow::default()
        };
        let f = raw.parse(i64::MAX).unwrap();
        assert_eq!((f.kind, f.card_no.as_deref(), f.amount_fen), (FlowKind::Sale, Some("C-001"), 128_000));
        assert_eq!(f.occurred_ms, Some(1_795_141_800_000));
        let bad = RawFlow { merchant: "123".into(), kind: "gift".into(), amount_fen: Some(-5), ..RawFlow::default() };
        let fields: Vec<String> = bad.parse(0).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["merchant", "kind", "amount_fen"]);
        let no_card =
            RawFlow { merchant: code(), kind: "redemption".into(), amount_fen: Some(1), ..RawFlow::default() };
        assert_eq!(no_card.parse(0).unwrap_err()[0].field, "card_no");
        let future = RawFlow { occurred_at: Some("2030-01-01 00:00".into()), ..raw.clone() };
        assert_eq!(future.parse(1_795_141_800_000).unwrap_err()[0].field, "occurred_at");
    }

    #[test]
    fn balances_move_and_overdrafts_are_refused() {
        let b = Balances { card_fen: 0, outstanding_fen: 1000, escrow_fen: 500 };
        let sold = apply(FlowKind::Sale, 300, b).unwrap();
        assert_eq!(sold, Balances { card_fen: 300, outstanding_fen: 1300, escrow_fen: 500 });
        assert!(apply(FlowKind::Redemption, 301, sold).unwrap_err().0.contains("不足"));
        let used = apply(FlowKind::Redemption, 100, sold).unwrap();
        assert_eq!((used.card_fen, used.outstanding_fen), (200, 1200));
        assert!(apply(FlowKind::EscrowWithdrawal, 501, b).is_err());
        assert_eq!(apply(FlowKind::EscrowDeposit, 1, b).unwrap().escrow_fen, 501);
    }

    #[test]
    fn sales_are_refused_under_a_stop_order_or_short_escrow() {
        let req = EscrowRequirement {
            percent: 40,
            required_fen: 4000,
            rule_zh: "规模发卡企业按 40% 存管".into(),
            rule_en: String::new(),
        };
        assert!(sale_refusal(Some("涉嫌跑路"), false, 9999, &req).unwrap().0.contains("停止发卡令"));
        assert!(sale_refusal(None, true, 9999, &req).unwrap().0.contains("闭店"));
        let short = sale_refusal(None, false, 3999, &req).unwrap().0;
        assert!(short.contains("¥40.00") && short.contains("¥39.99"), "{short}");
        assert_eq!(sale_refusal(None, false, 4000, &req), None);
    }

    #[test]
    fn leaves_are_canonical_and_receipts_round_trip() {
        let leaf = FlowLeaf {
            amount_fen: 100,
            at_ms: 1,
            card: Some(card_commitment(b"salt", "C-1")),
            card_after_fen: Some(100),
            escrow_after_fen: 0,
            kind: FlowKind::Sale,
            merchant: code(),
            outstanding_after_fen: 100,
            leaf_type: FLOW_LEAF_TYPE.into(),
        };
        let text = String::from_utf8(leaf.canonical_bytes()).unwrap();
        assert!(text.starts_with("{\"amount_fen\":100,\"at_ms\":1,\"card\":\""), "{text}");
        assert!(text.ends_with("\"type\":\"pingan.prepaid.flow/v1\"}"), "{text}");
        assert!(!text.contains("C-1"), "the card number never enters a leaf");
        assert_ne!(card_commitment(b"salt", "C-1"), card_commitment(b"salu", "C-1"));
        let code = receipt_code(42, &[0xab; 32]);
        assert_eq!(code, "PA-42-abababababab");
        assert_eq!(parse_receipt(" pa-42-ABABABABABAB "), Some((42, "abababababab".into())));
        assert_eq!(parse_receipt("PA-42-abab"), None);
        assert_eq!(parse_receipt("42-abababababab"), None);
    }
}
