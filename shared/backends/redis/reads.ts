// Reading: a task by id, listings in pages (newest first), counts per queue. Listings first run
// promote.lua on each queue so a delayed task whose runAt has passed is listed as pending.
import { checkListQuery } from '../../core/rules.js';
import { emptyCounts, TASK_STATES, type ListTasksQuery, type QueueCounts, type TaskPage, type TaskRecord } from '../../core/types.js';
import { decodeStored } from './codec.js';
import type { RedisConnections } from './connections.js';
import type { TaskDirectory } from './directory.js';
import type { RedisKeys } from './keys.js';
import { Batch } from './batch.js';
import { queueScript } from './scripts.js';
import { withoutLog } from '../../core/progress.js';
import { searchCandidates, searchNeedle } from '../../core/task-search.js';

interface Row {
  queue: string;
  member: string;
  id: string;
  score: number;
}

export class RedisReads {
  constructor(
    private readonly connections: RedisConnections,
    private readonly keys: RedisKeys,
    private readonly directory: TaskDirectory,
  ) {}

  async getTask(id: string): Promise<TaskRecord | null> {
    const queue = await this.directory.queueOf(id);
    if (!queue) return null;
    const raw = await this.connections.command.hgetallBuffer(this.keys.task(queue, id));
    return decodeStored(raw, Date.now());
  }

  async listQueues(): Promise<string[]> {
    return (await this.connections.command.smembers(this.keys.queues)).sort();
  }

  async counts(): Promise<QueueCounts[]> {
    const queues = await this.listQueues();
    if (queues.length === 0) return [];
    const batch = new Batch();
    for (const q of queues)
      batch.add(this.keys.ready(q), (p) => queueScript(p, 'counts', [this.keys.ready(q)], [this.keys.finishedChannel]));
    const replies = (await batch.run(this.connections.command)) as number[][];
    return queues.map((queue, i) => {
      const r = replies[i];
      const counts = emptyCounts();
      TASK_STATES.forEach((state, j) => (counts[state] = Number(r[j])));
      const oldest = Number(r[6]);
      const now = Number(r[7]);
      return { queue, counts, oldestPendingAgeMs: oldest >= 0 ? Math.max(0, now - oldest) : 0 };
    });
  }

  async listTasks(query: ListTasksQuery): Promise<TaskPage> {
    const { limit, offset } = checkListQuery(query);
    const needle = searchNeedle(query.search);
    const queues = query.queue !== undefined ? [query.queue] : await this.listQueues();
    if (queues.length === 0) return { tasks: [], total: 0 };
    // A search reads every candidate's record in pipelined pages (Redis has no substring index).
    if (needle !== undefined) {
      const found = await searchCandidates((await this.index(queues, query, 0, -1)).rows, (rows) => this.records(rows), needle, {
        offset,
        limit,
      });
      return { tasks: found.tasks.map(withoutLog), total: found.total };
    }
    const from = queues.length === 1 ? offset : 0;
    const { rows, total } = await this.index(queues, query, from, offset + limit - 1);
    const page = queues.length > 1 ? rows.slice(offset, offset + limit) : rows;
    if (page.length === 0) return { tasks: [], total };
    const tasks = (await this.records(page)).filter((r): r is TaskRecord => r !== null).map(withoutLog);
    return { tasks, total };
  }

  /** Members `from`..`to` of each queue's index for the state, merged newest first, and how many
   *  the indexes hold. Each state lists in its own order, last first: pending by claim order,
   *  delayed by runAt, running by lease expiry, finished by finishedAt, and all of a queue by
   *  enqueuedAt. */
  private async index(queues: readonly string[], query: ListTasksQuery, from: number, to: number): Promise<{ rows: Row[]; total: number }> {
    const indexes = queues.map((q) => this.keys.index(q, query.state ?? 'all'));
    const batch = new Batch();
    queues.forEach((q, i) => {
      const { key } = indexes[i];
      batch.add(key, (p) => queueScript(p, 'promote', [this.keys.ready(q)], [this.keys.finishedChannel]));
      batch.add(key, (p) => p.zcard(key));
      batch.add(key, (p) => p.zrevrange(key, from, to, 'WITHSCORES'));
    });
    const replies = await batch.run(this.connections.command);
    let total = 0;
    const rows: Row[] = [];
    queues.forEach((queue, i) => {
      total += Number(replies[i * 3 + 1]);
      const flat = replies[i * 3 + 2] as string[];
      for (let j = 0; j + 1 < flat.length; j += 2)
        rows.push({ queue, member: flat[j], id: indexes[i].idOf(flat[j]), score: Number(flat[j + 1]) });
    });
    // Scores of one index mean the same in every queue; ties go as ZREVRANGE orders them.
    if (queues.length > 1) rows.sort((a, b) => b.score - a.score || (a.member < b.member ? 1 : a.member > b.member ? -1 : 0));
    return { rows, total };
  }

  private async records(rows: readonly Row[]): Promise<(TaskRecord | null)[]> {
    const reads = new Batch();
    for (const row of rows) {
      const key = this.keys.task(row.queue, row.id);
      reads.add(key, (p) => p.hgetallBuffer(key));
    }
    const hashes = (await reads.run(this.connections.command)) as Record<string, Buffer>[];
    const now = Date.now();
    return hashes.map((h) => decodeStored(h, now));
  }
}
