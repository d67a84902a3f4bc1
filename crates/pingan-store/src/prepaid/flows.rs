//! Money flows: each accepted flow changes its card's and its merchant's balances and is
//! appended to the "prepaid" ledger in the same transaction, so a balance never differs from
//! the flows the ledger proves. A batch (an import) is all or nothing.

use super::PrepaidClient;
use crate::ledger::append_to_log;
use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool, write_audit};
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Actor, Placement, Resource};
use pingan_domain::audit::AuditEvent;
use pingan_domain::calendar::to_china;
use pingan_domain::prepaid::flow::{
    Balances, FLOW_LEAF_TYPE, FlowLeaf, Refusal, apply, card_commitment, receipt_code, sale_refusal,
};
use pingan_domain::prepaid::rules::EscrowFacts;
use pingan_domain::prepaid::{Flow, FlowKind, IssuerType, PrepaidRules};
use pingan_domain::region::RegionPath;
use serde::Serialize;
use std::collections::HashMap;

/// (id, path, regulator, issuer, opened on, closed, stop order, outstanding, escrow).
type MerchantRow = (i64, String, Option<i64>, String, String, Option<i64>, Option<String>, i64, i64);
/// (id, product, salt, balance).
type CardRow = (i64, Option<i64>, Option<Vec<u8>>, i64);

/// Who reports a batch of flows.
#[derive(Debug, Clone, Copy)]
pub enum FlowSender<'a> {
    /// A POS (its own merchant's card flows) or the escrow bank (escrow flows), by token.
    /// Sales are checked against stop orders and the escrow rule.
    Client(&'a PrepaidClient),
    /// Staff importing a file of flows that happened (a till's offline day, a bank
    /// statement): the supervising department or an administrator. Nothing that happened is
    /// refused, only what cannot have happened (an overdraft).
    Staff(&'a Actor),
    /// The synthetic city's history.
    Demo,
}

impl FlowSender<'_> {
    fn source(&self) -> String {
        match self {
            FlowSender::Client(c) => format!("api:{}", c.id),
            // One namespace for every importer: the same file imported twice, by anyone, is
            // recorded once.
            FlowSender::Staff(_) => "import".into(),
            FlowSender::Demo => "demo".into(),
        }
    }
}

/// A retry key: the same key with the same request replays the first answer.
#[derive(Debug, Clone)]
pub struct FlowIdempotency {
    pub key: String,
    pub request_hash: String,
}

/// An accepted flow, with the consumer's receipt.
#[derive(Debug, Clone, Serialize)]
pub struct RecordedFlow {
    pub flow_id: i64,
    pub merchant_id: i64,
    pub kind: FlowKind,
    pub amount_fen: i64,
    pub card_after_fen: Option<i64>,
    pub outstanding_after_fen: i64,
    pub escrow_after_fen: i64,
    pub ledger_index: u64,
    pub receipt: String,
    /// True when an idempotent retry returned the flow recorded the first time.
    pub replayed: bool,
}

/// A merchant's state as a batch changes it.
struct MerchantState {
    id: i64,
    path: RegionPath,
    regulator: Option<i64>,
    issuer: IssuerType,
    opened_on: chrono::NaiveDate,
    closed: bool,
    stop_order: Option<String>,
    outstanding: i64,
    escrow: i64,
    /// Redemptions of the last 90 days ÷ 3, loaded for the escrow rule on first sale.
    monthly_redemptions: Option<i64>,
}

struct CardState {
    id: Option<i64>,
    product_id: Option<i64>,
    salt: Vec<u8>,
    balance: i64,
}

struct Pending {
    merchant: String,
    card_key: Option<(i64, String)>,
    kind: FlowKind,
    amount: i64,
    occurred_ms: i64,
    reference: Option<String>,
    leaf: Vec<u8>,
    after: Balances,
}

/// A refusal at `label` (a file's row) or, for a single flow, as itself.
fn refused(label: &str, single: bool, field: &str, message: String) -> StoreError {
    if single {
        StoreError::Refused { status: 422, message }
    } else {
        StoreError::Invalid(vec![FieldError::new(format!("{label} {field}"), message)])
    }
}

pub(crate) fn months_between(from: chrono::NaiveDate, to: chrono::NaiveDate) -> u32 {
    use chrono::Datelike;
    let months =
        (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32 - i32::from(to.day() < from.day());
    months.max(0) as u32
}

impl Store {
    /// Record `flows` (each with a label naming it to the sender, e.g. `第 3 行`) in one
    /// transaction. With `idempotency` (a single API request), a retry returns what the first
    /// request recorded. Afterwards the merchants touched are assessed again.
    pub async fn record_prepaid_flows(
        &self,
        sender: FlowSender<'_>,
        flows: &[(String, Flow)],
        idempotency: Option<&FlowIdempotency>,
    ) -> Result<Vec<RecordedFlow>> {
        if let FlowSender::Staff(actor) = sender {
            super::require(actor, Action::Update)?;
        }
        if flows.is_empty() {
            return Ok(Vec::new());
        }
        let rules = self.prepaid_rules().await?.rules;
        let single = flows.len() == 1 && matches!(sender, FlowSender::Client(_));
        let source = sender.source();
        let lock = self.lock_clause();
        let now = now_ms();
        let recorded = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            // The ledger's head first: prepaid writes queue here, one at a time, so the
            // balances read below are the ones the leaves will follow.
            sqlx::query(
                "INSERT INTO ledger_logs (log, size, root) VALUES ('prepaid', 0, $1) ON CONFLICT (log) DO NOTHING",
            )
            .bind(pingan_ledger::EMPTY_ROOT.to_vec())
            .execute(&mut *tx)
            .await?;
            sqlx::query(&format!("SELECT size FROM ledger_logs WHERE log = 'prepaid' {lock}"))
                .execute(&mut *tx)
                .await?;
            if let Some(idem) = idempotency {
                // A batch keeps the key on its first flow and `key#i` on the others.
                let seen: Vec<(i64, Option<String>)> = sqlx::query_as(
                    "SELECT id, request_hash FROM prepaid_flows
                      WHERE source = $1 AND (idem_key = $2 OR substr(idem_key, 1, CAST($3 AS INTEGER)) = $4) ORDER BY id",
                )
                .bind(&source)
                .bind(&idem.key)
                .bind(idem.key.len() as i64 + 1)
                .bind(format!("{}#", idem.key))
                .fetch_all(&mut *tx)
                .await?;
                if let Some((_, hash)) = seen.first() {
                    if hash.as_deref() != Some(idem.request_hash.as_str()) {
                        return Err(StoreError::Conflict(
                            "幂等键已用于另一笔不同的请求 / this idempotency key was used for a different request"
                                .into(),
                        ));
                    }
                    tx.rollback().await?;
                    let ids: Vec<i64> = seen.iter().map(|(id, _)| *id).collect();
                    return self.recorded_flows(&ids, true).await;
                }
            }
            let mut merchants: HashMap<String, MerchantState> = HashMap::new();
            let mut cards: HashMap<(i64, String), CardState> = HashMap::new();
            let mut pending: Vec<Pending> = Vec::with_capacity(flows.len());
            for (label, flow) in flows {
                let licence = flow.merchant.as_str().to_owned();
                if !merchants.contains_key(&licence) {
                    let row: Option<MerchantRow> = sqlx::query_as(
                        "SELECT id, region_path, regulator_org_id, issuer_type, opened_on, closed_ms, stop_order,
                                    outstanding_fen, escrow_fen
                               FROM prepaid_merchants WHERE licence = $1",
                    )
                    .bind(&licence)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let Some((id, path, regulator, issuer, opened_on, closed_ms, stop_order, outstanding, escrow)) =
                        row
                    else {
                        return Err(refused(
                            label,
                            single,
                            "merchant",
                            format!("未登记的商户 {licence} / no merchant is registered with this code"),
                        ));
                    };
                    let path = RegionPath::parse(&path)
                        .ok_or_else(|| StoreError::Corrupt(format!("prepaid merchant {id}: path")))?;
                    let issuer = IssuerType::parse(&issuer)
                        .ok_or_else(|| StoreError::Corrupt(format!("prepaid merchant {id}: issuer type")))?;
                    let opened_on = chrono::NaiveDate::parse_from_str(&opened_on, "%Y-%m-%d")
                        .map_err(|_| StoreError::Corrupt(format!("prepaid merchant {id}: opened_on")))?;
                    merchants.insert(
                        licence.clone(),
                        MerchantState {
                            id,
                            path,
                            regulator,
                            issuer,
                            opened_on,
                            closed: closed_ms.is_some(),
                            stop_order,
                            outstanding,
                            escrow,
                            monthly_redemptions: None,
                        },
                    );
                }
                let m = merchants.get_mut(&licence).expect("inserted above");
                // Who may report what, for which merchant.
                match sender {
                    FlowSender::Client(c) if c.kind == "pos" => {
                        if c.merchant_id != Some(m.id) || !flow.kind.touches_card() {
                            return Err(StoreError::Refused {
                                status: 403,
                                message: "收银系统只能报送本商户的售卡、核销和退款 / a POS reports its own merchant's card flows only".into(),
                            });
                        }
                    }
                    FlowSender::Client(_) => {
                        if flow.kind.touches_card() {
                            return Err(StoreError::Refused {
                                status: 403,
                                message: "存管银行只能报送存管资金流水 / the escrow bank reports escrow flows only"
                                    .into(),
                            });
                        }
                    }
                    FlowSender::Staff(actor) => {
                        if !actor.scope.covers_region(&m.path) {
                            return Err(refused(
                                label,
                                single,
                                "merchant",
                                format!("商户 {licence} 不在您的范围内 / not in your scope"),
                            ));
                        }
                        actor.authorize(
                            Action::Update,
                            Resource::Prepaid,
                            &Placement { region: &m.path, org_id: m.regulator },
                        )?;
                    }
                    FlowSender::Demo => {}
                }
                let occurred_ms = flow.occurred_ms.unwrap_or(now);
                let mut card_key = None;
                let mut card_before = 0;
                if let Some(card_no) = &flow.card_no {
                    let key = (m.id, card_no.clone());
                    if !cards.contains_key(&key) {
                        let row: Option<CardRow> = sqlx::query_as(
                            "SELECT id, product_id, salt, balance_fen FROM prepaid_cards WHERE merchant_id = $1 AND card_no = $2",
                        )
                        .bind(m.id)
                        .bind(card_no)
                        .fetch_optional(&mut *tx)
                        .await?;
                        let card = match row {
                            Some((id, product_id, Some(salt), balance)) => {
                                CardState { id: Some(id), product_id, salt, balance }
                            }
                            Some((_, _, None, _)) => {
                                return Err(refused(
                                    label,
                                    single,
                                    "card_no",
                                    "该卡持卡人信息已依法删除,不能再记账 / this card's data was erased".into(),
                                ));
                            }
                            None if flow.kind == FlowKind::Sale => {
                                let product: Option<i64> = sqlx::query_scalar(
                                    "SELECT id FROM prepaid_products WHERE merchant_id = $1 AND code = $2",
                                )
                                .bind(m.id)
                                .bind(flow.product.as_deref().unwrap_or_default())
                                .fetch_optional(&mut *tx)
                                .await?;
                                if product.is_none() {
                                    return Err(refused(
                                        label,
                                        single,
                                        "product",
                                        format!(
                                            "商户没有编码为“{}”的商品 / no such product",
                                            flow.product.as_deref().unwrap_or_default()
                                        ),
                                    ));
                                }
                                CardState {
                                    id: None,
                                    product_id: product,
                                    salt: rand::random::<[u8; 16]>().to_vec(),
                                    balance: 0,
                                }
                            }
                            None => {
                                return Err(refused(
                                    label,
                                    single,
                                    "card_no",
                                    format!("没有这张卡:{card_no} / no such card"),
                                ));
                            }
                        };
                        cards.insert(key.clone(), card);
                    }
                    card_before = cards[&key].balance;
                    card_key = Some(key);
                }
                let before = Balances { card_fen: card_before, outstanding_fen: m.outstanding, escrow_fen: m.escrow };
                let after = apply(flow.kind, flow.amount_fen, before)
                    .map_err(|Refusal(why)| refused(label, single, "amount", why))?;
                if flow.kind == FlowKind::Sale && matches!(sender, FlowSender::Client(_)) {
                    if m.monthly_redemptions.is_none() {
                        let since = now - 90 * 86_400_000;
                        let sum: Option<i64> = sqlx::query_scalar(
                            "SELECT CAST(sum(amount_fen) AS BIGINT) FROM prepaid_flows
                              WHERE merchant_id = $1 AND kind = 'redemption' AND occurred_ms >= $2",
                        )
                        .bind(m.id)
                        .bind(since)
                        .fetch_one(&mut *tx)
                        .await?;
                        m.monthly_redemptions = Some(sum.unwrap_or(0) / 3);
                    }
                    let requirement = escrow_requirement(&rules, m, after.outstanding_fen, now);
                    if let Some(Refusal(why)) = sale_refusal(m.stop_order.as_deref(), m.closed, m.escrow, &requirement)
                    {
                        return Err(StoreError::Refused { status: 422, message: why });
                    }
                }
                m.outstanding = after.outstanding_fen;
                m.escrow = after.escrow_fen;
                let commitment = card_key.as_ref().map(|k| {
                    let card = cards.get_mut(k).expect("loaded above");
                    card.balance = after.card_fen;
                    card_commitment(&card.salt, &k.1)
                });
                let leaf = FlowLeaf {
                    amount_fen: flow.amount_fen,
                    at_ms: occurred_ms,
                    card: commitment,
                    card_after_fen: card_key.as_ref().map(|_| after.card_fen),
                    escrow_after_fen: after.escrow_fen,
                    kind: flow.kind,
                    merchant: licence.clone(),
                    outstanding_after_fen: after.outstanding_fen,
                    leaf_type: FLOW_LEAF_TYPE.into(),
                };
                pending.push(Pending {
                    merchant: licence,
                    card_key,
                    kind: flow.kind,
                    amount: flow.amount_fen,
                    occurred_ms,
                    reference: flow.reference.clone(),
                    leaf: leaf.canonical_bytes(),
                    after,
                });
            }
            // New cards, then the leaves, then the flow rows that point at both.
            for ((merchant_id, card_no), card) in cards.iter_mut() {
                if card.id.is_none() {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO prepaid_cards (merchant_id, card_no, product_id, salt, balance_fen, created_ms)
                         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    )
                    .bind(*merchant_id)
                    .bind(card_no)
                    .bind(card.product_id)
                    .bind(&card.salt)
                    .bind(card.balance)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
                    card.id = Some(id);
                } else {
                    sqlx::query("UPDATE prepaid_cards SET balance_fen = $1 WHERE id = $2")
                        .bind(card.balance)
                        .bind(card.id)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            let leaves: Vec<Vec<u8>> = pending.iter().map(|p| p.leaf.clone()).collect();
            let (_, first) = append_to_log!(tx, lock, "prepaid", &leaves, now);
            let mut out = Vec::with_capacity(pending.len());
            for (i, p) in pending.iter().enumerate() {
                let m = &merchants[&p.merchant];
                let index = first + i as u64;
                let leaf_hash = pingan_ledger::leaf_hash(&p.leaf);
                let card_id = p.card_key.as_ref().and_then(|k| cards[k].id);
                let key = idempotency.map(|k| if i == 0 { k.key.clone() } else { format!("{}#{i}", k.key) });
                let flow_id: i64 = sqlx::query_scalar(
                    "INSERT INTO prepaid_flows (merchant_id, card_id, kind, amount_fen, occurred_ms, recorded_ms, source,
                            reference, idem_key, request_hash, ledger_index, leaf_hash)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
                )
                .bind(m.id)
                .bind(card_id)
                .bind(p.kind.code())
                .bind(p.amount)
                .bind(p.occurred_ms)
                .bind(now)
                .bind(&source)
                .bind(&p.reference)
                .bind(key)
                .bind(idempotency.map(|k| k.request_hash.clone()))
                .bind(index as i64)
                .bind(leaf_hash.to_vec())
                .fetch_one(&mut *tx)
                .await?;
                out.push(RecordedFlow {
                    flow_id,
                    merchant_id: m.id,
                    kind: p.kind,
                    amount_fen: p.amount,
                    card_after_fen: p.card_key.as_ref().map(|_| p.after.card_fen),
                    outstanding_after_fen: p.after.outstanding_fen,
                    escrow_after_fen: p.after.escrow_fen,
                    ledger_index: index,
                    receipt: receipt_code(index, &leaf_hash),
                    replayed: false,
                });
            }
            for m in merchants.values() {
                sqlx::query("UPDATE prepaid_merchants SET outstanding_fen = $1, escrow_fen = $2 WHERE id = $3")
                    .bind(m.outstanding)
                    .bind(m.escrow)
                    .bind(m.id)
                    .execute(&mut *tx)
                    .await?;
            }
            // One audit event per request; each flow itself is in the ledger.
            if !matches!(sender, FlowSender::Demo) {
                let (actor_id, actor_name) = match sender {
                    FlowSender::Client(c) => (None, format!("{}:{}", c.kind, c.name)),
                    FlowSender::Staff(a) => (Some(a.account_id), a.username.clone()),
                    FlowSender::Demo => (None, "demo".into()),
                };
                let only = (merchants.len() == 1).then(|| merchants.values().next().map(|m| m.id)).flatten();
                let region = merchants.values().next().map(|m| m.path.as_str().to_owned()).unwrap_or_default();
                let event = AuditEvent {
                    at_ms: now,
                    actor_id,
                    actor_name,
                    action: "prepaid.flows_record".into(),
                    target_kind: "prepaid_merchant".into(),
                    target_id: only,
                    success: true,
                    before: serde_json::Value::Null,
                    after: serde_json::json!({ "flows": out.len(), "first_index": first, "source": source,
                        "merchants": merchants.len() }),
                };
                write_audit!(&mut *tx, &event, &region)?;
            }
            tx.commit().await?;
            out
        });
        let mut touched: Vec<i64> = recorded.iter().map(|r| r.merchant_id).collect();
        touched.sort_unstable();
        touched.dedup();
        if !matches!(sender, FlowSender::Demo) {
            for id in touched {
                // The flows are recorded; an assessment that fails is retried by the daily run.
                if let Err(e) = self.assess_prepaid_merchant(id, now_ms()).await {
                    tracing::warn!(merchant = id, error = %e, "prepaid assessment after a flow failed");
                }
            }
        }
        Ok(recorded)
    }

    /// Flows `ids` as receipts (an idempotent replay).
    async fn recorded_flows(&self, ids: &[i64], replayed: bool) -> Result<Vec<RecordedFlow>> {
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let sql = format!(
            "SELECT id, merchant_id, kind, amount_fen, ledger_index, leaf_hash FROM prepaid_flows WHERE id IN ({list}) ORDER BY id"
        );
        let rows: Vec<(i64, i64, String, i64, i64, Vec<u8>)> =
            on_pool!(&self.db, |pool| sqlx::query_as(&sql).fetch_all(pool).await)?;
        let mut out = Vec::new();
        for (flow_id, merchant_id, kind, amount_fen, index, leaf_hash) in rows {
            let entry = self.ledger_entry("prepaid", index as u64).await?;
            let leaf: FlowLeaf = serde_json::from_slice(&entry)
                .map_err(|e| StoreError::Corrupt(format!("prepaid leaf {index}: {e}")))?;
            out.push(RecordedFlow {
                flow_id,
                merchant_id,
                kind: FlowKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("flow {flow_id}: kind")))?,
                amount_fen,
                card_after_fen: leaf.card_after_fen,
                outstanding_after_fen: leaf.outstanding_after_fen,
                escrow_after_fen: leaf.escrow_after_fen,
                ledger_index: index as u64,
                receipt: receipt_code(index as u64, &leaf_hash),
                replayed,
            });
        }
        Ok(out)
    }

    /// The flow behind a receipt (public: the receipt is the consumer's own). `check` must
    /// match the leaf's hash, so an index alone reveals nothing.
    pub async fn prepaid_receipt(&self, index: u64, check: &str) -> Result<ReceiptRecord> {
        let row: Option<(i64, i64, Vec<u8>, Option<i64>)> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT f.id, f.merchant_id, f.leaf_hash, f.card_id FROM prepaid_flows f WHERE f.ledger_index = $1"
        )
        .bind(index as i64)
        .fetch_optional(pool)
        .await)?;
        let Some((flow_id, merchant_id, leaf_hash, card_id)) = row else { return Err(StoreError::NotFound) };
        if !hex::encode(&leaf_hash).starts_with(check) {
            return Err(StoreError::NotFound);
        }
        let entry = self.ledger_entry("prepaid", index).await?;
        let leaf: FlowLeaf =
            serde_json::from_slice(&entry).map_err(|e| StoreError::Corrupt(format!("prepaid leaf {index}: {e}")))?;
        let salt: Option<Vec<u8>> = match card_id {
            Some(id) => on_pool!(&self.db, |pool| sqlx::query_scalar("SELECT salt FROM prepaid_cards WHERE id = $1")
                .bind(id)
                .fetch_one(pool)
                .await)?,
            None => None,
        };
        let merchant = self.merchant_unscoped(merchant_id).await?;
        Ok(ReceiptRecord {
            flow_id,
            index,
            entry,
            leaf,
            merchant_name: merchant.name,
            merchant_brand: merchant.brand,
            salt,
        })
    }
}

/// A receipt's record: the ledger entry and what it says.
#[derive(Debug, Clone)]
pub struct ReceiptRecord {
    pub flow_id: i64,
    pub index: u64,
    pub entry: Vec<u8>,
    pub leaf: FlowLeaf,
    pub merchant_name: String,
    pub merchant_brand: String,
    /// The card's commitment salt (gone once the holder's data was erased).
    salt: Option<Vec<u8>>,
}

impl ReceiptRecord {
    /// Whether `card_no` is the card this record commits to.
    pub fn is_card(&self, card_no: &str) -> Option<bool> {
        let salt = self.salt.as_ref()?;
        Some(self.leaf.card.as_deref() == Some(card_commitment(salt, card_no.trim()).as_str()))
    }
}

fn escrow_requirement(
    rules: &PrepaidRules,
    m: &MerchantState,
    outstanding: i64,
    now: i64,
) -> pingan_domain::prepaid::EscrowRequirement {
    rules.escrow_requirement(&EscrowFacts {
        issuer: m.issuer,
        outstanding_fen: outstanding,
        months_open: months_between(m.opened_on, to_china(now).date()),
        monthly_redemptions_fen: m.monthly_redemptions.unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn months_count_whole_months() {
        let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(super::months_between(d(2025, 11, 28), d(2026, 11, 28)), 12);
        assert_eq!(super::months_between(d(2025, 11, 29), d(2026, 11, 28)), 11);
        assert_eq!(super::months_between(d(2026, 12, 1), d(2026, 11, 28)), 0);
    }
}
