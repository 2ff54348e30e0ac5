// Where the CLI writes. Every line goes through the secret scrubber (so a password can never reach
// the terminal, a log file or CI output, whatever produced the text), colours are used only when
// the stream is a terminal, and --json switches stdout to machine-readable documents.
import picocolors from 'picocolors';
import type { Colors } from 'picocolors/types.js';
import { scrub } from '../config/redact.js';

export interface Stream {
  write(chunk: string): boolean;
  isTTY?: boolean;
  /** A terminal's size and its 'resize' event (a tty.WriteStream has them). */
  columns?: number;
  rows?: number;
  on?(event: 'resize', listener: () => void): unknown;
  off?(event: 'resize', listener: () => void): unknown;
}

export class Io {
  /** Secret values seen so far (from resolved profiles); hidden in everything written. */
  readonly secrets = new Set<string>();
  readonly colors: Colors;
  readonly errColors: Colors;

  constructor(
    readonly stdout: Stream,
    readonly stderr: Stream,
    readonly env: NodeJS.ProcessEnv,
    readonly cwd: string,
  ) {
    this.colors = picocolors.createColors(useColor(stdout, env));
    this.errColors = picocolors.createColors(useColor(stderr, env));
  }

  /** Standard output: the command's result. */
  out(text = ''): void {
    this.stdout.write(`${this.clean(text)}\n`);
  }

  /** Standard error: progress, warnings, errors. */
  err(text = ''): void {
    this.stderr.write(`${this.clean(text)}\n`);
  }

  warn(text: string): void {
    this.err(`${this.errColors.yellow('warning:')} ${text}`);
  }

  /** One JSON document on stdout (one line, so NDJSON streams work too). */
  json(value: unknown): void {
    this.stdout.write(`${this.clean(JSON.stringify(value, jsonReplacer))}\n`);
  }

  clean(text: string): string {
    return this.secrets.size ? scrub(text, this.secrets) : text;
  }

  get interactive(): boolean {
    return !!this.stderr.isTTY;
  }
}

function useColor(stream: Stream, env: NodeJS.ProcessEnv): boolean {
  if ('NO_COLOR' in env || env.TERM === 'dumb') return false;
  if ('FORCE_COLOR' in env && env.FORCE_COLOR !== '0') return true;
  return !!stream.isTTY;
}

/** Bytes and errors as something readable in JSON. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  return value;
}

/**
 * Last line of defence for text the CLI does not write itself (a library's console.warn, a stack
 * trace from Node): the process's own stdout/stderr also pass through the scrubber.
 */
export function scrubProcessOutput(secrets: Set<string>): void {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (secrets.size && (typeof chunk === 'string' || chunk instanceof Uint8Array)) {
        const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        return write(scrub(text, secrets), ...rest);
      }
      return write(chunk, ...rest);
    }) as typeof stream.write;
  }
}
