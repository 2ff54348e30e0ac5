// Prometheus's own tools for the metrics tests: `promtool check metrics` and a real Prometheus
// server that scrapes a target. Debian's `prometheus` package ships both (.ci/run installs it).
// Outside CI a missing binary skips those tests with a message; under CI=true it fails the run.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IN_CI } from './servers.js';

function found(binary: string): boolean {
  return spawnSync(binary, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** A skip message when `promtool` or `prometheus` is missing outside CI; false when both are there;
 *  throws under CI. */
export function prometheusSkip(): string | false {
  const missing = ['promtool', 'prometheus'].filter((b) => !found(b));
  if (missing.length === 0) return false;
  const message = `${missing.join(' and ')} not found on PATH: install Debian's prometheus package (apt-get install prometheus) to run the Prometheus tests`;
  if (IN_CI) throw new Error(`${message} (CI=true: the metrics tests must run)`);
  return message;
}

/** `promtool check metrics` on the exposition text: its exit code and what it said. */
export function promtoolCheck(text: string): { code: number | null; output: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface ScrapeTarget {
  /** host:port */
  address: string;
  metricsPath: string;
  /** Sent as `Authorization: Bearer <token>`. */
  bearer?: string;
}

export interface PrometheusServer {
  url: string;
  /** The target's scrape state from /api/v1/targets: 'up', 'down' or 'unknown', and its last error. */
  target(): Promise<{ health: string; lastError: string } | undefined>;
  /** An instant query's samples: labels and value. */
  query(expr: string): Promise<{ metric: Record<string, string>; value: number }[]>;
  close(): Promise<void>;
}

/** Starts Prometheus on a free loopback port with a temporary config (scrape every second) and
 *  storage folder, and waits until it is ready. close() stops it and deletes the folder. */
export async function startPrometheus(target: ScrapeTarget): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sitq-prometheus-'));
  const port = await freePort();
  const auth = target.bearer ? `\n    authorization:\n      credentials: ${target.bearer}` : '';
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: sitq\n    metrics_path: ${target.metricsPath}${auth}\n    static_configs:\n      - targets: ['${target.address}']\n`,
  );
  const child: ChildProcess = spawn(
    'prometheus',
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (log = (log + d).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${log}`);
      const ready = await fetch(`${url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`prometheus was not ready in 60 s: ${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    await close();
    throw err;
  }
  return {
    url,
    async target() {
      const body = (await (await fetch(`${url}/api/v1/targets`)).json()) as {
        data: { activeTargets: { health: string; lastError: string }[] };
      };
      return body.data.activeTargets[0];
    },
    async query(expr) {
      const body = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as {
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    close,
  };
}
