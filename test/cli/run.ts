// Runs the built CLI as a process, the way a user or a script does, and collects what it printed.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { awakeDeadline, AwakeClock, afterPendingIo } from '../helpers/awake.js';

export const MAIN = fileURLToPath(new URL('../../shared/cli/main.js', import.meta.url));

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout + stderr, for "never appears anywhere" checks. */
  all: string;
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** Written to the process's standard input, which is then closed (default: no stdin). */
  input?: string;
}

function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.FORCE_COLOR;
  delete env.NO_COLOR;
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete env[k];
  return env;
}

/** A running `sitq` process whose output is collected as it comes. */
export class SitqProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly done: Promise<RunResult>;
  /** Resolves once the process has exited and its output has all been read. */
  readonly closed: Promise<void>;

  constructor(args: readonly string[], options: RunOptions) {
    this.child = spawn(process.execPath, [MAIN, ...args], {
      cwd: options.cwd,
      env: childEnv(options.env),
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (options.input !== undefined) this.child.stdin!.end(options.input);
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.closed = new Promise((resolve) => this.child.once('close', () => resolve()));
    const timeout = options.timeoutMs ?? 60_000;
    this.done = new Promise((resolve, reject) => {
      const stop = awakeDeadline(timeout, () => {
        // It exited while this process stood still: 'close' follows once its output is read.
        if (this.child.exitCode !== null || this.child.signalCode !== null) return;
        const state = processState(this.child.pid);
        this.child.kill('SIGKILL');
        reject(
          new Error(
            `sitq ${args.join(' ')} did not exit within ${timeout} ms\nprocess state when killed: ${state}\nstdout: ${this.stdout}\nstderr: ${this.stderr}`,
          ),
        );
      });
      this.child.on('close', (code, signal) => {
        stop();
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr, all: this.stdout + this.stderr });
      });
    });
  }

  /** Resolves once stdout or stderr contains `text`. */
  async waitFor(text: string | RegExp, timeoutMs = 15_000): Promise<void> {
    const seen = () => (typeof text === 'string' ? (this.stdout + this.stderr).includes(text) : text.test(this.stdout + this.stderr));
    const clock = new AwakeClock();
    try {
      while (!seen()) {
        const exited = this.child.exitCode !== null || this.child.signalCode !== null;
        if (exited || clock.elapsed() > timeoutMs) {
          // Read what arrived before deciding: all of it once the process has exited.
          await (exited ? this.closed : afterPendingIo());
          if (seen()) return;
          if (exited)
            throw new Error(
              `sitq exited (${this.child.exitCode ?? this.child.signalCode}) before printing ${String(text)}\nstdout: ${this.stdout}\nstderr: ${this.stderr}`,
            );
          throw new Error(`timed out waiting for ${String(text)}\nstdout: ${this.stdout}\nstderr: ${this.stderr}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      clock.stop();
    }
  }
}

/** What the kernel says a process and each of its threads is doing (Linux: R running, S waiting,
 *  D on disk, T stopped; and the kernel function it waits in), for a hang's failure message. */
export function processState(pid: number | undefined): string {
  if (pid === undefined) return 'no pid';
  try {
    const threads = readdirSync(`/proc/${pid}/task`).map((tid) => {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
      let wchan = '';
      try {
        wchan = readFileSync(`/proc/${pid}/task/${tid}/wchan`, 'utf8');
      } catch {
        // not readable on every kernel
      }
      return `${tid}:${state}${wchan && wchan !== '0' ? `(${wchan})` : ''}`;
    });
    return `threads ${threads.join(' ')}`;
  } catch (err) {
    return `not readable (${(err as Error).message})`;
  }
}

export function sitq(args: readonly string[], options: RunOptions): Promise<RunResult> {
  return new SitqProcess(args, options).done;
}

/** Parses the one JSON document a --json command printed. */
export function json<T = Record<string, unknown>>(r: RunResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${r.code}):\n${r.stdout}\nstderr: ${r.stderr}`);
  }
}

/** A temp folder, optionally with a sitq.config.json; remove() deletes it. */
export function tempProject(config?: unknown): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'sitq-cli-test-'));
  if (config !== undefined) writeFileSync(join(dir, 'sitq.config.json'), JSON.stringify(config, null, 2));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

// eslint-disable-next-line no-control-regex
export const ANSI = /\u001b\[/;
