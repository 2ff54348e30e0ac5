// Request/reply over the IPC channel, used in both directions: the core asks the extension host
// for secrets and to write user-level profiles into settings; the host asks the core to save a
// profile into settings. Each call gets an id; the matching `reply` settles it.
import type { Reply } from './channel.js';

const TIMEOUT_MS = 30_000;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class Calls {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  /** Sends a call built for the new id and waits for its reply; `what` names it in a timeout. */
  call(post: (id: number) => void, what: string): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${what} got no answer within ${TIMEOUT_MS / 1000} s`));
      }, TIMEOUT_MS);
      timer.unref();
      this.pending.set(id, { resolve, reject, timer });
      post(id);
    });
  }

  /** Routes a reply to the waiting call. */
  settle(reply: Reply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    clearTimeout(p.timer);
    if (reply.ok) p.resolve(reply.value);
    else p.reject(new Error(reply.error));
  }

  /** Every waiting call fails (the other side went away). */
  failAll(reason: string): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error(reason));
      this.pending.delete(id);
    }
  }
}

/** Runs `work` and posts its outcome as the reply to call `id`. */
export function answer(id: number, work: () => Promise<unknown>, post: (reply: Reply) => void): void {
  work().then(
    (value) => post(value === undefined ? { t: 'reply', id, ok: true } : { t: 'reply', id, ok: true, value }),
    (err: unknown) => post({ t: 'reply', id, ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
}
