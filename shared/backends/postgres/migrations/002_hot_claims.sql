-- Claims and renewals as HOT updates: PostgreSQL rewrites no index entry for an update that
-- changes no indexed column (predicates included) and fits on the row's page. So no index may
-- mention `state` or the lease columns:
-- - one index serves claims, ordered like them, holding every unfinished task (a claim changes
--   neither its key nor its predicate); a finished task leaves it (finished_at is set);
-- - expired leases are found by that same scan (running tasks stay in it), so tasks_leased goes;
-- - the next due time comes from the same index, so tasks_delayed goes;
-- - pages keep room for the new row versions: half of each page, enough for a claim of every
--   row on it (fillfactor).
DROP INDEX tasks_ready;
DROP INDEX tasks_leased;
DROP INDEX tasks_delayed;
CREATE INDEX tasks_unfinished ON tasks (queue, priority DESC, run_at, seq) WHERE finished_at IS NULL;
ALTER TABLE tasks SET (fillfactor = 50);
