// Worker heartbeats: a hash of WorkerInfo JSON plus a zset of "live until" times; heartbeat.lua
// writes one and drops the expired ones in the same step. Both keys share the {workers} tag, so the
// pipeline and transaction below stay in one slot on a cluster.
import type { WorkerInfo } from '../../core/types.js';
import type { RedisConnections } from './connections.js';
import type { RedisKeys } from './keys.js';
import { execPipeline } from './batch.js';
import { runScript } from './scripts.js';

export class WorkerRegistry {
  constructor(
    private readonly connections: RedisConnections,
    private readonly keys: RedisKeys,
  ) {}

  async heartbeat(info: WorkerInfo, ttlMs: number): Promise<void> {
    const keys = [this.keys.workers, this.keys.workersLive];
    await runScript(this.connections.command, 'heartbeat', keys, [info.id, JSON.stringify(info), info.seenAt + ttlMs, Date.now()]);
  }

  async list(): Promise<WorkerInfo[]> {
    const pipeline = this.connections.command.pipeline();
    pipeline.zrangebyscore(this.keys.workersLive, `(${Date.now()}`, '+inf');
    pipeline.hgetall(this.keys.workers);
    const [live, all] = (await execPipeline(pipeline)) as [string[], Record<string, string>];
    return live
      .filter((id) => all[id] !== undefined)
      .sort()
      .map((id) => JSON.parse(all[id]) as WorkerInfo);
  }

  async remove(workerId: string): Promise<void> {
    await this.connections.command.multi().hdel(this.keys.workers, workerId).zrem(this.keys.workersLive, workerId).exec();
  }
}
