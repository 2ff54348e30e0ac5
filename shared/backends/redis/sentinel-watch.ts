// Sentinel mode: ioredis asks the sentinels for the master only when a connection (re)connects,
// and its +switch-master listener did not always fire in our switchover tests; meanwhile an old
// master that is still up keeps taking writes that its later resync as a replica drops. So the
// backend asks a sentinel itself, every second, and when the master it names changes, drops every
// connection: each reconnects through the sentinels to the new master.
import type { Redis } from 'ioredis';
import { driver } from './driver.js';
import { hostPort, type ResolvedRedisOptions } from './options.js';

const CHECK_MS = 1000;

type SentinelTopology = Extract<ResolvedRedisOptions['topology'], { kind: 'sentinel' }>;

export class SentinelWatch {
  private timer: NodeJS.Timeout | undefined;
  private sentinel: Redis | undefined;
  private next = 0;
  private last: string | undefined;
  private busy = false;

  constructor(
    private readonly options: ResolvedRedisOptions,
    private readonly topology: SentinelTopology,
    /** Called with the new master's `host:port` when the sentinels name another one. */
    private readonly onSwitch: (master: string) => void,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.check(), CHECK_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.sentinel?.disconnect();
    this.sentinel = undefined;
    this.last = undefined;
  }

  /** The master's `host:port` as the sentinels name it now, or undefined if none answered. */
  async master(): Promise<string | undefined> {
    for (let tries = 0; tries < this.topology.sentinels.length; tries++) {
      const sentinel = this.connection();
      try {
        const reply = (await sentinel.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.topology.name)) as [string, string] | null;
        return reply ? hostPort(reply[0], Number(reply[1])) : undefined;
      } catch {
        // This sentinel is gone: the next one.
        sentinel.disconnect();
        this.sentinel = undefined;
      }
    }
    return undefined;
  }

  private async check(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const now = await this.master();
      if (now === undefined) return;
      if (this.last !== undefined && now !== this.last) this.onSwitch(now);
      this.last = now;
    } finally {
      this.busy = false;
    }
  }

  /** One connection to one sentinel at a time, moving on to the next when it fails. */
  private connection(): Redis {
    if (!this.sentinel) {
      const t = this.topology;
      const node = t.sentinels[this.next++ % t.sentinels.length];
      const o = this.options;
      const { Redis } = driver(); // started by connect(), after the driver loaded
      this.sentinel = new Redis({
        host: node.host,
        port: node.port,
        lazyConnect: false,
        retryStrategy: () => null,
        maxRetriesPerRequest: 0,
        connectTimeout: o.socketConnectTimeout,
        commandTimeout: o.socketTimeout > 0 ? o.socketTimeout : CHECK_MS * 5,
        ...(t.username !== undefined ? { username: t.username } : {}),
        ...(t.password !== undefined ? { password: t.password } : {}),
        ...(t.tls ? { tls: t.tls } : {}),
      });
      this.sentinel.on('error', () => {});
    }
    return this.sentinel;
  }
}
