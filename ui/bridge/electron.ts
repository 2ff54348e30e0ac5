// The Electron transport: requests through the preload's `window.sitq.request` (ipcMain.handle in
// main), events through `window.sitq.onEvent`.
import type { SitqPreloadApi } from '../../shared/protocol/bridge.js';
import type { ConnectionState, Transport } from '../../shared/protocol/client.js';
import type { HostBoundMessage } from '../../shared/protocol/messages.js';

export class ElectronTransport implements Transport {
  state: ConnectionState = 'open';
  private readonly messageListeners: ((m: unknown) => void)[] = [];
  private readonly stateListeners: ((s: ConnectionState) => void)[] = [];

  constructor(private readonly api: SitqPreloadApi) {
    api.onEvent((m) => this.deliver(m));
    api.onState((s) => {
      this.state = s === 'open' ? 'open' : 'connecting';
      for (const l of this.stateListeners) l(this.state);
    });
  }

  send(message: HostBoundMessage): void {
    this.api.request(message).then(
      (response) => this.deliver(response),
      (err: unknown) =>
        this.deliver({
          type: 'response',
          id: message.id,
          ok: false,
          error: { name: 'BridgeError', message: err instanceof Error ? err.message : String(err) },
        }),
    );
  }

  onMessage(listener: (m: unknown) => void): void {
    this.messageListeners.push(listener);
  }

  onState(listener: (s: ConnectionState) => void): void {
    this.stateListeners.push(listener);
  }

  close(): void {
    this.state = 'closed';
  }

  private deliver(m: unknown): void {
    for (const l of this.messageListeners) l(m);
  }
}
