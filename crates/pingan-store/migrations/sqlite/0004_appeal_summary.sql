-- What the evaluation rates (DOMAIN §3) need of each case, kept on its row by every write
-- (from pingan_domain::appeal::CaseSummary's definitions), so that a year's rates are one
-- aggregate over narrow columns instead of a parse of every snapshot.
ALTER TABLE appeals ADD COLUMN county_id BIGINT;
ALTER TABLE appeals ADD COLUMN township_id BIGINT;
ALTER TABLE appeals ADD COLUMN first_dispatched_ms BIGINT;
ALTER TABLE appeals ADD COLUMN contact_due_ms BIGINT;
ALTER TABLE appeals ADD COLUMN first_contact_ms BIGINT;
ALTER TABLE appeals ADD COLUMN resolve_due_ms BIGINT;
-- NULL: not closed, or closed with its primary (not counted for punctuality).
ALTER TABLE appeals ADD COLUMN closed_on_time BOOLEAN;
ALTER TABLE appeals ADD COLUMN reworked BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE appeals ADD COLUMN returned BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE appeals ADD COLUMN extended BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE appeals ADD COLUMN callbacks INTEGER NOT NULL DEFAULT 0;
ALTER TABLE appeals ADD COLUMN solved_callbacks INTEGER NOT NULL DEFAULT 0;
ALTER TABLE appeals ADD COLUMN satisfied_callbacks INTEGER NOT NULL DEFAULT 0;
CREATE INDEX appeals_township_received ON appeals(township_id, received_ms);
CREATE INDEX appeals_county_received ON appeals(county_id, received_ms);
