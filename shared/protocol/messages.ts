// The three envelopes on the wire. A transport (WebSocket, Electron IPC, webview postMessage)
// carries these objects as they are; nothing else crosses the bridge.
import type { EventData, EventName } from './events.js';
import type { Method, ParamsOf, ResultOf } from './requests.js';

export interface RequestMessage<M extends Method = Method> {
  type: 'request';
  /** Unique per client; the response carries it back. */
  id: number;
  method: M;
  params: ParamsOf<M>;
}

/** A failure as the UI receives it: `issues` for validation problems, shown next to fields. */
export interface ErrorPayload {
  /** The error class name, e.g. `ConfigurationError`, `ConnectionError`, `NotFoundError`. */
  name: string;
  message: string;
  issues?: { option: string; expected: string; given?: string }[];
}

export type ResponseMessage<M extends Method = Method> =
  { type: 'response'; id: number; ok: true; result: ResultOf<M> } | { type: 'response'; id: number; ok: false; error: ErrorPayload };

export interface EventMessage<E extends EventName = EventName> {
  type: 'event';
  event: E;
  data: EventData<E>;
}

/** What travels from the UI to the host. */
export type HostBoundMessage = RequestMessage;
/** What travels from the host to the UI. */
export type UiBoundMessage = ResponseMessage | EventMessage;

/** Structural check of an incoming request envelope (its params are checked by the service). */
export function isRequestMessage(value: unknown): value is RequestMessage {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    v.type === 'request' &&
    Number.isSafeInteger(v.id) &&
    typeof v.method === 'string' &&
    typeof v.params === 'object' &&
    v.params !== null &&
    !Array.isArray(v.params)
  );
}

export function isUiBoundMessage(value: unknown): value is UiBoundMessage {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  if (v.type === 'event') return typeof v.event === 'string' && 'data' in v;
  if (v.type === 'response') return Number.isSafeInteger(v.id) && typeof v.ok === 'boolean';
  return false;
}

/** Rejection of a request, carrying the host's error so callers can show issues per field. */
export class RemoteError extends Error {
  readonly issues: NonNullable<ErrorPayload['issues']>;
  constructor(readonly payload: ErrorPayload) {
    super(payload.message);
    this.name = payload.name;
    this.issues = payload.issues ?? [];
  }
}

/** The request could not be delivered or answered (connection lost, timeout). */
export class BridgeError extends Error {
  override name = 'BridgeError';
}
