// The browser dashboard's transport: a WebSocket to `./ws` beside the page (the URL carries the
// token), reconnecting with backoff when the host goes away.
import type { ConnectionState, Transport } from '../../shared/protocol/client.js';
import type { HostBoundMessage } from '../../shared/protocol/messages.js';

export class WebSocketTransport implements Transport {
  state: ConnectionState = 'connecting';
  private ws: WebSocket | undefined;
  private readonly messageListeners: ((m: unknown) => void)[] = [];
  private readonly stateListeners: ((s: ConnectionState) => void)[] = [];
  private retryMs = 250;
  private stopped = false;

  constructor(private readonly url: string) {
    this.open();
  }

  static besidePage(): WebSocketTransport {
    const url = new URL('ws', window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.hash = '';
    return new WebSocketTransport(url.href);
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
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.setState(this.stopped ? 'closed' : 'connecting');
      if (this.stopped) return;
      setTimeout(() => this.open(), this.retryMs);
      this.retryMs = Math.min(5000, this.retryMs * 2);
    };
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    for (const l of this.stateListeners) l(state);
  }
}
