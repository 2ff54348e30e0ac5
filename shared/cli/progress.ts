// Progress bars on long work, drawn on stderr and only when it is a terminal (never in --json
// mode, never into a pipe or a CI log).
import cliProgress from 'cli-progress';
import type { Io } from './io.js';

export interface Progress {
  /** `phase` replaces the text after the counts (e.g. "redis: processing"). */
  update(done: number, phase?: string): void;
  setTotal(total: number): void;
  stop(): void;
}

const NONE: Progress = { update() {}, setTotal() {}, stop() {} };

export function progressBar(io: Io, total: number, label: string, json: boolean): Progress {
  if (json || !io.interactive) return NONE;
  const bar = new cliProgress.SingleBar(
    {
      stream: io.stderr as unknown as NodeJS.WritableStream,
      format: `${label.padEnd(18)} [{bar}] {percentage}% {value}/{total} {phase}`,
      hideCursor: true,
      clearOnComplete: true,
      barsize: 30,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { phase: '' });
  return {
    update: (done, phase) => bar.update(done, { phase: phase ?? '' }),
    setTotal: (t) => bar.setTotal(t),
    stop: () => bar.stop(),
  };
}
