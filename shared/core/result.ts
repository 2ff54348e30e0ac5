import { serializerNamed } from './serializers.js';
import type { TaskErrorInfo, TaskRecord } from './types.js';

export type ResultStatus = 'succeeded' | 'dead' | 'cancelled';

/** A finished task's outcome, as `TaskQueue.getResult` returns it. */
export class Result<R = unknown> {
  readonly taskId: string;
  readonly name: string;
  readonly queue: string;
  readonly status: ResultStatus;
  /** The handler's return value (succeeded only). */
  readonly value: R | undefined;
  /** Why the task died (dead only). */
  readonly error: TaskErrorInfo | undefined;
  readonly attempts: number;
  readonly enqueuedAt: number;
  readonly startedAt: number | undefined;
  readonly finishedAt: number | undefined;

  constructor(record: TaskRecord) {
    this.taskId = record.id;
    this.name = record.name;
    this.queue = record.queue;
    this.status = record.state as ResultStatus;
    this.value =
      record.state === 'succeeded' && record.result ? (serializerNamed(record.serializer).deserialize(record.result) as R) : undefined;
    this.error = record.state === 'dead' ? record.error : undefined;
    this.attempts = record.attempts;
    this.enqueuedAt = record.enqueuedAt;
    this.startedAt = record.startedAt;
    this.finishedAt = record.finishedAt;
  }

  isSuccess(): boolean {
    return this.status === 'succeeded';
  }

  isFailed(): boolean {
    return this.status === 'dead';
  }
}
