// A worker's heartbeats: its live numbers (running count, processed, …) written to the backend,
// where the tools read them. One goes out with each maintenance round (lease / 3), and one shortly
// after the running count changes, so the tools show a worker's running tasks within about a
// second rather than at the next renewal (10 s by default).

/**
 * A change in the number of running tasks goes out in a heartbeat this many ms later (the tasks
 * one claim brings start together and go in one).
 */
const RUNNING_REPORT_DELAY_MS = 250;
/** At most one such heartbeat per this many ms (a worker whose count moves all the time, with
 *  short tasks, writes once a second), and none while the count the backend has is right. */
const RUNNING_REPORT_GAP_MS = 1000;

export interface HeartbeatsOptions {
  /** Writes the worker's numbers; resolves with the running count it wrote. */
  send(): Promise<number>;
  /** The worker's running count now. */
  running(): number;
  /** A running-count heartbeat failed (the next maintenance round carries the numbers). */
  onError(err: unknown): void;
}

export class Heartbeats {
  /** Heartbeats go out one after the other (each reads the numbers as it is sent), so a slow one
   *  never lands after a newer one (on NATS each is a compare-and-set on the worker's last). */
  private beats: Promise<void> = Promise.resolve();
  private lastRunningReportAt = 0;
  /** The running count the last heartbeat the backend took carried. */
  private reportedRunning = 0;
  private runningReport: NodeJS.Timeout | undefined;
  private off = false;

  constructor(private readonly options: HeartbeatsOptions) {}

  /** Sends the worker's live numbers, after any heartbeat still on its way. */
  beat(): Promise<void> {
    const sent = this.beats.then(async () => {
      if (this.off) return;
      this.reportedRunning = await this.options.send();
    });
    this.beats = sent.catch(() => {});
    return sent;
  }

  /** The running count changed: a heartbeat carries it (RUNNING_REPORT_DELAY_MS, RUNNING_REPORT_GAP_MS). */
  runningChanged(): void {
    if (this.runningReport || this.off) return;
    this.runningReport = setTimeout(
      () => {
        this.runningReport = undefined;
        if (this.off || this.options.running() === this.reportedRunning) return;
        this.lastRunningReportAt = Date.now();
        this.beat().catch((err) => this.options.onError(err));
      },
      Math.max(RUNNING_REPORT_DELAY_MS, this.lastRunningReportAt + RUNNING_REPORT_GAP_MS - Date.now()),
    );
  }

  /** No heartbeat starts from here on; resolves once the last one sent has ended. */
  stop(): Promise<void> {
    this.off = true;
    clearTimeout(this.runningReport);
    return this.beats;
  }
}
