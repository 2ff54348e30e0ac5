import type { TaskState } from '../../core/types.js';

// Key names. Everything lives under the configured prefix. A queue's keys share the hash tag
// `{q:<queue>}` so each Lua script over one queue touches one Redis Cluster slot; the few global
// keys (queue list, id -> queue index, workers, coordination state) have tags of their own and are never mixed into a
// queue's script. The per-queue layout is described in scripts/includes/common.lua.

export class RedisKeys {
  /** Set of queue names ever enqueued to. */
  /** The layout version of the keys under this prefix (see REDIS_LAYOUT_VERSION). */
  readonly layout: string;
  readonly queues: string;
  /** Hash task id -> queue, so a task is found by id alone (its record key names the queue). */
  readonly taskQueue: string;
  /** Hash worker id -> WorkerInfo JSON. */
  readonly workers: string;
  /** Zset worker id -> ms until which its heartbeat keeps it live. */
  readonly workersLive: string;
  /** Pub/sub channel: ids of tasks that just finished (for waitForFinish). */
  readonly finishedChannel: string;
  /** Coordination state (state.ts): hash key -> '<version>:<value>', and a zset of the keys for
   *  listing by prefix; both under the {state} tag (one cluster slot). */
  readonly stateEntries: string;
  readonly stateKeys: string;
  /** Pub/sub channel: task events (core/events.ts's wire form); the scripts name it
   *  finishedChannel + ':events'. */
  readonly eventsChannel: string;

  constructor(readonly prefix: string) {
    this.layout = `${prefix}{meta}:layout`;
    this.queues = `${prefix}{meta}:queues`;
    this.taskQueue = `${prefix}{meta}:task-queue`;
    this.workers = `${prefix}{workers}:info`;
    this.workersLive = `${prefix}{workers}:live`;
    this.finishedChannel = `${prefix}finished`;
    this.stateEntries = `${prefix}{state}:entries`;
    this.stateKeys = `${prefix}{state}:keys`;
    this.eventsChannel = `${this.finishedChannel}:events`;
  }

  /** The common start of every key of one queue. */
  queueBase(queue: string): string {
    return `${this.prefix}{q:${queue}}:`;
  }

  /** The key each queue script receives (the scripts derive the queue's other keys from it). */
  ready(queue: string): string {
    return `${this.queueBase(queue)}ready`;
  }

  task(queue: string, id: string): string {
    return `${this.queueBase(queue)}task:${id}`;
  }

  /** The zset that lists one state's tasks (or all tasks of the queue), and how its members
   *  name a task: `ready` members are `<seq>:<id>`. */
  index(queue: string, state: TaskState | 'all'): { key: string; idOf: (member: string) => string } {
    const base = this.queueBase(queue);
    const plain = (member: string) => member;
    switch (state) {
      case 'pending':
        return { key: `${base}ready`, idOf: (member) => member.slice(17) };
      case 'delayed':
      case 'running':
      case 'all':
        return { key: `${base}${state}`, idOf: plain };
      default:
        return { key: `${base}s:${state}`, idOf: plain };
    }
  }

  wake(queue: string): string {
    return `${this.queueBase(queue)}wake`;
  }

  /** A list only one blocking connection waits on, so an aborted claim can interrupt its BLPOP.
   *  It lives in the slot of the queue waited on, as a BLPOP's keys must share one on a cluster. */
  nudge(queue: string, connectionId: string): string {
    return `${this.queueBase(queue)}nudge:${connectionId}`;
  }

  /** SCAN pattern for every key of this prefix (options forbid glob characters in the prefix). */
  get everything(): string {
    return `${this.prefix}*`;
  }
}
