-- Listings of a queue's pending tasks, newest first (inspect.ts). Without it a page of pending
-- tasks walked the queue's index (queue, id) past every finished task in the way: a queue that
-- keeps 1,000,000 finished tasks older than its backlog made the backlog's oldest page a walk of
-- all of them. Partial: a task enters it at enqueue (or when it becomes pending again) and leaves
-- it when claimed, one index write each on the hot path; finished tasks never touch it.
CREATE INDEX sitq_tasks_pending ON sitq_tasks (queue, id) WHERE state = 'pending';
