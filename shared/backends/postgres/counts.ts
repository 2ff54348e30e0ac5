// The per-queue, per-state count rows (migration 007) written by the statements that move tasks.
// Every statement that inserts or changes a task's state counts its own moves in a data-modifying
// WITH (enqueue.ts since migration 008; claims, completions, releases, cancels and requeues since
// 010); only deletes keep their trigger. About one such statement in 256 then folds the rows, as
// the triggers did.
import type { Context } from './claim.js';
import { quoteIdent } from './sql.js';

/** The share of counting statements that fold the count rows afterwards (the triggers' share, 007). */
const FOLD_CHANCE = 1 / 256;

/** An INSERT (for a data-modifying WITH) of the count rows of `deltas`: a SELECT of
 *  (queue, state, run_at, n) rows, -1 for each task leaving a state and +1 for each entering
 *  one. A delayed state keeps its run_at (a reader counts the due ones as pending); moves that
 *  cancel out (a reclaimed lease: running to running) write nothing. */
export function countDeltas(counts: string, deltas: string): string {
  return `INSERT INTO ${counts} (queue, state, run_at, n)
        SELECT queue, state, CASE WHEN state = 'delayed' THEN run_at END, sum(n) FROM (${deltas}) AS d(queue, state, run_at, n)
        GROUP BY 1, 2, 3 HAVING sum(n) <> 0`;
}

/** Now and then (FOLD_CHANCE) folds the count rows (fold_counts(), 007). The statement before it
 *  has committed whatever happens here: a fold that fails leaves the rows to the next one and
 *  fails nothing. */
export async function maybeFoldCounts(ctx: Context): Promise<void> {
  if (Math.random() >= FOLD_CHANCE) return;
  await ctx.pool.query({ text: `SELECT ${quoteIdent(ctx.tables.schema)}.fold_counts()` }).catch(() => undefined);
}
