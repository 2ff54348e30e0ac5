// Redis raw floor: a Lua pop moves up to n tasks from the ready list to the processing list
// atomically (LPOP count + RPUSH), a pipeline of LREMs acks them, one round trip each. Same
// library (ioredis) and connection settings as the profile, under a `sitq-bench:` prefix that is
// deleted afterwards. One server only: a cluster or sentinel profile is refused (the loop's two
// lists would need one slot, and a host/port client would silently measure some other server).
import type { Redis, RedisOptions as IoRedisOptions } from 'ioredis';
import { ConfigurationError } from '../../core/errors.js';
import { loadDriver } from '../../backends/redis/driver.js';
import { resolveOptions, type RedisOptions, type ResolvedRedisOptions } from '../../backends/redis/options.js';
import { benchId } from '../bench-id.js';
import type { FloorDriver } from './types.js';

const CLAIM = `
local items = redis.call('LPOP', KEYS[1], ARGV[1])
if items then redis.call('RPUSH', KEYS[2], unpack(items)) end
return items or {}`;

export class RedisFloor implements FloorDriver<string> {
  readonly method = 'Lua: LPOP n from ready + RPUSH to processing (atomic) claims a batch, pipelined LREMs ack it';
  readonly enqueueMethod = 'RPUSH ready item (one command)';
  private redis: Redis | undefined;
  private readonly ready: string;
  private readonly processing: string;

  private readonly resolved: ResolvedRedisOptions;

  constructor(options: RedisOptions) {
    this.resolved = resolveOptions(options);
    const kind = this.resolved.topology.kind;
    if (kind !== 'single') {
      throw new ConfigurationError({
        option: kind === 'cluster' ? 'redis.cluster' : 'redis.sentinels',
        expected: 'one Redis server (host/port): the raw floor is not measured on a cluster or through sentinels',
        given: kind,
      });
    }
    const base = `sitq-bench:floor_${benchId()}:`;
    this.ready = `${base}ready`;
    this.processing = `${base}processing`;
  }

  async setup(tasks: number, payload: Buffer): Promise<void> {
    const o = this.resolved;
    const io: IoRedisOptions = {
      host: o.host,
      port: o.port,
      db: o.db,
      connectTimeout: o.socketConnectTimeout,
      lazyConnect: true,
      maxRetriesPerRequest: 1,
    };
    if (o.username !== undefined) io.username = o.username;
    if (o.password !== undefined) io.password = o.password;
    if (o.tls) io.tls = o.tls;
    const { Redis } = await loadDriver();
    const redis = new Redis(io);
    this.redis = redis;
    await redis.connect();
    redis.defineCommand('floorClaim', { numberOfKeys: 2, lua: CLAIM });
    const body = payload.toString('latin1');
    for (let i = 0; i < tasks; i += 1000) {
      const chunk: string[] = [];
      for (let j = i; j < Math.min(tasks, i + 1000); j++) chunk.push(`${j}:${body}`);
      await redis.rpush(this.ready, ...chunk);
    }
  }

  async claim(max: number): Promise<string[]> {
    const claim = (this.redis as unknown as { floorClaim(a: string, b: string, n: number): Promise<string[]> }).floorClaim;
    return claim.call(this.redis, this.ready, this.processing, max);
  }

  async ack(items: string[]): Promise<void> {
    const pipeline = this.redis!.pipeline();
    for (const item of items) pipeline.lrem(this.processing, 1, item);
    const results = await pipeline.exec();
    const failed = results?.find(([err]) => err);
    if (failed?.[0]) throw failed[0];
  }

  async enqueueOne(payload: Buffer): Promise<void> {
    await this.redis!.rpush(this.ready, payload);
  }

  async teardown(): Promise<void> {
    const redis = this.redis;
    this.redis = undefined;
    if (!redis) return;
    await redis.del(this.ready, this.processing).catch(() => {});
    redis.disconnect();
  }
}
