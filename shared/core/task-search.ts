// Searching tasks (ListTasksQuery.search): one meaning for every backend. A task matches when the
// search text occurs in its id, its name, its last error's name or message, or its payload's
// stored JSON text (payloads written by another serializer are not searched), ignoring the case
// of A–Z. SQLite and PostgreSQL match in SQL (task-search there follows the same rules); Redis
// and NATS read candidate records in pages and match them here.
import { ConfigurationError } from './errors.js';
import type { TaskPage, TaskRecord } from './types.js';

export const SEARCH_MAX_LENGTH = 200;

/** The search text, trimmed and folded to lower case, or undefined when there is none. */
export function searchNeedle(search: unknown): string | undefined {
  if (search === undefined) return undefined;
  if (typeof search !== 'string' || search.length > SEARCH_MAX_LENGTH) {
    throw new ConfigurationError({
      option: 'listTasks.search',
      expected: `text of at most ${SEARCH_MAX_LENGTH} characters`,
      given: search,
    });
  }
  const trimmed = search.trim();
  return trimmed === '' ? undefined : foldCase(trimmed);
}

/** Lower-cases A–Z only, as SQLite's lower() does, so every backend folds the same letters. */
export function foldCase(text: string): string {
  return text.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

const decoder = new TextDecoder();

export function matchesSearch(record: TaskRecord, needle: string): boolean {
  const has = (text: string | undefined) => text !== undefined && foldCase(text).includes(needle);
  return (
    has(record.id) ||
    has(record.name) ||
    has(record.error?.name) ||
    has(record.error?.message) ||
    (record.serializer === 'json' && has(decoder.decode(record.payload)))
  );
}

/**
 * One page of the matches among `candidates` (already in listing order, newest first), reading
 * their records `chunk` at a time: every candidate is read once, to count the matches.
 */
export async function searchCandidates<C>(
  candidates: readonly C[],
  read: (batch: readonly C[]) => Promise<readonly (TaskRecord | null)[]>,
  needle: string,
  page: { offset: number; limit: number },
  chunk = 250,
): Promise<TaskPage> {
  const tasks: TaskRecord[] = [];
  let total = 0;
  for (let i = 0; i < candidates.length; i += chunk) {
    for (const record of await read(candidates.slice(i, i + chunk))) {
      if (!record || !matchesSearch(record, needle)) continue;
      if (total >= page.offset && tasks.length < page.limit) tasks.push(record);
      total++;
    }
  }
  return { tasks, total };
}
