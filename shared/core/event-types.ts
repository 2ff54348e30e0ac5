// The task events the live stream (events.ts) yields, as types only: no Node.js types, so the
// protocol and the browser dashboard's code can import them.
import type { TaskProgress } from './progress.js';
import type { TaskErrorInfo } from './types.js';

export type TaskEventKind = 'enqueued' | 'started' | 'progress' | 'log' | 'retried' | 'succeeded' | 'failed' | 'dead' | 'cancelled';

export interface TaskEvent {
  kind: TaskEventKind;
  taskId: string;
  queue: string;
  /** When the backend made the change (epoch ms; the server's clock where it has one). */
  at: number;
  /** The attempt (started, progress, log, retried, succeeded, failed, dead). */
  attempt?: number;
  /** progress: the value reported. */
  progress?: TaskProgress;
  /** log: the lines added since the last event of this task. */
  lines?: string[];
  /** failed, retried, dead: the error (name and message). */
  error?: Pick<TaskErrorInfo, 'name' | 'message'>;
  /** retried: when the next attempt may start. */
  runAt?: number;
}

/** The stream lost events (a reconnect, or a consumer that fell behind): read the state afresh. */
export interface EventGap {
  kind: 'gap';
  at: number;
  reason: string;
}

export type EventStreamItem = TaskEvent | EventGap;

/** What a backend delivers to its subscriber. */
export interface EventSink {
  events(events: readonly TaskEvent[]): void;
  gap(reason: string): void;
}

/** Stops a backend subscription. */
export type Unsubscribe = () => Promise<void>;
