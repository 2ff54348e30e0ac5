// A background loop of the Worker (cancel watch, retention): runs `tick` every `intervalMs` (the
// next run is timed from the end of the previous one, so runs never overlap), never crashes the
// process (a failure goes to `onError`), and stop() waits for a run in progress, at most `stopWaitMs`.

export interface PeriodicOptions {
  intervalMs: number;
  /** Runs the work; answers the ms until the next run when it wants another delay than
   *  `intervalMs` (sooner: more to do; later: nothing to do). */
  tick: () => Promise<number | void>;
  onError: (err: unknown) => void;
}

export class Periodic {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;
  private stopped = true;

  constructor(private readonly options: PeriodicOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(this.options.intervalMs);
  }

  /** Stops the loop; waits for a run in progress up to `waitMs`. */
  async stop(waitMs = 2000): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.current) return;
    let t: NodeJS.Timeout | undefined;
    await Promise.race([this.current, new Promise<void>((resolve) => (t = setTimeout(resolve, waitMs)))]);
    clearTimeout(t);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.run(), ms);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    let next = this.options.intervalMs;
    const work = (async () => {
      try {
        const asked = await this.options.tick();
        if (typeof asked === 'number') next = asked; // a failed run keeps the interval
      } catch (err) {
        this.options.onError(err);
      }
    })();
    this.current = work;
    await work;
    this.current = undefined;
    this.schedule(next);
  }
}
