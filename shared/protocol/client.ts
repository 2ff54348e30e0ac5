// The UI's side of the protocol over any transport: typed requests with ids and timeouts, typed
// event listeners, and the connection state. Hosts differ only in the Transport they supply.
import type { EventData, EventName } from './events.js';
import { BridgeError, RemoteError, isUiBoundMessage, type HostBoundMessage, type UiBoundMessage } from './messages.js';
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
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

type AnyListener = (data: never) => void;

export class ProtocolClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<EventName, Set<AnyListener>>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();

  constructor(
    private readonly transport: Transport,
    private readonly timeoutMs = 30_000,
  ) {
    transport.onMessage((message) => this.receive(message));
    transport.onState((state) => {
      // A lost connection fails what was in flight at once instead of at its timeout.
      if (state !== 'open') this.failAll(new BridgeError('the connection to the host was lost'));
      for (const l of this.stateListeners) l(state);
    });
  }

  get state(): ConnectionState {
    return this.transport.state;
  }

  request<M extends Method>(method: M, params: ParamsOf<M>, options: { timeoutMs?: number } = {}): Promise<ResultOf<M>> {
    if (this.transport.state !== 'open') return Promise.reject(new BridgeError('not connected to the host'));
    const id = this.nextId++;
    return new Promise<ResultOf<M>>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.timeoutMs;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new BridgeError(`${method} got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      try {
        this.transport.send({ type: 'request', id, method, params } as HostBoundMessage);
      } catch (err) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new BridgeError(`could not send ${method}: ${(err as Error).message}`));
      }
    });
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
    this.failAll(new BridgeError('the client was closed'));
    this.transport.close();
  }

  private receive(message: unknown): void {
    if (!isUiBoundMessage(message)) return;
    const m = message as UiBoundMessage;
    if (m.type === 'event') {
      for (const l of this.listeners.get(m.event) ?? []) (l as (data: unknown) => void)(m.data);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.ok) p.resolve(m.result);
    else p.reject(new RemoteError(m.error));
  }

  private failAll(error: Error): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(error);
    }
    this.pending.clear();
  }
}
