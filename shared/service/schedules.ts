// Schedules as the dashboard and the VS Code extension see them: the core's ScheduleInfo turned
// into plain JSON (ScheduleView), the form's draft turned into TaskQueue.schedule's arguments, and
// the live preview of a spec's next runs.
import { ConfigurationError } from '../core/errors.js';
import { checkRuns, checkSpec, Ticks, type ScheduleInfo, type ScheduleOptions } from '../core/schedules.js';
import type { ScheduleDraft, SchedulePreview, ScheduleSpecView, ScheduleView } from '../protocol/models.js';
import type { Connection } from './connections.js';

export function toScheduleView(s: ScheduleInfo): ScheduleView {
  // ScheduleInfo is plain data but for its payload (any value the serializer gave back).
  const { payload, version, ...plain } = s;
  const json = 'payload' in s ? JSON.stringify(payload) : undefined;
  return {
    ...plain,
    spec: { ...s.spec },
    lastRun: s.lastRun && { ...s.lastRun },
    nextRuns: [...s.nextRuns],
    ...(json !== undefined ? { payloadJson: json } : {}),
  };
}

export async function listSchedules(c: Connection, runs: number | undefined): Promise<ScheduleView[]> {
  return (await c.queue.listSchedules(runs === undefined ? {} : { runs })).map(toScheduleView);
}

export async function getSchedule(c: Connection, name: string, runs: number | undefined): Promise<ScheduleView | null> {
  const s = await c.queue.getSchedule(name, runs === undefined ? {} : { runs });
  return s ? toScheduleView(s) : null;
}

/** Creates or replaces a schedule from the form (payload given as JSON text). */
export async function saveSchedule(c: Connection, draft: ScheduleDraft): Promise<ScheduleView> {
  let payload: unknown;
  try {
    payload = JSON.parse(draft.payloadJson);
  } catch (err) {
    throw new ConfigurationError({
      option: 'payloadJson',
      expected: `JSON text (${(err as Error).message})`,
      given: draft.payloadJson.slice(0, 100),
    });
  }
  const options: ScheduleOptions = {};
  if (draft.queue !== undefined) options.queue = draft.queue;
  if (draft.priority !== undefined) options.priority = draft.priority;
  if (draft.maxAttempts !== undefined) options.maxAttempts = draft.maxAttempts;
  if (draft.timeoutMs !== undefined) options.timeout = draft.timeoutMs;
  if (draft.catchUp !== undefined) options.catchUp = draft.catchUp;
  if (draft.catchUpLimit !== undefined) options.catchUpLimit = draft.catchUpLimit;
  if (draft.paused !== undefined) options.paused = draft.paused;
  return toScheduleView(await c.queue.schedule(draft.name, draft.spec, draft.task, payload, options));
}

/** The next runs of `spec` from `now` (an `every` spec counted from now, as a new schedule would
 *  be), or the issues that make it invalid, each naming its field. */
export function previewSchedule(spec: ScheduleSpecView, runs: number | undefined, now = Date.now()): SchedulePreview {
  try {
    const checked = checkSpec(spec);
    return { nextRuns: new Ticks(checked, now).next(checkRuns(runs), now), issues: [] };
  } catch (err) {
    if (!(err instanceof ConfigurationError)) throw err;
    return {
      nextRuns: [],
      issues: err.issues.map((i) => ({ field: i.option.replace(/^schedule /, ''), message: `expected ${i.expected}` })),
    };
  }
}
