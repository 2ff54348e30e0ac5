// High availability: which of `hosts` is the primary. node-postgres connects to one host only, so
// the pool and the LISTEN client ask this class where to connect. It probes every host with
// `SELECT pg_is_in_recovery()` and keeps the answer until a connection failure (or a write
// refused as read-only) makes it suspect; the next caller then probes again, waiting up to
// failoverTimeout for a replica to be promoted. Concurrent callers share one search.
import { setTimeout as delay } from 'node:timers/promises';
import type pg from 'pg';
import { pgDriver } from './driver.js';
import type { NodeStatus } from '../../core/backend.js';
import { ConnectionError } from '../../core/errors.js';
import { clientConfig, describeFailure } from './connection.js';
import { formatHost, type HostAddress, type ResolvedPostgresOptions } from './options.js';

/** No host answered as primary within the time allowed; the message lists what each one said. */
export class NoPrimaryError extends ConnectionError {
  constructor(
    address: string,
    readonly tried: readonly { host: string; answer: string }[],
    readonly waitedMs: number,
    limit: string,
  ) {
    super(
      'postgres',
      address,
      `no primary among ${tried.map((t) => `${t.host} (${t.answer})`).join(', ')} after ${waitedMs} ms (${limit}); ` +
        'promote a replica, or check that the hosts are reachable',
    );
  }
}

export interface Probe {
  server: HostAddress;
  role: 'primary' | 'replica' | 'unknown';
  error?: string;
}

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 1000;

/** One short-lived connection to `server`: is it the primary? Bounded by `timeoutMs`. */
export async function probe(options: ResolvedPostgresOptions, server: HostAddress, timeoutMs: number): Promise<Probe> {
  const limit = Math.max(1, Math.min(timeoutMs, options.connectTimeout));
  const client = new (pgDriver().Client)({
    ...clientConfig(options, 'probe', server),
    connectionTimeoutMillis: limit,
    query_timeout: limit,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    const { rows } = await client.query<{ replica: boolean }>('SELECT pg_is_in_recovery() AS replica');
    return { server, role: rows[0]?.replica ? 'replica' : 'primary' };
  } catch (err) {
    return { server, role: 'unknown', error: err instanceof Error ? describeFailure(err) : String(err) };
  } finally {
    await client.end().catch(() => {});
  }
}

/** Every host's answer at once, in the order of `hosts` (for nodes()). */
export function probeHosts(options: ResolvedPostgresOptions, hosts: readonly HostAddress[]): Promise<Probe[]> {
  return Promise.all(hosts.map((server) => probe(options, server, options.connectTimeout)));
}

export class PrimaryLocator {
  private current: HostAddress | undefined;
  /** Set when the current primary may be gone: the next caller probes again. */
  private suspect = false;
  private everFound = false;
  private searching: Promise<HostAddress> | undefined;
  private readonly listeners = new Set<(primary: HostAddress) => void>();
  /** Aborted by close(): a search stops waiting between rounds, so nothing outlives the backend. */
  private readonly closing = new AbortController();

  constructor(
    private readonly options: ResolvedPostgresOptions & { hosts: HostAddress[] },
    private readonly address: string,
  ) {}

  /** The host writes go to right now (undefined before the first search). */
  get serving(): HostAddress | undefined {
    return this.current;
  }

  /** The primary, searching for it first when it is unknown or suspect. */
  primary(): Promise<HostAddress> {
    if (this.current && !this.suspect) return Promise.resolve(this.current);
    this.searching ??= this.search().finally(() => {
      this.searching = undefined;
    });
    return this.searching;
  }

  /** A connection to `server` failed or was refused a write: look again before the next use. */
  markSuspect(server: HostAddress): void {
    if (this.current && sameHost(this.current, server)) this.suspect = true;
  }

  /** Called with the new primary whenever it changes. */
  onChange(listener: (primary: HostAddress) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.closing.abort();
    this.listeners.clear();
  }

  /** Probes every host until one says it is the primary (the first in the listed order wins),
   *  for up to failoverTimeout once a primary has been seen, or connectTimeout on first connect. */
  private async search(): Promise<HostAddress> {
    const started = Date.now();
    const limit = this.everFound
      ? { ms: this.options.failoverTimeout, name: `failoverTimeout ${this.options.failoverTimeout} ms` }
      : { ms: this.options.connectTimeout, name: `connectTimeout ${this.options.connectTimeout} ms, first connect` };
    const deadline = started + limit.ms;
    let wait = RETRY_MIN_MS;
    // What each host said last; a probe cut short by the deadline does not hide an earlier answer.
    const answers = new Map<HostAddress, Probe>();
    for (;;) {
      const budget = deadline - Date.now();
      const round = await Promise.all(this.options.hosts.map((server) => probe(this.options, server, budget)));
      const found = round.find((a) => a.role === 'primary');
      if (found) return this.use(found.server);
      for (const answer of round) {
        if (answer.role !== 'unknown' || budget >= this.options.connectTimeout || !answers.has(answer.server))
          answers.set(answer.server, answer);
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.closing.signal.aborted) {
        const tried = [...answers.values()].map((a) => ({
          host: formatHost(a.server),
          answer: a.role === 'replica' ? 'replica' : `unreachable: ${a.error ?? 'no answer'}`,
        }));
        throw new NoPrimaryError(this.address, tried, Date.now() - started, limit.name);
      }
      // Rejects (AbortError) on close(); the check above then ends the search.
      await delay(Math.min(wait, left), undefined, { signal: this.closing.signal }).catch(() => {});
      wait = Math.min(RETRY_MAX_MS, wait * 2);
    }
  }

  private use(server: HostAddress): HostAddress {
    const changed = !this.current || !sameHost(this.current, server);
    this.current = server;
    this.suspect = false;
    this.everFound = true;
    if (changed) for (const listener of this.listeners) listener(server);
    return server;
  }
}

export function sameHost(a: HostAddress, b: HostAddress): boolean {
  return a.host === b.host && a.port === b.port;
}

/** A NodeStatus per host: what each one answered, and which one writes go to. */
export function nodeStatuses(
  probes: readonly Probe[],
  serving: HostAddress | undefined,
  describe: (server: HostAddress) => string,
): NodeStatus[] {
  return probes.map((p) => {
    const node: NodeStatus = {
      address: describe(p.server),
      role: p.role,
      reachable: p.role !== 'unknown',
      serving: p.role === 'primary' && serving !== undefined && sameHost(serving, p.server),
    };
    if (p.error !== undefined) node.error = p.error;
    return node;
  });
}
