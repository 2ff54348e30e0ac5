-- Task events (the 'e:' notifications of sql.ts eventNotify) only while some process subscribes,
-- as SQLite's sitq_events: without a subscriber, claims and completions call no pg_notify.
--
-- A notifying transaction takes a database-wide lock at commit and holds it through its WAL
-- flush (PostgreSQL's async.c, to keep the notification queue in commit order), so every claim
-- (asynchronous commit) waited for the durable completion in flight to reach the disk before it
-- could commit; and each event was a queue entry every listening backend of the database read,
-- and a message the worker's own LISTEN connection parsed and dropped.
--
-- One row: `until` (server clock, epoch ms) is pushed forward by every subscriber and renewed
-- while it subscribes (events.ts). Each statement reads it once, in the same snapshot as its
-- change, so a statement that starts after a subscribe committed sends its events.
CREATE TABLE events_wanted (
  one   boolean PRIMARY KEY DEFAULT true CHECK (one),
  until bigint NOT NULL
);
INSERT INTO events_wanted (until) VALUES (0);
