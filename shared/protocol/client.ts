// The UI's side of the protocol over any transport: typed requests with ids and timeouts, typed
// event listeners, and the connection state. Hosts differ only in the Transport they supply.
import type { EventData, EventName } from './events.js';
import { BridgeError, RemoteError, isUiBoundMessage, type HostBoundMessage, type UiBoundMessage } from './messages.js';
import { PendingReplies } from './pending.js';
import type { Method, ParamsOf, ResultOf } from './requests.js';

export type ConnectionState = 'connecting' | 'open' | 'closed';

/** A channel to the host. `send` may only be called while open; the transport reconnects by
 *  itself (where that makes sense) and reports every state change. */
export interface Transport {
  send(message: HostBoundMessage): void;
  onMessage(listener: (message: unknown) => void): void;
  onState(listener: (state: ConnectionState) => void): void;
  readonly state: ConnectionState;
  close(): void;
  /** Called once when the host is there but will never take this page again (the browser
   *  dashboard restarted with a new token): the UI tells the user what to do instead of waiting. */
  onRefused?(listener: (reason: string) => void): void;
}

type AnyListener = (data: never) => void;

export class ProtocolClient {
  private readonly pending = new PendingReplies({ timedOut: (method, ms) => new BridgeError(`${method} got no answer within ${ms} ms`) });
  private readonly listeners = new Map<EventName, Set<AnyListener>>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();

  constructor(
    private readonly transport: Transport,
    private readonly timeoutMs = 30_000,
  ) {
    transport.onMessage((message) => this.receive(message));
    transport.onState((state) => {
      // A lost connection fails what was in flight at once instead of at its timeout.
      if (state !== 'open') this.pending.failAll(new BridgeError('the connection to the host was lost'));
      for (const l of this.stateListeners) l(state);
    });
  }

  get state(): ConnectionState {
    return this.transport.state;
  }

  request<M extends Method>(method: M, params: ParamsOf<M>, options: { timeoutMs?: number } = {}): Promise<ResultOf<M>> {
    if (this.transport.state !== 'open') return Promise.reject(new BridgeError('not connected to the host'));
    const send = (id: number) => {
      try {
        this.transport.send({ type: 'request', id, method, params } as HostBoundMessage);
      } catch (err) {
        throw new BridgeError(`could not send ${method}: ${(err as Error).message}`);
      }
    };
    return this.pending.call(method, options.timeoutMs ?? this.timeoutMs, send) as Promise<ResultOf<M>>;
  }

  /** Listens for one event; returns the function that stops listening. */
  on<E extends EventName>(event: E, listener: (data: EventData<E>) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as AnyListener);
    return () => set.delete(listener as AnyListener);
  }

  onState(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  close(): void {
    this.pending.failAll(new BridgeError('the client was closed'));
    this.transport.close();
  }

  private receive(message: unknown): void {
    if (!isUiBoundMessage(message)) return;
    const m = message as UiBoundMessage;
    if (m.type === 'event') {
      for (const l of this.listeners.get(m.event) ?? []) (l as (data: unknown) => void)(m.data);
      return;
    }
    this.pending.settle(m.id, m.ok ? { ok: true, value: m.result } : { ok: false, error: new RemoteError(m.error) });
  }
}
