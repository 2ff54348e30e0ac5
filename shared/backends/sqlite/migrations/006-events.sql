-- The task event log (events.ts): one row per write transaction that changed tasks while some
-- process subscribed to events (sitq_meta 'events_until' in the future), holding that
-- transaction's events in core/events.ts's wire form. Subscribers read what is newer than the
-- last row they saw; old rows are pruned as new ones come.
CREATE TABLE sitq_events (seq INTEGER PRIMARY KEY, body TEXT NOT NULL) STRICT;
