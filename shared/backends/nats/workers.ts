// Worker registry: one META key `w.<id>` per worker holding its info and when it stops
// counting as live; listing drops (and deletes) the expired ones.
import type { WorkerInfo } from '../../core/types.js';
import type { Meta } from './meta.js';
import { metaKeys } from './names.js';

interface Heartbeat extends WorkerInfo {
  expiresAt: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class WorkerRegistry {
  constructor(private readonly meta: Meta) {}

  async heartbeat(info: WorkerInfo, ttlMs: number): Promise<void> {
    const beat: Heartbeat = { ...info, expiresAt: Date.now() + ttlMs };
    await this.meta.put(metaKeys.worker(info.id), encoder.encode(JSON.stringify(beat)));
  }

  async list(): Promise<WorkerInfo[]> {
    const now = Date.now();
    const live: WorkerInfo[] = [];
    const expired: Promise<boolean>[] = [];
    for (const e of await this.meta.snapshot('w.')) {
      const { expiresAt, ...info } = JSON.parse(decoder.decode(e.value)) as Heartbeat;
      if (expiresAt > now) live.push(info);
      else expired.push(this.meta.remove(e.key, e.rev).catch(() => false)); // unless it beat again
    }
    await Promise.all(expired);
    return live.sort((a, b) => a.id.localeCompare(b.id));
  }

  async remove(workerId: string): Promise<void> {
    await this.meta.remove(metaKeys.worker(workerId));
  }
}
