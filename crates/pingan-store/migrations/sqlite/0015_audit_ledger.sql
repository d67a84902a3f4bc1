-- The audit trail in the 'audit' ledger: each audit event, once sequenced, is a leaf holding
-- a salted commitment to the event (pingan_domain::audit::AuditLeaf). The salt lives here so
-- that erasing a person's data (PIPL) can delete it; the leaf stays and the tree stays valid.
CREATE TABLE audit_ledger (
    audit_id      BIGINT PRIMARY KEY,
    ledger_index  BIGINT NOT NULL UNIQUE,
    -- NULL once the event's personal data was erased.
    salt          BLOB,
    sequenced_ms  BIGINT NOT NULL
);
CREATE INDEX audit_ledger_sequenced ON audit_ledger(sequenced_ms, audit_id);

-- An erasure redacts the stored event once: only `actor_name` and `encoded` may change, and
-- only together with setting `redacted_ms`. Everything else stays append-only.
ALTER TABLE audit_events ADD COLUMN redacted_ms BIGINT;
DROP TRIGGER audit_events_no_update;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
WHEN OLD.redacted_ms IS NOT NULL OR NEW.redacted_ms IS NULL
  OR NEW.id IS NOT OLD.id OR NEW.at_ms IS NOT OLD.at_ms OR NEW.actor_id IS NOT OLD.actor_id
  OR NEW.action IS NOT OLD.action OR NEW.target_kind IS NOT OLD.target_kind
  OR NEW.target_id IS NOT OLD.target_id OR NEW.success IS NOT OLD.success
  OR NEW.region_path IS NOT OLD.region_path
BEGIN SELECT RAISE(ABORT, 'audit events are append-only; an erasure may redact one once'); END;
