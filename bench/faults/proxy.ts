// A TCP proxy between clients and a server, for the faults the server itself cannot make:
// a silent stall (the proxy keeps every socket open but forwards nothing, as a black-holed
// network path does) and a dropped connection (both sides reset at once). The fault tool and
// the backend/HA tests share it; optionally it terminates TLS or listens on a fixed port.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, TLSSocket } from 'node:tls';

interface Pair {
  client: Socket;
  /** Undefined while the connection is held (accepted during a stall, not yet forwarded). */
  upstream: Socket | undefined;
  stalled: boolean;
}

export interface FaultProxyOptions {
  /** Terminate TLS with this certificate and key; the upstream connection is plain TCP. */
  tls?: { key: string; cert: string };
  /** Listen on this port (e.g. to come back on the same port after close()); default: any free one. */
  port?: number;
}

export interface StallOptions {
  /** Also hold connections opened during the stall: accepted, but nothing reaches the server or
   *  comes back until heal() (a client's reconnect must not bypass the stall). */
  holdNew?: boolean;
}

export class FaultProxy {
  private readonly pairs = new Set<Pair>();
  /** Every accepted raw socket, also TLS ones still in their handshake, so close() never waits. */
  private readonly sockets = new Set<Socket>();
  private holdingNew = false;

  private readonly server: Server;
  private listening = 0;

  private constructor(
    private readonly upstreamHost: string,
    private readonly upstreamPort: number,
    tls: FaultProxyOptions['tls'],
  ) {
    const accept = (client: Socket) => this.accept(client);
    this.server = tls ? createTlsServer(tls, accept) : createServer(accept);
    this.server.on('connection', (raw: Socket) => {
      this.sockets.add(raw);
      raw.on('close', () => this.sockets.delete(raw));
    });
  }

  /** A proxy to upstreamHost:upstreamPort, listening on 127.0.0.1. */
  static async start(upstreamHost: string, upstreamPort: number, options: FaultProxyOptions = {}): Promise<FaultProxy> {
    const proxy = new FaultProxy(upstreamHost, upstreamPort, options.tls);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    proxy.listening = (proxy.server.address() as { port: number }).port;
    return proxy;
  }

  /** The port it listens on (kept after close(), to start a proxy on the same port again). */
  get port(): number {
    return this.listening;
  }

  /** Connections currently open through the proxy. */
  get open(): number {
    return this.pairs.size;
  }

  /** Existing connections stop forwarding in both directions but stay open; data is dropped.
   *  New connections are forwarded normally (the stale path is what a client must notice),
   *  unless `holdNew`. Returns how many connections were stalled. */
  stall(options: StallOptions = {}): number {
    for (const p of this.pairs) p.stalled = true;
    this.holdingNew = options.holdNew ?? false;
    return this.pairs.size;
  }

  /** Connections still stalled (a client that noticed closed its side, which closes the pair). */
  get stalled(): number {
    let n = 0;
    for (const p of this.pairs) if (p.stalled) n++;
    return n;
  }

  /** Forwards again on every stalled connection (bytes sent during the stall stay lost); held
   *  connections are connected to the server now. */
  heal(): void {
    this.holdingNew = false;
    for (const p of this.pairs) {
      p.stalled = false;
      p.upstream ??= this.connectUpstream(p);
    }
  }

  /** Resets every stalled connection (their byte streams are broken, they cannot resume). */
  endStall(): void {
    this.holdingNew = false;
    for (const p of [...this.pairs]) if (p.stalled) this.drop(p);
  }

  /** Resets every open connection on both sides, as a server dropping its clients would.
   *  New connections are still accepted. */
  dropAll(): number {
    const n = this.pairs.size;
    for (const p of [...this.pairs]) this.drop(p);
    return n;
  }

  async close(): Promise<void> {
    this.dropAll();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    // No Nagle delay: request/reply traffic through the proxy would otherwise wait on delayed ACKs.
    client.setNoDelay(true);
    const pair: Pair = { client, upstream: undefined, stalled: this.holdingNew };
    this.pairs.add(pair);
    client.on('data', (data: Buffer) => {
      if (!pair.stalled) pair.upstream?.write(data);
    });
    const end = () => this.drop(pair, false);
    client.on('error', end);
    client.on('close', end);
    if (!this.holdingNew) pair.upstream = this.connectUpstream(pair);
  }

  private connectUpstream(pair: Pair): Socket {
    const upstream = connect({ host: this.upstreamHost, port: this.upstreamPort });
    upstream.setNoDelay(true);
    upstream.on('data', (data: Buffer) => {
      if (!pair.stalled) pair.client.write(data);
    });
    const end = () => this.drop(pair, false);
    upstream.on('error', end);
    upstream.on('close', end);
    return upstream;
  }

  private drop(pair: Pair, reset = true): void {
    if (!this.pairs.delete(pair)) return;
    // resetAndDestroy needs a TCP handle: a TLS socket is closed plainly.
    if (reset && !pair.client.destroyed && !(pair.client instanceof TLSSocket)) pair.client.resetAndDestroy();
    else pair.client.destroy();
    pair.upstream?.destroy();
  }
}
