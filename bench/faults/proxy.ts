// A TCP proxy between the workers and a server, for the faults the server itself cannot make:
// a silent stall (the proxy keeps every socket open but forwards nothing, as a black-holed
// network path does) and a dropped connection (both sides reset at once).
import { createServer, connect, type Server, type Socket } from 'node:net';

interface Pair {
  client: Socket;
  upstream: Socket;
  stalled: boolean;
}

export class FaultProxy {
  private server: Server | undefined;
  private readonly pairs = new Set<Pair>();
  port = 0;

  constructor(private readonly upstreamHost: string, private readonly upstreamPort: number) {}

  async start(): Promise<void> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => resolve());
    });
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  /** Connections currently open through the proxy. */
  get open(): number {
    return this.pairs.size;
  }

  /** Existing connections stop forwarding in both directions but stay open; data is dropped.
   *  New connections are forwarded normally (the stale path is what a client must notice). */
  stall(): number {
    for (const p of this.pairs) p.stalled = true;
    return this.pairs.size;
  }

  /** Connections still stalled (a client that noticed closed its side, which closes the pair). */
  get stalled(): number {
    let n = 0;
    for (const p of this.pairs) if (p.stalled) n++;
    return n;
  }

  /** Resets every stalled connection (their byte streams are broken, they cannot resume). */
  endStall(): void {
    for (const p of [...this.pairs]) if (p.stalled) this.drop(p);
  }

  /** Resets every open connection on both sides, as a server dropping its clients would. */
  dropAll(): number {
    const n = this.pairs.size;
    for (const p of [...this.pairs]) this.drop(p);
    return n;
  }

  async close(): Promise<void> {
    this.dropAll();
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private accept(client: Socket): void {
    const upstream = connect({ host: this.upstreamHost, port: this.upstreamPort });
    // No Nagle delay: request/reply traffic through the proxy would otherwise wait on delayed ACKs.
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const pair: Pair = { client, upstream, stalled: false };
    this.pairs.add(pair);
    client.on('data', (data) => {
      if (!pair.stalled) upstream.write(data);
    });
    upstream.on('data', (data) => {
      if (!pair.stalled) client.write(data);
    });
    const end = () => this.drop(pair, false);
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', end);
    }
  }

  private drop(pair: Pair, reset = true): void {
    if (!this.pairs.delete(pair)) return;
    if (reset && !pair.client.destroyed) pair.client.resetAndDestroy();
    else pair.client.destroy();
    pair.upstream.destroy();
  }
}
