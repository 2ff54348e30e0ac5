// `sitq profiles`: the profiles of the config, where each points (redacted) and whether it is usable.
import type { Command } from 'commander';
import { redact, redactValue } from '../../config/redact.js';
import { describeError } from '../errors.js';
import { table } from '../format.js';
import type { App } from '../program.js';

export function register(program: Command, app: App): void {
  program
    .command('profiles')
    .description('list the profiles of sitq.config.json, where each points and whether it can be used')
    .action(
      app.action(async (ctx) => {
        const { io } = ctx;
        const { path, config } = ctx.config();
        const all = await ctx.allProfiles();
        const { createBackend } = await import('../../backends/index.js');
        const rows = all.map(({ name, profile, error }) => {
          const entry = config.profiles[name];
          return {
            name,
            type: entry.type,
            default: name === config.defaultProfile,
            description: entry.description,
            address: profile ? redact(createBackend(profile.backend).address) : undefined,
            options: redactValue(entry),
            ok: !error,
            problem: error
              ? describeError(error)
                  .replace(/^invalid settings?:\s*/, '')
                  .replace(/\n\s*/g, '; ')
              : undefined,
          };
        });
        if (ctx.json) {
          io.json({ ok: true, path, defaultProfile: config.defaultProfile, profiles: rows });
          return;
        }
        const c = io.colors;
        io.out(c.dim(`from ${path}`));
        io.out(
          table(
            rows,
            [
              { header: 'PROFILE', value: (r) => (r.default ? `${r.name} *` : r.name) },
              { header: 'TYPE', value: (r) => r.type },
              { header: 'ADDRESS', value: (r) => r.address ?? '-' },
              { header: 'STATUS', value: (r) => (r.ok ? 'ok' : `unusable: ${r.problem}`), color: (t, r) => (r.ok ? c.green(t) : c.red(t)) },
            ],
            c,
          ),
        );
        if (rows.some((r) => r.default)) io.out(c.dim('* default profile'));
        return rows.every((r) => r.ok) ? 0 : 1;
      }),
    );
}
