-- Idempotency keys are unique within their queue (as on every backend: a Redis Cluster keeps a
-- queue's keys in one slot, so a global key could not be checked in the same atomic step).
DROP INDEX sitq_tasks_idempotency;
CREATE UNIQUE INDEX sitq_tasks_idempotency ON sitq_tasks (queue, idempotency_key) WHERE idempotency_key IS NOT NULL;
