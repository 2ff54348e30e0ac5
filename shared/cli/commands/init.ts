// `sitq init`: writes the starter config (default profile: a local SQLite file, no server needed).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { CONFIG_FILE_NAME } from '../../config/schema.js';
import { starterConfig } from '../../config/presets.js';
import { saveConfig } from '../../config/save.js';
import { UsageError } from '../errors.js';
import { table } from '../format.js';
import type { App } from '../program.js';

export function register(program: Command, app: App): void {
  program
    .command('init')
    .description('write a starter sitq.config.json whose default profile is a local SQLite file (no server needed)')
    .option(
      '--all',
      'also add profiles for the local servers: PostgreSQL 127.0.0.1:5432 (database test), Redis 127.0.0.1:6379, NATS 127.0.0.1:4222',
    )
    .option('--force', 'overwrite an existing config file (without it, an existing file is left as it is)')
    .action(
      app.action(async (ctx, opts: { all?: boolean; force?: boolean }) => {
        const { io } = ctx;
        const path = resolve(io.cwd, ctx.options.config ?? CONFIG_FILE_NAME);
        // Run again on a project that has its config (say, after `npm start` wrote it), init has
        // nothing to do: it says so and succeeds, as `git init` does, and never overwrites.
        if (existsSync(path) && !opts.force) {
          const { config } = loadConfig({ path });
          const missing = Object.keys(starterConfig({ all: opts.all }).profiles).filter((name) => !(name in config.profiles));
          if (missing.length) {
            throw new UsageError(
              `${path} already exists without the ${missing.join(', ')} profile(s) of --all; add them to it by hand, or replace it with \`sitq init --all --force\` (its current profiles are lost)`,
            );
          }
          if (ctx.json) io.json({ ok: true, path, created: false, config });
          else
            io.out(
              `${path} already exists (profiles: ${Object.keys(config.profiles).join(', ')}); left as it is. \`sitq init --force\` replaces it.`,
            );
          return;
        }
        const written = await saveConfig(path, starterConfig({ all: opts.all }));
        if (ctx.json) {
          io.json({ ok: true, path, created: true, config: written });
          return;
        }
        io.out(`Wrote ${path}`);
        io.out();
        const rows = Object.entries(written.profiles).map(([name, entry]) => ({
          name: name === written.defaultProfile ? `${name} (default)` : name,
          entry,
        }));
        io.out(
          table(
            rows,
            [
              { header: 'PROFILE', value: (r) => r.name },
              { header: 'TYPE', value: (r) => r.entry.type },
              { header: 'DESCRIPTION', value: (r) => r.entry.description },
            ],
            io.colors,
          ),
        );
        io.out();
        io.out('Next:');
        io.out(`  sitq health                                  check the default profile`);
        io.out(`  sitq enqueue sitq.echo '{"hello":"world"}'   add a task`);
        io.out(`  sitq worker --until-empty                    run it`);
        io.out(`  sitq demo                                    the whole walk-through`);
      }),
    );
}
