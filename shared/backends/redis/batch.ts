// Commands sent together in one round trip. On one server that is a pipeline. On a cluster a
// pipeline must stay within one node, so commands are grouped by the hash tag of their key (the
// tag decides the slot): one pipeline per tag, all sent at once.
import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from './connections.js';
import { isClusterClient } from './driver.js';

/** Runs a pipeline and returns its replies, throwing the first error. */
export async function execPipeline(pipeline: ChainableCommander): Promise<unknown[]> {
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

/** The part of a key that picks its cluster slot: the text inside its first `{...}`. */
export function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = open >= 0 ? key.indexOf('}', open + 1) : -1;
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

export class Batch {
  private readonly steps: { tag: string; add: (pipeline: ChainableCommander) => void }[] = [];

  /** Adds one command (exactly one: replies are matched by position). `key` is its first key. */
  add(key: string, add: (pipeline: ChainableCommander) => void): this {
    this.steps.push({ tag: hashTag(key), add });
    return this;
  }

  get size(): number {
    return this.steps.length;
  }

  /** Sends everything; the replies come back in the order the commands were added. */
  async run(client: RedisClient): Promise<unknown[]> {
    if (!isClusterClient(client)) {
      const pipeline = client.pipeline();
      for (const step of this.steps) step.add(pipeline);
      return execPipeline(pipeline);
    }
    const byTag = new Map<string, number[]>();
    this.steps.forEach((step, i) => {
      const list = byTag.get(step.tag) ?? [];
      list.push(i);
      byTag.set(step.tag, list);
    });
    const replies = new Array<unknown>(this.steps.length);
    await Promise.all(
      [...byTag.values()].map(async (indexes) => {
        const pipeline = client.pipeline();
        for (const i of indexes) this.steps[i].add(pipeline);
        const got = await execPipeline(pipeline);
        indexes.forEach((i, j) => (replies[i] = got[j]));
      }),
    );
    return replies;
  }
}
