// Request/reply over the core channel, used in both directions: the core asks the host for
// secrets and to write user-level profiles into settings; the host asks the core to save a
// profile into settings. Each call gets an id; the matching `reply` settles it.
import { PendingReplies } from '../protocol/pending.js';
import type { Reply } from './channel.js';

const TIMEOUT_MS = 30_000;

export class Calls {
  private readonly pending = new PendingReplies({
    timedOut: (what, ms) => new Error(`${what} got no answer within ${ms / 1000} s`),
    unref: true,
  });

  /** Sends a call built for the new id and waits for its reply; `what` names it in a timeout. */
  call(post: (id: number) => void, what: string): Promise<unknown> {
    return this.pending.call(what, TIMEOUT_MS, post);
  }

  /** Routes a reply to the waiting call. */
  settle(reply: Reply): void {
    this.pending.settle(reply.id, reply.ok ? { ok: true, value: reply.value } : { ok: false, error: new Error(reply.error) });
  }

  /** Every waiting call fails (the other side went away). */
  failAll(reason: string): void {
    this.pending.failAll(new Error(reason));
  }
}

/** Runs `work` and posts its outcome as the reply to call `id`. */
export function answer(id: number, work: () => Promise<unknown>, post: (reply: Reply) => void): void {
  work().then(
    (value) => post(value === undefined ? { t: 'reply', id, ok: true } : { t: 'reply', id, ok: true, value }),
    (err: unknown) => post({ t: 'reply', id, ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
}
