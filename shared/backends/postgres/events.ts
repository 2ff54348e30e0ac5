// Whether anyone subscribes to task events (migration 009): statements send their 'e:'
// notifications only while events_wanted.until lies ahead on the server clock (sql.ts
// eventNotify). Each subscribing backend instance pushes it forward when its first sink arrives
// and renews it while it has sinks; a subscriber that dies stops renewing, and its flag lapses
// after FLAG_TTL_MS (until then statements notify for nobody, as they all did before).
import type { Context } from './claim.js';
import { NOW } from './sql.js';

/** A subscriber's hold on events lasts this long on the server clock, renewed every third of it. */
const FLAG_TTL_MS = 60_000;

export class EventsWanted {
  private holders = 0;
  private timer: NodeJS.Timeout | undefined;

  /** `lapsed` is told when a renewal failed: events may stop before the subscribers know. */
  constructor(
    private readonly ctx: Context,
    private readonly lapsed: (reason: string) => void,
  ) {}

  /** Resolves once every statement that starts from now on sends its events. */
  async hold(): Promise<void> {
    await this.write();
    this.holders++;
    if (this.timer) return;
    this.timer = setInterval(() => void this.renew(), FLAG_TTL_MS / 3);
    this.timer.unref();
  }

  /** One subscriber less; with none left the flag is no longer renewed (it lapses on its own:
   *  another process may still subscribe, and renews its own hold). */
  release(): void {
    this.holders = Math.max(0, this.holders - 1);
    if (this.holders === 0) this.close();
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async write(): Promise<void> {
    await this.ctx.pool.query({
      name: 'sitq_events_wanted',
      text: `UPDATE ${this.ctx.tables.eventsWanted} SET until = greatest(until, ${NOW} + $1::bigint)`,
      values: [FLAG_TTL_MS],
    });
  }

  private async renew(): Promise<void> {
    try {
      await this.write();
    } catch {
      // Two more tries are left before the hold lapses; say so anyway, since events may stop.
      this.lapsed('the PostgreSQL events flag could not be renewed; events may have been missed');
    }
  }
}
