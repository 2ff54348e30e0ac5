// A temp folder of this test's own for code that writes to os.tmpdir() (the benchmarks' SQLite
// files): os.tmpdir() follows TMPDIR on every call, so pointing TMPDIR here for the duration of a
// call keeps its files apart from every other run on the machine (a concurrent `npm run bench`
// creates `sitq-bench-*` files in the shared /tmp too). Tests in one file run one at a time.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PrivateTmpdir<T> {
  result: T;
  /** Every name seen in the folder while `run` was running (sampled by `peek`), so a test can show
   *  the code under test really wrote here, and its leftovers check means something. */
  seen: Set<string>;
  /** What is left in the folder after `run`. */
  left: string[];
}

export async function inPrivateTmpdir<T>(run: (peek: () => void) => Promise<T>): Promise<PrivateTmpdir<T>> {
  const dir = mkdtempSync(join(tmpdir(), 'sitq-test-tmp-'));
  const previous = process.env.TMPDIR;
  const seen = new Set<string>();
  const peek = () => {
    for (const name of readdirSync(dir)) seen.add(name);
  };
  process.env.TMPDIR = dir;
  try {
    const result = await run(peek);
    return { result, seen, left: readdirSync(dir) };
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(dir, { recursive: true, force: true });
  }
}
