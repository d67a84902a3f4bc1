-- The notifier's bookkeeping on the outbox (`notifications`, 0003) and each staff member's
-- read mark for their inbox.

-- When the row may next be claimed: a claim sets it to the end of its lease (so the rows of a
-- sender that crashed are taken again once the lease runs out), a failure to the end of its
-- backoff.
ALTER TABLE notifications ADD COLUMN next_attempt_ms BIGINT NOT NULL DEFAULT 0;
-- The claim that holds the row: only that claim may mark it sent or failed.
ALTER TABLE notifications ADD COLUMN claim TEXT;
-- Set when the notifier gave up after its last attempt; the row stays for the record.
ALTER TABLE notifications ADD COLUMN gave_up_ms BIGINT;
DROP INDEX notifications_unsent;
CREATE INDEX notifications_pending ON notifications(id) WHERE sent_ms IS NULL AND gave_up_ms IS NULL;
CREATE INDEX notifications_org ON notifications(org_id, id);

-- How far each account has read its inbox. A notice to an organisation is shared by its
-- staff, so "read" is per person: a mark on the row would read it for colleagues too.
CREATE TABLE notification_reads (
    account_id      BIGINT PRIMARY KEY REFERENCES accounts(id),
    last_read_id    BIGINT NOT NULL,
    read_ms         BIGINT NOT NULL
);
