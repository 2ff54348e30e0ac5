// What each raw floor implements: the simplest correct claim loop a backend's server allows,
// with the same client library, so the benchmark can say "x of what the server can do".
import type { FloorResult } from '../types.js';

export interface FloorOptions {
  /** Tasks in the backlog the loop drains. Default 10,000. */
  tasks?: number;
  /** Most tasks claimed (and in hand) at once. Default 10. */
  concurrency?: number;
  /** Payload size in bytes. Default 64. */
  payloadBytes?: number;
  /** Gives up when no task was claimed for this long (ms). Default 30,000. */
  stallTimeoutMs?: number;
  signal?: AbortSignal;
}

export type ResolvedFloorOptions = Required<Omit<FloorOptions, 'signal'>> & { signal: AbortSignal | undefined };

/** One backend's claim loop primitives. `H` is whatever the ack needs (an id, a message). */
export interface FloorDriver<H> {
  /** One line for the output, e.g. `UPDATE … RETURNING (batch) + UPDATE ack (batch)`. */
  readonly method: string;
  /** Connects and fills a private namespace with `tasks` ready tasks. Not timed. */
  setup(tasks: number, payload: Buffer): Promise<void>;
  /** Claims up to `max` tasks in one round trip; may return fewer, or none (then the loop retries). */
  claim(max: number): Promise<H[]>;
  /** Acknowledges (finishes) claimed tasks in one round trip; resolves once the server confirmed. */
  ack(handles: H[]): Promise<void>;
  /** The raw enqueue in one line, e.g. `INSERT … VALUES (…)` (autocommit). */
  readonly enqueueMethod: string;
  /**
   * Stores one task with the plainest single write the server has (one statement or command, one
   * round trip, the durability the backend's own enqueue has); resolves once the server confirmed.
   * Called after `setup(0, …)`: the raw enqueue floor, beside the processing floor.
   */
  enqueueOne(payload: Buffer): Promise<void>;
  /** Removes the namespace and closes connections. Always called, even after a failure. */
  teardown(): Promise<void>;
}

/** The lease a floor's claim records (the worker's default lease). */
export const LEASE_MS = 30_000;

export type FloorMeasure = Omit<FloorResult, 'kind' | 'method'>;
