-- Task headers (the W3C trace context among them), and what a running handler reports: its last
-- progress and the tail of its log (an array of lines, oldest first, bounded by the core) with
-- how many older lines were dropped to keep that bound.
ALTER TABLE tasks ADD COLUMN headers jsonb;
ALTER TABLE tasks ADD COLUMN progress jsonb;
ALTER TABLE tasks ADD COLUMN log jsonb;
ALTER TABLE tasks ADD COLUMN log_dropped integer NOT NULL DEFAULT 0;
