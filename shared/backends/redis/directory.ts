// Which queue a task id belongs to: a record's key names its queue (to keep a queue's keys in one
// cluster slot), so reports and look-ups by id first need the queue. Claims remember it locally,
// so complete/renew/release of this process's own claims cost no extra round trip; anything else
// asks the id -> queue hash.
import type { RedisConnections } from './connections.js';
import type { RedisKeys } from './keys.js';

/** Bound on the local memory (a worker holds far fewer leases than this). */
const MAX_REMEMBERED = 100_000;

export class TaskDirectory {
  private readonly known = new Map<string, string>();

  constructor(
    private readonly connections: RedisConnections,
    private readonly keys: RedisKeys,
  ) {}

  remember(id: string, queue: string): void {
    if (this.known.size >= MAX_REMEMBERED) this.known.clear();
    this.known.set(id, queue);
  }

  forget(id: string): void {
    this.known.delete(id);
  }

  clear(): void {
    this.known.clear();
  }

  async queueOf(id: string): Promise<string | null> {
    return this.known.get(id) ?? (await this.connections.command.hget(this.keys.taskQueue, id));
  }

  /** The queue of each id that exists; unknown ids are left out. */
  async queuesOf(ids: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const missing: string[] = [];
    for (const id of ids) {
      const queue = this.known.get(id);
      if (queue) found.set(id, queue);
      else missing.push(id);
    }
    if (missing.length > 0) {
      const queues = await this.connections.command.hmget(this.keys.taskQueue, ...missing);
      missing.forEach((id, i) => {
        const queue = queues[i];
        if (queue) found.set(id, queue);
      });
    }
    return found;
  }
}
