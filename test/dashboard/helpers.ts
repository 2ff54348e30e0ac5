// A browser dashboard on a temporary config, secrets file and SQLite folder, plus a Node protocol
// client for it (the same ProtocolClient the UI uses, over the `ws` package).
import { eventually as eventuallyAwake } from '../helpers/awake.js';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import WebSocket from 'ws';
import { startDashboard, type RunningDashboard, type StartDashboardOptions } from '../../shared/dashboard/index.js';
import { ProtocolClient, type ConnectionState, type Transport } from '../../shared/protocol/client.js';
import type { EventData, EventName } from '../../shared/protocol/events.js';
import type { HostBoundMessage } from '../../shared/protocol/messages.js';
import type { TaskRow } from '../../shared/protocol/models.js';
import { FileSecretStore } from '../../shared/service/file-secrets.js';

export interface TempDashboard {
  dashboard: RunningDashboard;
  dir: string;
  secrets: FileSecretStore;
  close(): Promise<void>;
}

export async function tempDashboard(options: Partial<StartDashboardOptions> = {}): Promise<TempDashboard> {
  const dir = mkdtempSync(join(tmpdir(), 'sitq-dash-'));
  const secrets = new FileSecretStore(join(dir, 'secrets.json'), {});
  const dashboard = await startDashboard({
    port: 0,
    config: join(dir, 'sitq.config.json'),
    secrets: { store: secrets, info: secrets.info },
    service: { healthIntervalMs: 1000, countsIntervalMs: 200, configWatchIntervalMs: 200, ...options.service },
    ...options,
  });
  return {
    dashboard,
    dir,
    secrets,
    async close() {
      await dashboard.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A Transport over a Node WebSocket: the UI's WebSocketTransport without the browser. */
export class NodeWsTransport implements Transport {
  state: ConnectionState = 'connecting';
  private readonly messageListeners: ((m: unknown) => void)[] = [];
  private readonly stateListeners: ((s: ConnectionState) => void)[] = [];
  readonly ws: WebSocket;
  readonly opened: Promise<void>;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.ws = new WebSocket(url, { headers });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => {
        this.set('open');
        resolve();
      });
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with HTTP ${res.statusCode}`)));
      this.ws.once('error', reject);
    });
    this.ws.on('message', (data) => {
      const parsed = JSON.parse(data.toString()) as unknown;
      for (const l of this.messageListeners) l(parsed);
    });
    this.ws.on('close', () => this.set('closed'));
  }

  send(message: HostBoundMessage): void {
    this.ws.send(JSON.stringify(message));
  }
  onMessage(l: (m: unknown) => void): void {
    this.messageListeners.push(l);
  }
  onState(l: (s: ConnectionState) => void): void {
    this.stateListeners.push(l);
  }
  close(): void {
    this.ws.close();
  }
  private set(s: ConnectionState): void {
    this.state = s;
    for (const l of this.stateListeners) l(s);
  }
}

/** The WebSocket URL of a dashboard, and the Origin header its page would send. */
export function wsTarget(d: RunningDashboard): { url: string; origin: string } {
  return { url: `ws://127.0.0.1:${d.port}/${d.token}/ws`, origin: `http://127.0.0.1:${d.port}` };
}

export async function connectClient(d: RunningDashboard): Promise<ProtocolClient> {
  const { url, origin } = wsTarget(d);
  const transport = new NodeWsTransport(url, { Origin: origin });
  await transport.opened;
  return new ProtocolClient(transport, 60_000);
}

/** Polls `check` until it is truthy; `timeoutMs` counts only time this process was awake (helpers/awake.ts). */
export function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false | null> | T | undefined | false | null,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<T> {
  return eventuallyAwake(what, check, timeoutMs, everyMs);
}

/** The next `event` the client receives that `match`es; rejects after `timeoutMs`. */
export function nextEvent<E extends EventName>(
  client: ProtocolClient,
  event: E,
  match: (d: EventData<E>) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<EventData<E>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} event within ${timeoutMs} ms`)), timeoutMs);
    const off = client.on(event, (d) => {
      if (!match(d)) return;
      clearTimeout(timer);
      off();
      resolve(d);
    });
  });
}

/** For a describe block: a dashboard with a memory profile named `profile` (a fresh store) and a
 *  client connected to it, made before its tests and closed after them. */
export function memoryProfileDashboard(profile: string): { readonly client: ProtocolClient } {
  let t: TempDashboard | undefined;
  let client: ProtocolClient | undefined;
  before(async () => {
    t = await tempDashboard();
    client = await connectClient(t.dashboard);
    await client.request('profiles.save', {
      draft: { name: profile, kind: 'memory', options: { name: `m-${randomBytes(4).toString('hex')}` }, secrets: {} },
    });
  });
  after(async () => {
    client?.close();
    await t?.close();
  });
  return {
    get client(): ProtocolClient {
      if (!client) throw new Error('the dashboard is made in before()');
      return client;
    },
  };
}

/** The most runs whose [startedAt, finishedAt] (as the store recorded them) overlap at one moment. */
export function mostAtOnce(runs: readonly TaskRow[]): number {
  const edges = runs.flatMap((r) => [
    { at: r.startedAt!, d: 1 },
    { at: r.finishedAt!, d: -1 },
  ]);
  // At a tie, an end goes first: a task started as another ended did not run beside it.
  edges.sort((a, b) => a.at - b.at || a.d - b.d);
  let now = 0;
  let most = 0;
  for (const e of edges) most = Math.max(most, (now += e.d));
  return most;
}
