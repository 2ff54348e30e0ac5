// One connected UI (a browser tab, an Electron window, a VS Code webview). It parses and checks
// each request, runs the handler, and answers; events reach it through `send` as well.
import { ConfigurationError } from '../core/errors.js';
import { parseOptions } from '../core/validate.js';
import { isRequestMessage, type EventMessage, type UiBoundMessage } from '../protocol/messages.js';
import type { EventData, EventName } from '../protocol/events.js';
import { METHODS, type Method, type ParamsOf, type ResultOf } from '../protocol/requests.js';
import { toErrorPayload } from './errors.js';
import { PARAMS } from './params.js';

export type Handler<M extends Method> = (params: ParamsOf<M>, session: Session) => Promise<ResultOf<M>> | ResultOf<M>;
export type Handlers = { [M in Method]: Handler<M> };

export interface SessionHost {
  readonly handlers: Handlers;
  secrets(): Promise<string[]>;
  sessionClosed(session: Session): void;
}

let nextSession = 1;

export class Session {
  readonly id = nextSession++;
  /** The profile whose queue counts this session wants pushed. */
  watching: string | null = null;
  /** tasks.follow's stream, closed by the next follow, unfollow or the session's end. */
  following: { close(): Promise<void> } | undefined;
  private closed = false;

  constructor(
    private readonly host: SessionHost,
    private readonly send: (message: UiBoundMessage) => void,
  ) {}

  /** Takes one message from the UI (anything: it is checked here). */
  receive(raw: unknown): void {
    if (this.closed) return;
    if (!isRequestMessage(raw)) {
      const id = raw && typeof raw === 'object' ? (raw as { id?: unknown }).id : undefined;
      // reply() catches its own failures (a closed session, the secret store): nothing to await here.
      if (Number.isSafeInteger(id))
        void this.reply(
          id as number,
          new ConfigurationError({ option: 'message', expected: 'a request { type: "request", id, method, params }' }),
        );
      return;
    }
    const { id, method, params } = raw;
    if (!(METHODS as readonly string[]).includes(method)) {
      void this.reply(id, new ConfigurationError({ option: 'method', expected: 'a method of the dashboard protocol', given: method }));
      return;
    }
    void this.run(id, method, params);
  }

  emit<E extends EventName>(event: E, data: EventData<E>): void {
    if (this.closed) return;
    this.safeSend({ type: 'event', event, data } as EventMessage);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.host.sessionClosed(this);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private async run<M extends Method>(id: number, method: M, rawParams: unknown): Promise<void> {
    try {
      const params = parseOptions(PARAMS[method], rawParams, method) as ParamsOf<M>;
      const handler = this.host.handlers[method] as Handler<M>;
      const result = await handler(params, this);
      if (!this.closed) this.safeSend({ type: 'response', id, ok: true, result } as UiBoundMessage);
    } catch (err) {
      await this.reply(id, err);
    }
  }

  private async reply(id: number, err: unknown): Promise<void> {
    if (this.closed) return;
    const secrets = await this.host.secrets().catch(() => []);
    this.safeSend({ type: 'response', id, ok: false, error: toErrorPayload(err, secrets) });
  }

  private safeSend(message: UiBoundMessage): void {
    try {
      this.send(message);
    } catch {
      // The transport went away between the check and the send; its close handler ends the session.
    }
  }
}
