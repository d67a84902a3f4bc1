-- The rates report (appeals/rates.rs) reads only the summary columns of the cases received in a
-- period. Rows also carry the text and the snapshot (kilobytes each), and SQLite has no hash
-- aggregate: reading the rows, or sorting a year of them for GROUP BY, cost most of a report's
-- time. These covering indexes hold everything the report reads, already in group order:
-- by township (then received time, so each township's period is one seek) and by unit.
CREATE INDEX appeals_rates_place ON appeals (
    township_id, received_ms, county_id, region_path, unit_org_id,
    first_dispatched_ms, first_contact_ms, contact_due_ms, resolve_due_ms, closed_ms, closed_on_time,
    reworked, returned, extended, callbacks, solved_callbacks, satisfied_callbacks, merged_into, updated_ms
);
CREATE INDEX appeals_rates_unit ON appeals (
    unit_org_id, unit_account_id, unit_region_id, unit_org_type, received_ms, region_path, unit_name,
    first_dispatched_ms, first_contact_ms, contact_due_ms, resolve_due_ms, closed_ms, closed_on_time,
    reworked, returned, extended, callbacks, solved_callbacks, satisfied_callbacks, merged_into, updated_ms
);
-- The cases written after a past period's end: the only ones whose callbacks may postdate it.
CREATE INDEX appeals_updated ON appeals (updated_ms, received_ms);
-- The narrower indexes the report used before; nothing else reads by them, and every index
-- costs each case's insert and update.
DROP INDEX appeals_township_received;
DROP INDEX appeals_county_received;
