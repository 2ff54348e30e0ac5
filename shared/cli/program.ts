// The `sitq` command line: global options, one module per command (commands/), and the mapping of
// every outcome to an exit code (0 ok, 1 failure, 2 usage error).
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { CliContext, type GlobalOptions } from './context.js';
import { describeError, errorJson, exitCodeOf } from './errors.js';
import type { Io } from './io.js';
import { registerCommands } from './commands/index.js';

/** Shared by every command module: runs actions and keeps the exit code. */
export class App {
  exitCode = 0;
  constructor(readonly io: Io) {}

  /**
   * Wraps a command's action: builds its context from the merged options, runs it, records the
   * exit code it returns (default 0), and always closes what it opened.
   */
  action<A extends unknown[]>(fn: (ctx: CliContext, ...args: A) => Promise<number | void>): (...args: unknown[]) => Promise<void> {
    return async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      const ctx = new CliContext(this.io, command.optsWithGlobals<GlobalOptions>());
      try {
        this.exitCode = (await fn(ctx, ...(args.slice(0, -1) as A))) ?? 0;
      } finally {
        await ctx.closeAll();
      }
    };
  }
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export function buildProgram(app: App): Command {
  const { io } = app;
  const program = new Command('sitq')
    .description('Run and inspect sitq task queues on SQLite, PostgreSQL, Redis and NATS JetStream.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option(
      '-p, --profile <name>',
      'profile to use: a name from sitq.config.json, a URL (redis://..., postgres://..., nats://..., sqlite:FILE) or inline JSON',
    )
    .option('-c, --config <file>', 'config file (default: the nearest sitq.config.json from here up)')
    .option('--json', 'print machine-readable JSON on stdout')
    .option('--verbose', 'show stack traces on errors')
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(io.errColors.red(`sitq: ${s.replace(/^error: /, '')}`)),
    });
  registerCommands(program, app);
  return program;
}

/** Runs the CLI with `argv` (without node and the script) and resolves to the exit code. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  const app = new App(io);
  const program = buildProgram(app);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return app.exitCode;
  } catch (err) {
    const opts = program.opts<GlobalOptions>();
    const json = opts.json || argv.includes('--json');
    if (err instanceof CommanderError) {
      // commander has already said what was wrong on stderr; scripts get it on stdout too
      if (json && err.exitCode !== 0)
        io.json({ ok: false, error: { name: 'UsageError', message: err.message.replace(/^error: /, ''), exitCode: exitCodeOf(err) } });
      return exitCodeOf(err);
    }
    if (json) io.json({ ok: false, error: errorJson(err) });
    io.err(io.errColors.red(`sitq: ${describeError(err, opts.verbose || argv.includes('--verbose'))}`));
    return exitCodeOf(err);
  }
}
