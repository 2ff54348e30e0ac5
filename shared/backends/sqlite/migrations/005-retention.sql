-- Retention (Backend.prune): finished tasks of one queue and state, oldest finish first. Partial,
-- so pending and running tasks never enter it; a task enters it once, when it finishes.
CREATE INDEX sitq_tasks_finished ON sitq_tasks (queue, state, finished_at, id) WHERE state IN ('succeeded', 'dead', 'cancelled');
