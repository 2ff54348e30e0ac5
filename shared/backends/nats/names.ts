// Every name this backend uses on the server, derived from the stream name, in one place.
import { createHash } from 'node:crypto';
import { PRIORITY, assertQueueName, rangeIssue } from '../../core/rules.js';
import { ConfigurationError } from '../../core/errors.js';

/** Task and worker ids become KV keys and subject tokens. */
const KEY_SAFE = /^[A-Za-z0-9_=-]+(\.[A-Za-z0-9_=-]+)*$/;

export class Names {
  /** Work-queue stream: one subject per queue and priority level. */
  readonly stream: string;
  /** KV bucket of task records (the source of truth). */
  readonly taskBucket: string;
  /** KV bucket of small shared state: levels, delayed index, idempotency keys, workers. */
  readonly metaBucket: string;

  constructor(streamName: string) {
    this.stream = streamName;
    this.taskBucket = `${streamName}_TASKS`;
    this.metaBucket = `${streamName}_META`;
  }

  get taskStream(): string {
    return `KV_${this.taskBucket}`;
  }

  get metaStream(): string {
    return `KV_${this.metaBucket}`;
  }

  get workSubjects(): string {
    return `${this.stream}.q.>`;
  }

  workSubject(queue: string, level: number): string {
    return `${this.stream}.q.${queue}.${level}`;
  }

  /** Durable pull consumer of one queue's priority level. */
  consumer(queue: string, level: number): string {
    return `q_${queue}_${level}`;
  }

  taskSubject(id: string): string {
    return `$KV.${this.taskBucket}.${id}`;
  }

  get taskSubjectPrefix(): string {
    return `$KV.${this.taskBucket}.`;
  }

  metaSubject(key: string): string {
    return `$KV.${this.metaBucket}.${key}`;
  }
}

/** META keys, by prefix. */
export const metaKeys = {
  level: (queue: string, level: number) => `lv.${queue}.${level}`,
  delayed: (taskId: string) => `d.${taskId}`,
  /** Unique within a queue, as on every backend. */
  idempotency: (queue: string, key: string) => `i.${createHash('sha256').update(`${queue}\u0000${key}`).digest('hex')}`,
  worker: (workerId: string) => `w.${isKeySafe(workerId) ? workerId : createHash('sha256').update(workerId).digest('hex')}`,
  /** A coordination-state key (rules.ts STATE_KEY: no "."), its "/" as the subject separator. */
  state: (key: string) => `s.${key.replaceAll('/', '.')}`,
  /** The filter prefix of a state prefix ("" or ending in "/"): `s.` + it, watched as `…>`. */
  statePrefix: (prefix: string) => `s.${prefix.replaceAll('/', '.')}`,
  stateKeyOf: (metaKey: string) => metaKey.slice(2).replaceAll('.', '/'),
};

export function isKeySafe(id: string): boolean {
  return id.length > 0 && id.length <= 200 && KEY_SAFE.test(id);
}

export function checkTaskId(id: string): void {
  if (!isKeySafe(id)) {
    throw new ConfigurationError({ option: 'task id', expected: '1-200 letters, digits, "_", "-", "=" or inner dots', given: id });
  }
}

export function checkQueue(queue: string, option = 'queue'): void {
  assertQueueName(queue, option);
}

export function checkPriority(priority: number): void {
  const issue = rangeIssue(PRIORITY, priority, 'priority');
  if (issue) throw new ConfigurationError(issue);
}
