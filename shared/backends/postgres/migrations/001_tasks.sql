-- Tasks and workers. Runs with search_path set to the backend's schema.
-- Times are epoch milliseconds (bigint), the same numbers the TypeScript types carry.
-- Every state change rewrites a row's entries in all indexes whose predicate it matches, so the
-- hot path (claim, complete) keeps to the few indexes below: the primary key, tasks_ready and
-- tasks_leased. Keys are COLLATE "C": byte order, the cheapest comparison.

CREATE TABLE tasks (
  id               text COLLATE "C" PRIMARY KEY,
  -- Enqueue order: the last tie-breaker of the claim order. Listings go newest first by id
  -- (ids are time-ordered), which needs no index of its own.
  seq              bigint GENERATED ALWAYS AS IDENTITY,
  queue            text COLLATE "C" NOT NULL,
  name             text NOT NULL,
  payload          bytea NOT NULL,
  serializer       text NOT NULL,
  priority         smallint NOT NULL,
  run_at           bigint NOT NULL,
  enqueued_at      bigint NOT NULL,
  max_attempts     integer NOT NULL,
  backoff          jsonb NOT NULL,
  timeout_ms       integer,
  idempotency_key  text COLLATE "C",
  -- 'delayed' whose run_at has passed reads as 'pending' (see rows.ts); no job has to flip it.
  state            text NOT NULL CHECK (state IN ('pending', 'delayed', 'running', 'succeeded', 'dead', 'cancelled')),
  attempts         integer NOT NULL DEFAULT 0,
  -- Fencing token: +1 on every claim, never reset (not even by requeue).
  token            bigint NOT NULL DEFAULT 0,
  started_at       bigint,
  finished_at      bigint,
  result           bytea,
  error            jsonb,
  lease_owner      text,
  lease_expires_at bigint
);

-- The claim scans this in claim order; only waiting tasks are in it, so it stays small.
CREATE INDEX tasks_ready ON tasks (queue, priority DESC, run_at, seq) WHERE state IN ('pending', 'delayed');
-- Expired leases (crashed workers) and the next lease expiry a waiting claimer sleeps until.
CREATE INDEX tasks_leased ON tasks (lease_expires_at) WHERE state = 'running';
-- The earliest delayed task, which a waiting claimer sleeps until. Only delayed tasks are in it.
CREATE INDEX tasks_delayed ON tasks (run_at) WHERE state = 'delayed';
-- Idempotent enqueue: ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL.
CREATE UNIQUE INDEX tasks_idempotency ON tasks (idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE TABLE workers (
  id         text PRIMARY KEY,
  info       jsonb NOT NULL,
  expires_at bigint NOT NULL
);
