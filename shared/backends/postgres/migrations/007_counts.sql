-- Per-queue, per-state task counts without a walk of the tasks (inspect.ts): counts() and every
-- listing's total were a GROUP BY or a count(*) over the table, O(tasks).
--
-- Every statement that inserts, updates or deletes tasks adds what it changed as rows of
-- `counts` (queue, state, +/- n), from a statement-level trigger that reads the statement's
-- transition tables: one insert of a few rows per statement, whatever the statement (enqueue,
-- claim, completion, cancel, requeue, prune), so no statement can forget to count. The rows are
-- only ever inserted, never updated: one counts row per queue that every claim and completion
-- updated would be a lock all the workers of a queue queue for, one transaction at a time.
-- Readers sum the rows; about one statement in 256 also folds them (fold_counts: delete the rows
-- its snapshot sees and insert their sums, in one statement), so the table stays at a few rows per
-- queue and state. The sum is exact in every snapshot: a fold's deletes and its sums commit
-- together, and rows written after its snapshot are left for the next fold.
--
-- A delayed task whose run_at has passed reads as pending (rows.ts) with no write to say so, so
-- delayed rows keep their run_at: a reader counts those with run_at <= now as pending. A fold
-- merges the past ones into one row (run_at 0); future ones stay one row per run_at, so the
-- counts cost grows with the distinct due times of delayed tasks, not with the other tasks.
-- No write between the count of the existing tasks and the triggers' first row (the migration's
-- transaction holds this lock until it commits).
LOCK TABLE tasks IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE counts (
  queue  text COLLATE "C" NOT NULL,
  state  text NOT NULL,
  run_at bigint,
  n      bigint NOT NULL
);

-- Every row dies at the next fold, and readers scan the dead ones until a vacuum: vacuum it after
-- every 1,000 dead rows rather than at a share of its (tiny) size.
ALTER TABLE counts SET (autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_scale_factor = 0);

INSERT INTO counts (queue, state, run_at, n)
  SELECT queue, state, CASE WHEN state = 'delayed' THEN run_at END, count(*) FROM tasks GROUP BY 1, 2, 3;

CREATE FUNCTION fold_counts() RETURNS void LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  now_ms bigint := (extract(epoch from statement_timestamp()) * 1000)::bigint;
BEGIN
  -- One folder at a time per schema (held to the end of the folding transaction).
  IF NOT pg_try_advisory_xact_lock(hashtext('sitq counts ' || current_schema())) THEN
    RETURN;
  END IF;
  WITH gone AS (DELETE FROM counts RETURNING queue, state, run_at, n)
  INSERT INTO counts (queue, state, run_at, n)
    SELECT queue, state, CASE WHEN run_at <= now_ms THEN 0 ELSE run_at END, sum(n)
    FROM gone GROUP BY 1, 2, 3 HAVING sum(n) <> 0;
END $$;

CREATE FUNCTION count_changes() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  -- Each statement's moves: its old rows leave their (queue, state), its new rows enter theirs.
  -- Renewals and progress reports change no state: their -1s and +1s cancel and nothing is written.
  IF TG_OP = 'INSERT' THEN
    INSERT INTO counts (queue, state, run_at, n)
      SELECT queue, state, CASE WHEN state = 'delayed' THEN run_at END, count(*) FROM new_rows GROUP BY 1, 2, 3;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO counts (queue, state, run_at, n)
      SELECT queue, state, CASE WHEN state = 'delayed' THEN run_at END, -count(*) FROM old_rows GROUP BY 1, 2, 3;
  ELSE
    INSERT INTO counts (queue, state, run_at, n)
      SELECT queue, state, run_at, sum(n) FROM (
        SELECT queue, state, CASE WHEN state = 'delayed' THEN run_at END AS run_at, -1 AS n FROM old_rows
        UNION ALL
        SELECT queue, state, CASE WHEN state = 'delayed' THEN run_at END, 1 FROM new_rows
      ) moved GROUP BY 1, 2, 3 HAVING sum(n) <> 0;
  END IF;
  IF random() < 1.0 / 256 THEN PERFORM fold_counts(); END IF;
  RETURN NULL;
END $$;

-- One trigger per event: a trigger with transition tables may have only one.
CREATE TRIGGER tasks_count_inserted AFTER INSERT ON tasks REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE PROCEDURE count_changes();
CREATE TRIGGER tasks_count_updated AFTER UPDATE ON tasks REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE PROCEDURE count_changes();
CREATE TRIGGER tasks_count_deleted AFTER DELETE ON tasks REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE PROCEDURE count_changes();

-- Listings by queue in id order (newest first), split at finished_at like tasks_unfinished and
-- tasks_finished: a page of a queue's waiting or running tasks walks only its unfinished ones, a
-- page of its finished tasks only its finished ones, whichever end of the queue they sit at.
-- Neither names `state` or a lease column, so claims and renewals stay HOT (002); a task enters
-- the first at enqueue and the second when it finishes (a completion is not HOT: finished_at).
CREATE INDEX tasks_unfinished_id ON tasks (queue, id) WHERE finished_at IS NULL;
CREATE INDEX tasks_finished_id ON tasks (queue, id) WHERE finished_at IS NOT NULL;
