// Calls waiting for their replies, by id, each with a time limit. One table serves every
// request/reply channel: the UI's requests to its host (ProtocolClient) and both directions of
// the VS Code extension's IPC with its core process.

interface Waiting {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export interface PendingRepliesOptions {
  /** The error a call fails with when its reply is late (`what` names the call). */
  timedOut(what: string, timeoutMs: number): Error;
  /** Node only: a call still waiting does not keep the process alive. */
  unref?: boolean;
}

export class PendingReplies {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();

  constructor(private readonly options: PendingRepliesOptions) {}

  /** Sends a call under a new id and waits for its reply. A `send` that throws fails the call
   *  at once with what it threw. */
  call(what: string, timeoutMs: number, send: (id: number) => void): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(this.options.timedOut(what, timeoutMs));
      }, timeoutMs);
      if (this.options.unref) (timer as { unref?: () => void }).unref?.();
      this.waiting.set(id, { resolve, reject, timer });
      try {
        send(id);
      } catch (err) {
        this.settle(id, { ok: false, error: err instanceof Error ? err : new Error(String(err)) });
      }
    });
  }

  /** Settles call `id` with its reply; a reply nobody waits for (late, or unknown) is ignored. */
  settle(id: number, outcome: { ok: true; value: unknown } | { ok: false; error: Error }): void {
    const w = this.waiting.get(id);
    if (!w) return;
    this.waiting.delete(id);
    clearTimeout(w.timer);
    if (outcome.ok) w.resolve(outcome.value);
    else w.reject(outcome.error);
  }

  /** Every waiting call fails with `error` (the other side went away). */
  failAll(error: Error): void {
    for (const w of this.waiting.values()) {
      clearTimeout(w.timer);
      w.reject(error);
    }
    this.waiting.clear();
  }
}
