-- Idempotency keys are unique within their queue, as on every backend (a Redis Cluster keeps a
-- queue's keys in one slot, so a global key could not be checked in the same atomic step).
DROP INDEX tasks_idempotency;
CREATE UNIQUE INDEX tasks_idempotency ON tasks (queue, idempotency_key) WHERE idempotency_key IS NOT NULL;
