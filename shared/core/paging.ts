// Reading a listing's page from whichever end is nearer. Listings go newest first and skip
// `offset` tasks; skipping costs every backend a walk of the skipped entries (an SQL OFFSET, a
// scan of an index), so a page near the end (the oldest tasks) would cost a walk of almost the
// whole listing. Once the listing's total is known, the same page is the oldest-first listing
// skipping `total - offset - limit`, read backwards: whichever skip is smaller is the one to walk.

export interface PageWindow {
  /** Read oldest first (then reverse the rows) instead of newest first. */
  oldestFirst: boolean;
  /** How many to skip in that direction. */
  offset: number;
  /** How many to read (fewer than asked at the end of the listing; 0 past it). */
  limit: number;
}

/** Where to read the page `offset`, `limit` (newest first) of a listing of `total` tasks. */
export function pageWindow(total: number, offset: number, limit: number): PageWindow {
  const rows = Math.max(0, Math.min(limit, total - offset));
  const fromOldest = Math.max(0, total - offset - limit);
  if (rows === 0) return { oldestFirst: false, offset, limit: 0 };
  return fromOldest < offset ? { oldestFirst: true, offset: fromOldest, limit: rows } : { oldestFirst: false, offset, limit: rows };
}

/** The rows read for a window, newest first. */
export function newestFirst<T>(window: PageWindow, rows: T[]): T[] {
  return window.oldestFirst ? rows.reverse() : rows;
}
