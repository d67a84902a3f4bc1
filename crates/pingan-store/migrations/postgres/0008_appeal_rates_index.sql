-- The rates report (appeals/rates.rs) reads only the summary columns of the cases received in a
-- period. Rows also carry the text and the snapshot (kilobytes each); this covering index holds
-- everything the report reads, in received order, so that the report is an index-only scan
-- with a hash aggregate.
CREATE INDEX appeals_rates ON appeals (received_ms) INCLUDE (
    region_path, county_id, township_id,
    unit_org_id, unit_account_id, unit_region_id, unit_org_type, unit_name,
    first_dispatched_ms, first_contact_ms, contact_due_ms, resolve_due_ms, closed_ms, closed_on_time,
    reworked, returned, extended, callbacks, solved_callbacks, satisfied_callbacks, merged_into, updated_ms, id
);
-- The cases written after a past period's end: the only ones whose callbacks may postdate it.
CREATE INDEX appeals_updated ON appeals (updated_ms, received_ms);
-- The narrower indexes the report used before; nothing else reads by them, and every index
-- costs each case's insert and update.
DROP INDEX appeals_township_received;
DROP INDEX appeals_county_received;
