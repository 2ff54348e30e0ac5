-- Retention (Backend.prune): finished tasks of a queue, oldest finish first. It names neither
-- `state` nor the lease columns (see 002: claims and renewals stay HOT updates); prune filters the
-- state on the rows it walks. A task enters it once, when it finishes.
CREATE INDEX tasks_finished ON tasks (queue, finished_at, id) WHERE finished_at IS NOT NULL;
