// The memory backend's raw floor: the simplest correct claim loop over a plain array in this
// process (shift a batch, ack by deleting from a set), measured like every floor.
import type { FloorDriver } from '../../bench/floors/types.js';

export class MemoryFloor implements FloorDriver<number> {
  readonly method = 'array splice (batch) claims, Set delete acks, in this process';
  private ready: number[] = [];
  private readonly inFlight = new Set<number>();

  async setup(tasks: number): Promise<void> {
    this.ready = Array.from({ length: tasks }, (_, i) => i);
  }

  async claim(max: number): Promise<number[]> {
    const batch = this.ready.splice(0, max);
    for (const id of batch) this.inFlight.add(id);
    return batch;
  }

  async ack(handles: number[]): Promise<void> {
    for (const id of handles) this.inFlight.delete(id);
  }

  readonly enqueueMethod = 'array push, in this process';

  async enqueueOne(): Promise<void> {
    this.ready.push(this.ready.length);
  }

  async teardown(): Promise<void> {
    this.ready = [];
    this.inFlight.clear();
  }
}
