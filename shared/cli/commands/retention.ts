// `sitq retention QUEUE [--succeeded RULE] [--dead RULE] [--cancelled RULE] [--clear]`: shows or
// sets how many finished tasks a queue keeps. A RULE is an age (`7d`, `12h`: delete what finished
// longer ago), a count (`1000`: keep the newest that many), both (`7d,1000`), or `none`. The
// workers enforce it continuously (one at a time); see docs/semantics.md, "Retention".
import { InvalidArgumentError, type Command } from 'commander';
import { KEEP_RULE_EXPECTED, KEEP_STATES, parseKeepRule, type KeepRule, type KeepSettings } from '../../core/queue-settings.js';
import { TaskQueue } from '../../core/queue.js';
import { queueName } from '../args.js';
import { formatMs, formatNumber } from '../format.js';
import type { App } from '../program.js';

/** `7d` → { maxAgeMs }, `1000` → { maxCount }, `7d,1000` → both, `none` → 'none' (no rule). */
export function keepRule(value: string): KeepRule | 'none' {
  const parsed = parseKeepRule(value);
  if ('bad' in parsed) throw new InvalidArgumentError(`expected ${KEEP_RULE_EXPECTED}; "${parsed.bad}" is not one.`);
  return parsed.rule;
}

function describeRule(rule: KeepRule | undefined): string {
  if (!rule) return 'keep all';
  const parts = [];
  if (rule.maxAgeMs !== undefined) parts.push(`finished within ${formatMs(rule.maxAgeMs)}`);
  if (rule.maxCount !== undefined) parts.push(`the newest ${formatNumber(rule.maxCount)}`);
  return `keep ${parts.join(', at most ')}`;
}

type Flags = { succeeded?: KeepRule | 'none'; dead?: KeepRule | 'none'; cancelled?: KeepRule | 'none'; clear?: boolean };

export function register(program: Command, app: App): void {
  program
    .command('retention')
    .description('show or set how many finished tasks a queue keeps (the workers delete the rest continuously)')
    .argument('<queue>', 'queue name', queueName)
    .option('--succeeded <rule>', 'succeeded tasks: an age (7d), a count (1000), both (7d,1000) or none', keepRule)
    .option('--dead <rule>', 'dead tasks: an age, a count, both or none', keepRule)
    .option('--cancelled <rule>', 'cancelled tasks: an age, a count, both or none', keepRule)
    .option('--clear', 'remove every retention rule of the queue (it keeps everything)')
    .action(
      app.action(async (ctx, queueNameArg: string, flags: Flags) => {
        const profile = await ctx.profile();
        const queue = new TaskQueue(await ctx.connect(profile));
        const changing = flags.clear === true || KEEP_STATES.some((s) => flags[s] !== undefined);
        let keep: KeepSettings;
        if (!changing) keep = (await queue.getQueueSettings(queueNameArg)).keep ?? {};
        else {
          // The states not named keep their current rule.
          keep = flags.clear ? {} : { ...((await queue.getQueueSettings(queueNameArg)).keep ?? {}) };
          for (const state of KEEP_STATES) {
            const rule = flags[state];
            if (rule === 'none') delete keep[state];
            else if (rule !== undefined) keep[state] = rule;
          }
          keep = (await queue.setRetention(queueNameArg, keep)).keep ?? {};
        }
        if (ctx.json) ctx.io.json({ ok: true, queue: queueNameArg, keep, changed: changing, profile: profile.name });
        else ctx.io.out(KEEP_STATES.map((s) => `${s.padEnd(10)} ${describeRule(keep[s])}`).join('\n'));
      }),
    );
}
