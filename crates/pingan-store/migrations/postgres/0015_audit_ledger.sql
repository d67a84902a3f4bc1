-- The audit trail in the 'audit' ledger: each audit event, once sequenced, is a leaf holding
-- a salted commitment to the event (pingan_domain::audit::AuditLeaf). The salt lives here so
-- that erasing a person's data (PIPL) can delete it; the leaf stays and the tree stays valid.
CREATE TABLE audit_ledger (
    audit_id      BIGINT PRIMARY KEY,
    ledger_index  BIGINT NOT NULL UNIQUE,
    -- NULL once the event's personal data was erased.
    salt          BYTEA,
    sequenced_ms  BIGINT NOT NULL
);
CREATE INDEX audit_ledger_sequenced ON audit_ledger(sequenced_ms, audit_id);

-- An erasure redacts the stored event once: only `actor_name` and `encoded` may change, and
-- only together with setting `redacted_ms`. Everything else stays append-only.
ALTER TABLE audit_events ADD COLUMN redacted_ms BIGINT;
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.redacted_ms IS NULL AND NEW.redacted_ms IS NOT NULL
       AND NEW.id = OLD.id AND NEW.at_ms = OLD.at_ms AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
       AND NEW.action = OLD.action AND NEW.target_kind = OLD.target_kind
       AND NEW.target_id IS NOT DISTINCT FROM OLD.target_id AND NEW.success = OLD.success
       AND NEW.region_path = OLD.region_path THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit events are append-only; an erasure may redact one once';
END;
$$;
