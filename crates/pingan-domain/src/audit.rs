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
}
