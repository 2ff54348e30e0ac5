-- Retention's index (005) again, its condition written as ORs. SQLite evaluates a partial index's
-- condition for the old and the new row of every UPDATE that changes `state` (every claim, every
-- completion), and codes an IN list of three or more constants as a temporary b-tree it builds
-- for each run of the statement: two per completion, about a third of its cost. Two constants, or
-- ORs, are plain comparisons. The retention query (maintain.ts FINISHED_CONDITION) repeats this
-- condition word for word, which is how SQLite knows it may use the index.
DROP INDEX sitq_tasks_finished;
CREATE INDEX sitq_tasks_finished ON sitq_tasks (queue, state, finished_at, id) WHERE state = 'succeeded' OR state = 'dead' OR state = 'cancelled';
