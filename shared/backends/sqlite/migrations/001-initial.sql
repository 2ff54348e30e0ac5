-- sitq schema version 1. Applied once by schema.ts inside BEGIN IMMEDIATE.
-- Times are UTC epoch milliseconds.
--
-- Every index on a column that changes as a task moves (state, lease) costs a few microseconds per
-- move, on the path whose speed the benchmark measures. So the hot path touches only the primary
-- key and three small partial indexes; counts come from a counter table the same transactions keep
-- (counts.ts); listings use indexes that are written once, at enqueue.

CREATE TABLE sitq_tasks (
  id               TEXT PRIMARY KEY,       -- time-ordered (core/ids.ts): newest first = id DESC
  seq              INTEGER NOT NULL,       -- enqueue order (ties within priority and run_at)
  queue            TEXT NOT NULL,
  name             TEXT NOT NULL,
  payload          BLOB NOT NULL,
  serializer       TEXT NOT NULL,
  priority         INTEGER NOT NULL,
  run_at           INTEGER NOT NULL,
  enqueued_at      INTEGER NOT NULL,
  max_attempts     INTEGER NOT NULL,
  backoff          TEXT NOT NULL,          -- JSON BackoffOptions
  timeout_ms       INTEGER,
  idempotency_key  TEXT,
  state            TEXT NOT NULL,          -- pending | delayed | running | succeeded | dead | cancelled
  attempts         INTEGER NOT NULL DEFAULT 0,
  token            INTEGER NOT NULL DEFAULT 0,  -- fencing token: +1 on every claim, never reset
  started_at       INTEGER,
  finished_at      INTEGER,
  result           BLOB,
  error            TEXT,                   -- JSON TaskErrorInfo
  lease_owner      TEXT,
  lease_expires_at INTEGER
) STRICT;

-- Claim: the next ready tasks of a queue in claim order, read straight off this index.
CREATE INDEX sitq_tasks_ready ON sitq_tasks (queue, priority DESC, run_at, seq) WHERE state = 'pending';
-- Promotion of delayed tasks whose time has come, and the next wake-up time.
CREATE INDEX sitq_tasks_delayed ON sitq_tasks (run_at) WHERE state = 'delayed';
-- Reclaim of expired leases, and the next expiry time.
CREATE INDEX sitq_tasks_leases ON sitq_tasks (lease_expires_at) WHERE state = 'running';
CREATE UNIQUE INDEX sitq_tasks_idempotency ON sitq_tasks (idempotency_key) WHERE idempotency_key IS NOT NULL;
-- Listings by queue, newest first. Never updated after the insert.
CREATE INDEX sitq_tasks_queue ON sitq_tasks (queue, id);
-- Listings of failed and cancelled tasks, newest first (succeeding tasks never touch it).
CREATE INDEX sitq_tasks_failed ON sitq_tasks (state, id) WHERE state IN ('dead', 'cancelled');

-- The statements on the hot path name their partial index (INDEXED BY): without statistics the
-- planner could otherwise pick another index and scan.

-- Tasks per queue and state, exact at every commit: every statement that moves tasks adds its moves
-- in the same transaction (counts.ts). counts() and paging totals read this instead of counting rows.
CREATE TABLE sitq_counts (
  queue TEXT NOT NULL,
  state TEXT NOT NULL,
  n     INTEGER NOT NULL,
  PRIMARY KEY (queue, state)
) STRICT, WITHOUT ROWID;

CREATE TABLE sitq_workers (
  id         TEXT PRIMARY KEY,
  info       TEXT NOT NULL,                -- JSON WorkerInfo
  expires_at INTEGER NOT NULL              -- seenAt + ttl: live while in the future
) STRICT;
