-- Dispatchers' corrections (`reclassified` events) are what `pingan classifier train` learns
-- from; a partial index finds them without scanning every event of every case.
CREATE INDEX appeal_events_reclassified ON appeal_events (appeal_id, seq) WHERE kind = 'reclassified';
