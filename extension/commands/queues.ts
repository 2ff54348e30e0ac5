// Pause and Resume on a queue row (inline and in its menu): stored on the backend and obeyed by
// every worker of every process (queues.pause / queues.resume); running tasks finish, enqueueing
// still works. Each is the other's undo, so neither asks first. The profile's counts are read
// again at once, so the row says `paused` (or no longer) without waiting for the next push.
// Set Queue Limits… and Set Retention… are the CLI's `sitq limits` / `sitq retention` as input
// boxes, starting from what is stored (queues.settings); each value is checked as it is typed with
// the core's own parsers, and an empty box removes that limit or rule.
import * as vscode from 'vscode';
import { checkTypedWholeNumber, parseWholeNumber } from '../../shared/core/rules.js';
import {
  KEEP_RULE_EXPECTED,
  KEEP_STATES,
  MAX_RUNNING,
  RATE_TEXT_EXPECTED,
  checkKeep,
  formatDurationText,
  formatRate,
  parseKeepRule,
  parseRate,
  type KeepSettings,
} from '../../shared/core/queue-settings.js';
import type { Ctx } from '../context.js';
import { describeKeepRule, describeLimits, QueueNode } from '../tree/nodes.js';

export async function pauseQueue(ctx: Ctx, node: unknown): Promise<void> {
  await setPaused(ctx, node, 'queues.pause');
}

export async function resumeQueue(ctx: Ctx, node: unknown): Promise<void> {
  await setPaused(ctx, node, 'queues.resume');
}

async function setPaused(ctx: Ctx, node: unknown, method: 'queues.pause' | 'queues.resume'): Promise<void> {
  if (!(node instanceof QueueNode)) return;
  const { profile } = node;
  const { queue } = node.queue;
  await ctx.model.client.request(method, { profile, queue });
  await ctx.model.refreshQueues(profile);
  vscode.window.setStatusBarMessage(`${method === 'queues.pause' ? 'Paused' : 'Resumed'} queue ${queue} (${profile})`, 3000);
}

/** Set Queue Limits… (a queue row's menu): the rate (`100/1s`) and the most running at once. */
export async function setQueueLimits(ctx: Ctx, node: unknown): Promise<void> {
  if (!(node instanceof QueueNode)) return;
  const { profile } = node;
  const { queue } = node.queue;
  const now = await ctx.model.client.request('queues.settings', { profile, queue });
  const title = (step: number, what: string) => `Limits of queue ${queue} in ${profile} (${step}/2): ${what}`;
  const rateText = await vscode.window.showInputBox({
    title: title(1, 'how many tasks may start per period?'),
    value: now.rate ? formatRate(now.rate) : '',
    prompt: 'N/PERIOD across every worker: 100/1s, 10/500ms, 1000/1m; empty: no rate limit',
    ignoreFocusOut: true,
    validateInput: (t) => (t.trim() === '' || parseRate(t) ? undefined : `limits.rate: expected ${RATE_TEXT_EXPECTED}`),
  });
  if (rateText === undefined) return;
  const runningText = await vscode.window.showInputBox({
    title: title(2, 'how many may run at once?'),
    value: now.maxRunning === undefined ? '' : String(now.maxRunning),
    prompt: 'Across every worker of every process; empty: no limit',
    ignoreFocusOut: true,
    validateInput: (t) => (t.trim() === '' ? undefined : checkTypedWholeNumber(MAX_RUNNING, t, 'limits.maxRunning')),
  });
  if (runningText === undefined) return;
  const saved = await ctx.model.client.request('queues.setLimits', {
    profile,
    queue,
    rate: parseRate(rateText) ?? null,
    maxRunning: parseWholeNumber(runningText) ?? null,
  });
  await ctx.model.refreshQueues(profile);
  vscode.window.setStatusBarMessage(`Queue ${queue} (${profile}): ${describeLimits(saved) || 'no limits'}`, 5000);
}

/** Set Retention… (a queue row's menu): how long / how many finished tasks of each state it keeps. */
export async function setRetention(ctx: Ctx, node: unknown): Promise<void> {
  if (!(node instanceof QueueNode)) return;
  const { profile } = node;
  const { queue } = node.queue;
  const keep: KeepSettings = { ...((await ctx.model.client.request('queues.settings', { profile, queue })).keep ?? {}) };
  for (const [i, state] of KEEP_STATES.entries()) {
    const rule = keep[state];
    const text = await vscode.window.showInputBox({
      title: `Retention of queue ${queue} in ${profile} (${i + 1}/${KEEP_STATES.length}): ${state} tasks`,
      value: rule
        ? [rule.maxAgeMs === undefined ? '' : formatDurationText(rule.maxAgeMs), rule.maxCount ?? ''].filter((p) => p !== '').join(',')
        : '',
      prompt: `Keep ${state} tasks: ${KEEP_RULE_EXPECTED}; empty keeps them all`,
      ignoreFocusOut: true,
      validateInput: (t) => {
        if (t.trim() === '') return undefined;
        const parsed = parseKeepRule(t);
        return 'bad' in parsed ? `keep.${state}: expected ${KEEP_RULE_EXPECTED}; "${parsed.bad}" is not one` : undefined;
      },
    });
    if (text === undefined) return;
    const parsed = text.trim() === '' ? { rule: 'none' as const } : parseKeepRule(text);
    if ('bad' in parsed) return;
    if (parsed.rule === 'none') delete keep[state];
    else keep[state] = parsed.rule;
  }
  const saved = await ctx.model.client.request('queues.setRetention', { profile, queue, keep: checkKeep(keep) });
  const kept = KEEP_STATES.map((s) => `${s}: ${describeKeepRule(saved.keep?.[s])}`).join('; ');
  ctx.log.info(`retention of ${profile}/${queue}: ${kept}`);
  vscode.window.setStatusBarMessage(`Queue ${queue} (${profile}) keeps ${kept}`, 5000);
}
