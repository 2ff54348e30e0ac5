// The VS Code webview transport (used by the extension's webviews): postMessage both ways.
import type { ConnectionState, Transport } from '../../shared/protocol/client.js';
import type { HostBoundMessage } from '../../shared/protocol/messages.js';

export interface VsCodeApi {
  postMessage(message: unknown): void;
}

export class VsCodeTransport implements Transport {
  state: ConnectionState = 'open';
  private readonly messageListeners: ((m: unknown) => void)[] = [];

  constructor(private readonly api: VsCodeApi) {
    window.addEventListener('message', (e: MessageEvent) => {
      for (const l of this.messageListeners) l(e.data);
    });
  }

  send(message: HostBoundMessage): void {
    this.api.postMessage(message);
  }

  onMessage(listener: (m: unknown) => void): void {
    this.messageListeners.push(listener);
  }

  onState(): void {
    // A webview lives and dies with its host: there is no reconnect to report.
  }

  close(): void {
    this.state = 'closed';
  }
}
