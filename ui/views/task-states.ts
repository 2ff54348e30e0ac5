// Task states in the order the UI shows them (the life of a task, left to right).
import { TASK_STATES } from '../../shared/core/rules.js';
import type { TaskPageView, TaskState } from '../../shared/protocol/models.js';

export type { TaskPageView, TaskState };

export const TASK_STATES_UI: readonly TaskState[] = TASK_STATES;

/** What cancelling a running task does, said the same from its row and from its drawer. */
export const CANCEL_RUNNING_TEXT =
  "The worker running it is told within a second: its handler's signal is aborted and the task ends cancelled. You can requeue it later.";
