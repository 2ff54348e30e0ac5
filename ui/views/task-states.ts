// Task states in the order the UI shows them (the life of a task, left to right).
import { TASK_STATES } from '../../shared/core/rules.js';
import type { TaskPageView, TaskState } from '../../shared/protocol/models.js';

export type { TaskPageView, TaskState };

export const TASK_STATES_UI: readonly TaskState[] = TASK_STATES;
