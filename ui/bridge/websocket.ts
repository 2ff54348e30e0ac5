// The browser dashboard's transport: a WebSocket to `./ws` beside the page (the URL carries the
// token), reconnecting with backoff when the host goes away. A browser is not told why a
// WebSocket failed, so after a failed attempt the page's own URL is asked: an HTTP answer other
// than 2xx means a dashboard is listening but refuses this token (it restarted with a new one),
// and retrying can never succeed.
import type { ConnectionState, Transport } from '../../shared/protocol/client.js';
import type { HostBoundMessage } from '../../shared/protocol/messages.js';

export class WebSocketTransport implements Transport {
  state: ConnectionState = 'connecting';
  private ws: WebSocket | undefined;
  private readonly messageListeners: ((m: unknown) => void)[] = [];
  private readonly stateListeners: ((s: ConnectionState) => void)[] = [];
  private readonly refusedListeners: ((reason: string) => void)[] = [];
  private retryMs = 250;
  private stopped = false;

  constructor(
    private readonly url: string,
    /** The page's URL (same token), asked after a failed attempt; absent: never asked. */
    private readonly pageUrl?: string,
  ) {
    this.open();
  }

  static besidePage(): WebSocketTransport {
    const page = new URL(window.location.href);
    page.hash = '';
    const url = new URL('ws', page);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return new WebSocketTransport(url.href, page.href);
  }

  onRefused(listener: (reason: string) => void): void {
    this.refusedListeners.push(listener);
  }

  send(message: HostBoundMessage): void {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) throw new Error('the WebSocket is not open');
    this.ws.send(JSON.stringify(message));
  }

  onMessage(listener: (m: unknown) => void): void {
    this.messageListeners.push(listener);
  }

  onState(listener: (s: ConnectionState) => void): void {
    this.stateListeners.push(listener);
  }

  close(): void {
    this.stopped = true;
    this.ws?.close();
  }

  private open(): void {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.retryMs = 250;
      this.setState('open');
    };
    ws.onmessage = (e) => {
      let data: unknown;
      try {
        data = JSON.parse(String(e.data));
      } catch {
        return;
      }
      for (const l of this.messageListeners) l(data);
    };
    let opened = false;
    ws.addEventListener('open', () => (opened = true));
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.setState(this.stopped ? 'closed' : 'connecting');
      if (this.stopped) return;
      const wait = this.retryMs;
      this.retryMs = Math.min(5000, this.retryMs * 2);
      // A lost connection is retried at once; a failed attempt first asks whether the host refuses us.
      void (opened ? Promise.resolve(undefined) : this.refusal()).then((reason) => {
        if (this.stopped) return;
        if (reason === undefined) {
          setTimeout(() => this.open(), wait);
          return;
        }
        this.stopped = true;
        this.setState('closed');
        for (const l of this.refusedListeners) l(reason);
      });
    };
  }

  /** Why the host refuses this page, or undefined when it is simply not there (yet). */
  private async refusal(): Promise<string | undefined> {
    if (!this.pageUrl) return undefined;
    try {
      const res = await fetch(this.pageUrl, { method: 'HEAD', cache: 'no-store', redirect: 'manual' });
      if (res.ok) return undefined;
      return `${new URL(this.pageUrl).host} answered HTTP ${res.status} to it`;
    } catch {
      return undefined;
    }
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    for (const l of this.stateListeners) l(state);
  }
}
