// Everything the host pushes without being asked: the UI never polls.
import type { BenchRunSummary } from './bench.js';
import type { EventStreamItem, HealthSample, LocalWorkerView, LogLine, ProfileHealth, ProfileView, QueuesSnapshot } from './models.js';

export interface Events {
  /** The saved profiles changed (this UI or another one saved/deleted). */
  'profiles.changed': {
    profiles: ProfileView[];
    /** Set while the config file cannot be read (the list is the last good one). */ problem?: string;
  };
  /** A health check finished. */
  health: { health: ProfileHealth; sample: HealthSample };
  /** Counts for the watched profile (sent when they change, at most a few times a second). */
  queues: QueuesSnapshot;
  /** Local workers' live numbers (about once a second while any runs, and on every state change). */
  workers: { workers: LocalWorkerView[] };
  'worker.log': { id: string; lines: LogLine[] };
  bench: { run: BenchRunSummary };
  /** What `tasks.follow` asked for, to that session only, in the order they happened. */
  'task.events': { profile: string; items: EventStreamItem[] };
}

export type EventName = keyof Events;
export type EventData<E extends EventName> = Events[E];
