// Runs of each task under a load test: how many tasks ran, and how many ran more than once
// (at-least-once allows a repeat after a lost lease; the tests count and report them).
export class Ledger<K = string> {
  readonly runs = new Map<K, number>();

  record(key: K): void {
    this.runs.set(key, (this.runs.get(key) ?? 0) + 1);
  }

  /** Extra runs in all: a task that ran twice adds 1. */
  get duplicates(): number {
    let n = 0;
    for (const count of this.runs.values()) n += count - 1;
    return n;
  }
}
