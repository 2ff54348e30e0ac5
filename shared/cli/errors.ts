// Exit codes and how errors are shown. 0 ok, 1 the operation failed (server down, task failed,
// unknown id), 2 the command was used wrongly (bad flag, bad value, bad profile or config).
import { CommanderError } from 'commander';
import { ConfigurationError, SerializationError, SitqError } from '../core/errors.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The command line itself is wrong (a missing argument, malformed JSON, conflicting flags). */
export class UsageError extends SitqError {}

/** The operation ran and failed in a way already explained to the user; carries the exit code. */
export class CommandFailed extends SitqError {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
  }
}

export function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  if (err instanceof UsageError || err instanceof ConfigurationError || err instanceof SerializationError) return EXIT_USAGE;
  if (err instanceof CommandFailed) return err.exitCode;
  return EXIT_FAILURE;
}

/** The lines shown for an error (without the `sitq: ` prefix). */
export function describeError(err: unknown, verbose = false): string {
  if (err instanceof ConfigurationError) {
    const lines =
      err.issues.length > 1 ? ['invalid settings:', ...err.message.split('\n').map((l) => `  ${l}`)] : [`invalid setting: ${err.message}`];
    return lines.join('\n');
  }
  if (err instanceof Error) {
    const text = err instanceof SitqError ? err.message : `${err.name}: ${err.message}`;
    return verbose && err.stack ? `${text}\n${err.stack.split('\n').slice(1).join('\n')}` : text;
  }
  return String(err);
}

/** A JSON form of an error for --json output. */
export function errorJson(err: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: err instanceof Error ? err.name : 'Error',
    message: err instanceof Error ? err.message : String(err),
  };
  if (err instanceof ConfigurationError) out.issues = err.issues;
  out.exitCode = exitCodeOf(err);
  return out;
}
