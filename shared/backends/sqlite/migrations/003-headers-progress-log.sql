-- Task headers (the W3C trace context among them, as JSON text), and what a running handler
-- reports: its last progress (JSON text) and the tail of its log (a JSON array of lines, oldest
-- first, bounded by the core) with how many older lines were dropped to keep that bound.
ALTER TABLE sitq_tasks ADD COLUMN headers TEXT;
ALTER TABLE sitq_tasks ADD COLUMN progress TEXT;
ALTER TABLE sitq_tasks ADD COLUMN log TEXT;
ALTER TABLE sitq_tasks ADD COLUMN log_dropped INTEGER NOT NULL DEFAULT 0;
