// Add Schedule… and Edit Schedule…: the dashboard's schedule form as input boxes, one field per
// step (name, when, time zone, task, payload, queue, priority, attempts, timeout, catch-up and its
// limit), the options TaskQueue.schedule() takes. The "when" and time-zone steps ask the core
// for the next runs as you type (schedules.preview, the core's own cron and time-zone rules) and
// show them under the input; the numbers are checked against the core's ranges (rules.ts, as the
// dashboard's form does); every problem names its field (spec.cron, spec.tz, payload, priority, …).
// The step count is fixed when the flow starts, so the counter only goes up (an `every` schedule
// has no time zone, and only catch-up `all` has a limit: the counter skips those steps). Edit
// starts every step from what is stored, keeps the name (a schedule is known by it) and whether it
// is paused. An empty number means the default (priority 0, 3 attempts, no timeout).
import * as vscode from 'vscode';
import {
  CATCH_UP_LIMIT,
  DEFAULT_CATCH_UP_LIMIT,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_QUEUE,
  MAX_ATTEMPTS,
  PRIORITY,
  TIMEOUT_MS,
  checkPayloadJson,
  checkQueueName,
  checkScheduleName,
  checkTypedWholeNumber,
  parseWholeNumber,
  type WholeNumberRange,
} from '../../shared/core/rules.js';
import { formatDurationText, parseDurationText } from '../../shared/core/queue-settings.js';
import type { CatchUpPolicyView, ScheduleDraft, ScheduleSpecView, ScheduleView } from '../../shared/protocol/models.js';
import type { ProtocolClient } from '../../shared/protocol/client.js';
import type { Ctx } from '../context.js';
import { SchedulesNode, ScheduleNode, describeSchedule, formatTime } from '../tree/schedules.js';
import { askTaskName } from './enqueue.js';
import { pickProfile } from './pick.js';

type Step = 'name' | 'when' | 'tz' | 'task' | 'payload' | 'queue' | 'priority' | 'attempts' | 'timeout' | 'catchUp' | 'catchUpLimit';

const CATCH_UP: Record<CatchUpPolicyView, string> = {
  latest: 'Runs the latest missed tick once',
  none: 'Skips missed ticks',
  all: 'Runs every missed tick, up to a limit',
};

const EVERY_EXPECTED = 'every and a duration with a unit: every 30s, every 5m, every 1h';
const WHEN_PROMPT = `A cron pattern (0 3 * * *, or 6 fields with seconds first) or ${EVERY_EXPECTED}`;

/** Add Schedule… (the Schedules group's menu, the palette). */
export async function addSchedule(ctx: Ctx, from: unknown): Promise<void> {
  const profile = from instanceof SchedulesNode ? from.profile : await pickProfile(ctx, from, 'Add a schedule to which profile?');
  if (!profile) return;
  await scheduleFlow(ctx, profile, undefined);
}

/** Edit Schedule… (a schedule row's menu). */
export async function editSchedule(ctx: Ctx, from: unknown): Promise<void> {
  if (!(from instanceof ScheduleNode)) return;
  // The row may be older than the backend: edit what is stored now.
  const stored = await ctx.model.client.request('schedules.get', { profile: from.profile, name: from.schedule.name });
  if (!stored)
    return void vscode.window.showWarningMessage(
      `There is no schedule ${from.schedule.name} in ${from.profile} any more: it was removed meanwhile.`,
    );
  // Its payload is shown as JSON: one stored by another serializer would be overwritten unseen.
  if (stored.payloadJson === undefined)
    return void vscode.window.showWarningMessage(
      `The payload of ${stored.name} was stored with the serializer ${stored.serializer} and is not JSON: edit it with TaskQueue.schedule().`,
    );
  await scheduleFlow(ctx, from.profile, stored);
}

async function scheduleFlow(ctx: Ctx, profile: string, original: ScheduleView | undefined): Promise<void> {
  const steps: Step[] = [
    ...(original ? [] : ['name' as const]),
    ...(['when', 'tz', 'task', 'payload', 'queue', 'priority', 'attempts', 'timeout', 'catchUp', 'catchUpLimit'] as const),
  ];
  const heading = original ? `Edit Schedule ${original.name} in ${profile}` : `Add Schedule to ${profile}`;
  const title = (step: Step, what: string) => `${heading} (${steps.indexOf(step) + 1}/${steps.length}): ${what}`;
  const client = ctx.model.client;

  let name = original?.name;
  if (!name) {
    name = await input(title('name', 'name?'), '', 'Letters, digits, "_", "-" or "=", e.g. nightly-report', (t) =>
      checkScheduleName(t.trim()),
    );
    if (name === undefined) return;
    name = name.trim();
  }
  const was = original?.spec;
  const wasTz = was && 'cron' in was ? was.tz : undefined;
  const whenText = await input(
    title('when', 'when does it run?'),
    was ? ('every' in was ? `every ${formatDurationText(was.every)}` : was.cron) : '',
    WHEN_PROMPT,
    (t) => checkWhen(client, t, wasTz),
  );
  if (whenText === undefined) return;
  let spec = parseWhen(whenText);
  if (!spec) return;
  if ('cron' in spec) {
    const cron = spec.cron;
    const tz = await input(
      title('tz', 'in which time zone?'),
      wasTz ?? 'UTC',
      'An IANA time zone (UTC, Europe/Berlin, America/New_York); the cron pattern is read in it',
      (t) => preview(client, { cron, tz: t.trim() }),
    );
    if (tz === undefined) return;
    spec = { cron, tz: tz.trim() };
  }
  const task = await askTaskName(ctx, title('task', 'which task does it enqueue?'), original?.task);
  if (task === undefined) return;
  const payloadJson = await input(
    title('payload', 'the payload (JSON)'),
    original ? (original.payloadJson ?? 'null') : (ctx.model.host?.testTasks.find((t) => t.name === task)?.examplePayload ?? '{}'),
    'JSON, e.g. {"report": "daily"}; empty means null',
    (t) => checkPayloadJson(t),
  );
  if (payloadJson === undefined) return;
  const queue = await input(
    title('queue', 'into which queue?'),
    original?.queue ?? DEFAULT_QUEUE,
    'Letters, digits, "_" or "-" (1-64)',
    (t) => checkQueueName(t.trim()),
  );
  if (queue === undefined) return;
  const priority = await askNumber(
    title('priority', 'priority?'),
    original?.priority,
    PRIORITY,
    'priority',
    'Higher runs first: 0-9; empty: 0',
  );
  if (priority === null) return;
  const maxAttempts = await askNumber(
    title('attempts', 'how many attempts?'),
    original?.maxAttempts,
    MAX_ATTEMPTS,
    'maxAttempts',
    `Runs of a task before it is dead: 1-1,000; empty: ${DEFAULT_MAX_ATTEMPTS}`,
  );
  if (maxAttempts === null) return;
  const timeoutMs = await askNumber(
    title('timeout', 'timeout per attempt (ms)?'),
    original?.timeout,
    TIMEOUT_MS,
    'timeout',
    'A time limit for each attempt, in ms (e.g. 30000); empty: none',
  );
  if (timeoutMs === null) return;
  const catchUp = await askCatchUp(title('catchUp', 'after downtime?'), original?.catchUp ?? 'latest', original !== undefined);
  if (catchUp === undefined) return;
  // A limit stored for `all` stays when another policy is chosen (as in the dashboard's form).
  let catchUpLimit = catchUp !== 'all' ? original?.catchUpLimit : undefined;
  if (catchUp === 'all') {
    const limit = await askNumber(
      title('catchUpLimit', 'run at most how many missed ticks?'),
      original?.catchUpLimit ?? DEFAULT_CATCH_UP_LIMIT,
      CATCH_UP_LIMIT,
      'catchUpLimit',
      `The most recent missed ticks it runs: 1-1,000; empty: ${DEFAULT_CATCH_UP_LIMIT}`,
    );
    if (limit === null) return;
    catchUpLimit = limit;
  }

  const draft: ScheduleDraft = {
    profile,
    name,
    spec,
    task,
    payloadJson: payloadJson.trim() === '' ? 'null' : payloadJson,
    queue: queue.trim(),
    catchUp,
    ...(priority !== undefined ? { priority } : {}),
    ...(maxAttempts !== undefined ? { maxAttempts } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(catchUpLimit !== undefined ? { catchUpLimit } : {}),
    // Edit keeps whether it is paused (Pause and Resume change that).
    ...(original ? { paused: original.paused } : {}),
  };
  const saved = await client.request('schedules.save', draft);
  // The profile's Schedules group is read again (if it is shown), whichever way the flow started.
  const group = ctx.backends.row(`schedules:${profile}`);
  if (group instanceof SchedulesNode) ctx.backends.refresh(group);
  ctx.log.info(`${original ? 'saved' : 'added'} schedule ${saved.name} in ${profile}: ${describeSchedule(saved)}`);
  vscode.window.setStatusBarMessage(`${original ? 'Saved' : 'Added'} schedule ${saved.name}: ${describeSchedule(saved)}`, 5000);
}

/** A whole number in `range` (checked with the core's rule, naming `option`), starting from
 *  `current`; undefined when left empty (the default), null when the flow was cancelled. */
async function askNumber(
  title: string,
  current: number | undefined,
  range: WholeNumberRange,
  option: string,
  prompt: string,
): Promise<number | undefined | null> {
  const text = await input(title, current === undefined ? '' : String(current), prompt, (t) =>
    t.trim() === '' ? undefined : checkTypedWholeNumber(range, t, option),
  );
  if (text === undefined) return null;
  return parseWholeNumber(text);
}

/** The catch-up policy; the current one (or the default, latest) comes first. */
async function askCatchUp(title: string, current: CatchUpPolicyView, editing: boolean): Promise<CatchUpPolicyView | undefined> {
  const order: CatchUpPolicyView[] = [current, ...(['latest', 'none', 'all'] as const).filter((p) => p !== current)];
  const picked = await vscode.window.showQuickPick(
    order.map((policy) => ({
      label: policy,
      description: policy === current ? (editing ? 'its current policy' : 'the default') : undefined,
      detail: CATCH_UP[policy],
      policy,
    })),
    { title, ignoreFocusOut: true },
  );
  return picked?.policy;
}

/** `every 5m` → { every }, anything else → { cron } (the preview says whether it is one). */
function parseWhen(text: string): ScheduleSpecView | undefined {
  const t = text.trim();
  const every = /^every\s+(.*)$/i.exec(t);
  if (!every) return t === '' ? undefined : { cron: t };
  const ms = parseDurationText(every[1]);
  return ms === undefined ? undefined : { every: ms };
}

async function checkWhen(client: ProtocolClient, text: string, tz: string | undefined): Promise<Validation> {
  const t = text.trim();
  if (t === '') return `spec: expected ${WHEN_PROMPT.toLowerCase()}`;
  const spec = parseWhen(t);
  if (!spec) return `spec.every: expected ${EVERY_EXPECTED}`;
  return preview(client, 'cron' in spec && tz ? { cron: spec.cron, tz } : spec);
}

type Validation = string | vscode.InputBoxValidationMessage | undefined;

/** The next runs under the input (an information, so Enter takes it), or the spec's problem. */
async function preview(client: ProtocolClient, spec: ScheduleSpecView): Promise<Validation> {
  const p = await client.request('schedules.preview', { spec, runs: 3 }).catch((err: Error) => err);
  if (p instanceof Error) return `spec: ${p.message}`;
  if (p.issues.length) return p.issues.map((i) => `${i.field}: ${i.message}`).join('; ');
  const zone = 'cron' in spec ? ` (${spec.tz ?? 'UTC'} pattern; shown in local time)` : '';
  return {
    message: `Next runs${zone}: ${p.nextRuns.map(formatTime).join(', ')}`,
    severity: vscode.InputBoxValidationSeverity.Info,
  };
}

async function input(
  title: string,
  value: string,
  prompt: string,
  validateInput: (text: string) => Validation | Promise<Validation>,
): Promise<string | undefined> {
  return vscode.window.showInputBox({ title, value, prompt, ignoreFocusOut: true, validateInput });
}
