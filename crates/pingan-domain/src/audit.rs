//! Audit events: one per state change, written in the same transaction as the change.
//!
//! The encoding is canonical and must stay stable: a later ledger chains the
//! events by hashing [`AuditEvent::canonical_bytes`]. Fields are emitted in a
//! fixed order and JSON objects inside `before`/`after` with sorted keys
//! (serde_json's default map is ordered), with no insignificant white space.

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// Milliseconds since the Unix epoch, UTC.
    pub at_ms: i64,
    /// The acting account; `None` for the system itself (imports, generators, timers).
    pub actor_id: Option<i64>,
    pub actor_name: String,
    /// Dotted verb, e.g. `org.update`, `account.login`.
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<i64>,
    /// Whether the action succeeded (failed logins are audited too).
    pub success: bool,
    pub before: Value,
    pub after: Value,
}

impl AuditEvent {
    pub fn canonical_bytes(&self) -> Vec<u8> {
        // Struct fields serialise in declaration order; maps in `Value` are BTreeMaps.
        serde_json::to_vec(self).expect("audit events always serialise")
    }

    /// The event once a person's data is erased (PIPL): what was done, to what, when and with
    /// what result stays; who did it by name and the changed values go.
    pub fn redacted(&self) -> AuditEvent {
        AuditEvent {
            actor_name: REDACTED_NAME.into(),
            before: Value::Null,
            after: serde_json::json!({ "redacted": true }),
            ..self.clone()
        }
    }
}

/// The name an erased event shows in place of its actor's.
pub const REDACTED_NAME: &str = "[已删除]";

/// The ledger leaf of an audit event. It carries in the clear only what is not personal —
/// what was done, to which kind and number of record, in which region, when, with what result
/// — and a salted commitment to the whole event as stored. Erasing a person's data deletes the
/// salt and redacts the stored event; the leaf, and so the tree, stays as it was, while the
/// commitment can no longer be opened. Fields in alphabetical order, so that the serialisation
/// is canonical.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLeaf {
    pub action: String,
    pub at_ms: i64,
    pub audit_id: i64,
    /// Hex SHA-256 of `pingan.audit/v1\0 ‖ salt ‖ the event's canonical bytes`.
    pub commitment: String,
    pub region_path: String,
    pub success: bool,
    pub target_id: Option<i64>,
    pub target_kind: String,
    #[serde(rename = "type")]
    pub leaf_type: String,
}

pub const AUDIT_LEAF_TYPE: &str = "pingan.audit.event/v1";

/// The salt's length in bytes.
pub const AUDIT_SALT_LEN: usize = 32;

impl AuditLeaf {
    /// The leaf of the stored event `id` with its canonical bytes `encoded`.
    pub fn of(id: i64, region_path: &str, event: &AuditEvent, salt: &[u8], encoded: &[u8]) -> AuditLeaf {
        AuditLeaf {
            action: event.action.clone(),
            at_ms: event.at_ms,
            audit_id: id,
            commitment: audit_commitment(salt, encoded),
            region_path: region_path.to_owned(),
            success: event.success,
            target_id: event.target_id,
            target_kind: event.target_kind.clone(),
            leaf_type: AUDIT_LEAF_TYPE.into(),
        }
    }

    pub fn canonical_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("an audit leaf serialises")
    }
}

/// The salted commitment to an event's canonical bytes: anyone given the salt and the event
/// recomputes it; without the salt, the event's contents cannot be guessed from it.
pub fn audit_commitment(salt: &[u8], encoded: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"pingan.audit/v1\0");
    h.update(salt);
    h.update(encoded);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn encoding_is_canonical() {
        let e = AuditEvent {
            at_ms: 1,
            actor_id: Some(2),
            actor_name: "admin".into(),
            action: "org.update".into(),
            target_kind: "org".into(),
            target_id: Some(3),
            success: true,
            before: json!({"b": 1, "a": 2}),
            after: Value::Null,
        };
        assert_eq!(
            String::from_utf8(e.canonical_bytes()).unwrap(),
            r#"{"at_ms":1,"actor_id":2,"actor_name":"admin","action":"org.update","target_kind":"org","target_id":3,"success":true,"before":{"a":2,"b":1},"after":null}"#
        );
    }

    #[test]
    fn the_leaf_names_no_one_and_commits_to_the_event() {
        let e = AuditEvent {
            at_ms: 5,
            actor_id: Some(2),
            actor_name: "c.0123456789abcdef".into(),
            action: "appeal.file".into(),
            target_kind: "appeal".into(),
            target_id: Some(9),
            success: true,
            before: Value::Null,
            after: json!({"reporter_phone": "138****0000"}),
        };
        let bytes = e.canonical_bytes();
        let leaf = AuditLeaf::of(7, "/1/4/", &e, &[1; AUDIT_SALT_LEN], &bytes);
        let text = String::from_utf8(leaf.canonical_bytes()).unwrap();
        assert!(text.starts_with(r#"{"action":"appeal.file","at_ms":5,"audit_id":7,"commitment":""#), "{text}");
        assert!(text.ends_with(r#""type":"pingan.audit.event/v1"}"#), "{text}");
        assert!(!text.contains("c.0123") && !text.contains("138"), "{text}");
        // The commitment opens with the salt and the event, and with nothing else.
        assert_eq!(leaf.commitment, audit_commitment(&[1; AUDIT_SALT_LEN], &bytes));
        assert_ne!(leaf.commitment, audit_commitment(&[2; AUDIT_SALT_LEN], &bytes));
        assert_ne!(leaf.commitment, audit_commitment(&[1; AUDIT_SALT_LEN], &e.redacted().canonical_bytes()));
        let r = e.redacted();
        assert_eq!((r.action.as_str(), r.target_id, r.actor_name.as_str()), ("appeal.file", Some(9), REDACTED_NAME));
        assert!(!String::from_utf8(r.canonical_bytes()).unwrap().contains("138"));
    }
}
