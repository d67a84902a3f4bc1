//! The prepaid tables against the prepaid ledger. `ledger verify` proves the log is what its
//! history says; this proves the tables the platform reads (flows, balances) are what the log
//! says: a flow row edited, deleted or added by hand, a card re-pointed at another holder, or a
//! balance changed in place no longer matches the leaves.

use crate::ledger::Divergence;
use crate::{Result, Store, on_pool};
use pingan_domain::prepaid::flow::{FLOW_LEAF_TYPE, FlowLeaf, card_commitment};
use std::collections::HashMap;

/// What the check of the tables against the leaves found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowsCheck {
    /// Flow rows checked against their leaves.
    pub flows: u64,
    /// Of those, flows on cards erased under PIPL (their commitment can no longer be opened).
    pub erased: u64,
    pub divergence: Option<Divergence>,
}

/// (ledger index, flow id, kind, amount, occurred, leaf hash, licence, card id, card number,
/// salt, card erased, entry).
type FlowRow = (
    i64,
    i64,
    String,
    i64,
    i64,
    Vec<u8>,
    String,
    Option<i64>,
    Option<String>,
    Option<Vec<u8>>,
    Option<i64>,
    Option<Vec<u8>>,
);

impl Store {
    /// Walk the flows in ledger order. Every entry of the log must have exactly one flow row
    /// saying the same thing (kind, amount, time, merchant, the card's commitment where its
    /// salt is kept, the leaf's hash); afterwards every merchant's outstanding balance and
    /// escrow, and every card's balance, must equal what its last leaf says.
    pub async fn prepaid_flows_verify(&self) -> Result<FlowsCheck> {
        const PAGE: i64 = 5_000;
        let size: i64 = on_pool!(&self.db, |pool| sqlx::query_scalar(
            "SELECT COALESCE((SELECT size FROM ledger_logs WHERE log = 'prepaid'), 0)"
        )
        .fetch_one(pool)
        .await)?;
        let mut check = FlowsCheck { flows: 0, erased: 0, divergence: None };
        let mut merchants: HashMap<String, (i64, i64)> = HashMap::new();
        let mut cards: HashMap<i64, i64> = HashMap::new();
        let mut expected = 0i64;
        let diverge = |mut check: FlowsCheck, entry: i64, reason: String| {
            check.divergence = Some(Divergence { entry: Some(entry as u64), reason });
            Ok(check)
        };
        loop {
            let rows: Vec<FlowRow> = on_pool!(&self.db, |pool| sqlx::query_as(
                "SELECT f.ledger_index, f.id, f.kind, f.amount_fen, f.occurred_ms, f.leaf_hash, m.licence,
                        f.card_id, c.card_no, c.salt, c.erased_ms, e.entry
                   FROM prepaid_flows f
                   JOIN prepaid_merchants m ON m.id = f.merchant_id
                   LEFT JOIN prepaid_cards c ON c.id = f.card_id
                   LEFT JOIN ledger_entries e ON e.log = 'prepaid' AND e.idx = f.ledger_index
                  WHERE f.ledger_index >= $1 ORDER BY f.ledger_index LIMIT $2"
            )
            .bind(expected)
            .bind(PAGE)
            .fetch_all(pool)
            .await)?;
            if rows.is_empty() {
                break;
            }
            for (index, flow_id, kind, amount, occurred, leaf_hash, licence, card_id, card_no, salt, erased, entry) in
                rows
            {
                if index >= size {
                    return diverge(check, index, format!("flow {flow_id} points at entry {index}, beyond the log"));
                }
                if index != expected {
                    return diverge(check, expected, format!("entry {expected} has no flow row (deleted?)"));
                }
                expected += 1;
                let Some(entry) = entry else {
                    return diverge(check, index, format!("entry {index} of flow {flow_id} is missing from the log"));
                };
                let leaf = match serde_json::from_slice::<FlowLeaf>(&entry) {
                    Ok(leaf) if leaf.leaf_type == FLOW_LEAF_TYPE => leaf,
                    _ => return diverge(check, index, format!("entry {index} is not a prepaid flow leaf")),
                };
                if pingan_ledger::leaf_hash(&entry).as_slice() != leaf_hash.as_slice() {
                    return diverge(check, index, format!("flow {flow_id} keeps another leaf hash than entry {index}"));
                }
                let same = leaf.kind.code() == kind
                    && leaf.amount_fen == amount
                    && leaf.at_ms == occurred
                    && leaf.merchant == licence
                    && leaf.card.is_some() == card_id.is_some();
                if !same {
                    return diverge(
                        check,
                        index,
                        format!("flow {flow_id} was changed: it no longer says what entry {index} says"),
                    );
                }
                if let (Some(card), Some(commitment)) = (card_id, &leaf.card) {
                    match (&salt, &card_no) {
                        (Some(salt), Some(no)) if card_commitment(salt, no) != *commitment => {
                            return diverge(
                                check,
                                index,
                                format!("card {card} of flow {flow_id} no longer opens the leaf's commitment"),
                            );
                        }
                        (Some(_), _) => {}
                        (None, _) if erased.is_some() => check.erased += 1,
                        (None, _) => {
                            return diverge(check, index, format!("card {card} lost its salt without an erasure"));
                        }
                    }
                    cards.insert(card, leaf.card_after_fen.unwrap_or_default());
                }
                merchants.insert(licence, (leaf.outstanding_after_fen, leaf.escrow_after_fen));
                check.flows += 1;
            }
        }
        if expected != size {
            return diverge(check, expected, format!("entry {expected} has no flow row (deleted?)"));
        }
        let last = (expected - 1).max(0);
        let held: Vec<(String, i64, i64)> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT licence, outstanding_fen, escrow_fen FROM prepaid_merchants ORDER BY id"
        )
        .fetch_all(pool)
        .await)?;
        for (licence, outstanding, escrow) in held {
            let (want_outstanding, want_escrow) = merchants.get(&licence).copied().unwrap_or((0, 0));
            if (outstanding, escrow) != (want_outstanding, want_escrow) {
                return diverge(
                    check,
                    last,
                    format!(
                        "merchant {licence} holds outstanding {outstanding} and escrow {escrow} fen; its flows say {want_outstanding} and {want_escrow}"
                    ),
                );
            }
        }
        let balances: Vec<(i64, i64)> =
            on_pool!(&self.db, |pool| sqlx::query_as("SELECT id, balance_fen FROM prepaid_cards ORDER BY id")
                .fetch_all(pool)
                .await)?;
        for (card, balance) in balances {
            let want = cards.get(&card).copied().unwrap_or_default();
            if balance != want {
                return diverge(check, last, format!("card {card} holds {balance} fen; its flows say {want}"));
            }
        }
        Ok(check)
    }
}
