// Result waits share one subscription: a headers-only ordered consumer over the records bucket
// that delivers only new writes, started for the first waiter and stopped a little after the
// last one leaves. A write whose summary says finished (or a purge) wakes the waiters of that
// task, which then read the record once. One consumer for any number of waits, instead of one
// KV watch per task.
import type { JetStreamClient, JetStreamSubscription, JsMsg } from 'nats';
import { natsDriver } from './driver.js';
import { isFinished } from '../../core/types.js';
import type { Names } from './names.js';
import { parseSummary, SUMMARY_HEADER } from './records.js';

/** How long the subscription outlives its last waiter (back-to-back waits reuse it). */
const LINGER_MS = 5000;

export class FinishWatcher {
  private readonly waiters = new Map<string, Set<() => void>>();
  private sub: JetStreamSubscription | undefined;
  private starting: Promise<void> | undefined;
  private idle: NodeJS.Timeout | undefined;
  /** Called when the subscription fails (its consumer could not be recreated after a node
   *  loss): the session starts it afresh. */
  onLost: (() => void) | undefined;

  constructor(
    private readonly js: JetStreamClient,
    private readonly names: Names,
  ) {}

  /** Calls `onChange` whenever the task is written as finished or removed, until the returned
   *  function is called. Resolves once writes from now on are sure to be seen. */
  async subscribe(taskId: string, onChange: () => void): Promise<() => void> {
    let set = this.waiters.get(taskId);
    if (!set) this.waiters.set(taskId, (set = new Set()));
    set.add(onChange);
    clearTimeout(this.idle);
    const leave = () => {
      set.delete(onChange);
      if (set.size === 0) this.waiters.delete(taskId);
      if (this.waiters.size === 0) {
        clearTimeout(this.idle);
        this.idle = setTimeout(() => this.stop(), LINGER_MS);
        this.idle.unref();
      }
    };
    try {
      await this.start();
    } catch (err) {
      leave();
      throw err;
    }
    return leave;
  }

  /** After a reconnect: a fresh subscription, and every waiter looks again (a finish may have
   *  happened while the old one was stalled). */
  async restart(): Promise<void> {
    if (!this.starting) return;
    this.stop();
    await this.start();
    for (const set of this.waiters.values()) for (const fn of [...set]) fn();
  }

  stop(): void {
    clearTimeout(this.idle);
    this.sub?.unsubscribe();
    this.sub = undefined;
    this.starting = undefined;
  }

  private start(): Promise<void> {
    this.starting ??= (async () => {
      const opts = natsDriver().consumerOpts();
      opts.orderedConsumer();
      opts.deliverNew();
      opts.headersOnly();
      opts.bindStream(this.names.taskStream);
      opts.callback((err, m) => {
        if (err) this.onLost?.();
        else if (m) this.apply(m);
      });
      this.sub = await this.js.subscribe(`${this.names.taskSubjectPrefix}>`, opts);
    })().catch((err: unknown) => {
      this.starting = undefined;
      throw err;
    });
    return this.starting;
  }

  private apply(m: JsMsg): void {
    const set = this.waiters.get(m.subject.slice(this.names.taskSubjectPrefix.length));
    if (!set) return;
    const op = m.headers?.get('KV-Operation');
    const summary = m.headers?.get(SUMMARY_HEADER);
    const done = op === 'DEL' || op === 'PURGE' || !summary || isFinished(parseSummary(summary).state);
    if (done) for (const fn of [...set]) fn();
  }
}
