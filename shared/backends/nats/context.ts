// What the parts of one connected session share.
import type { EventEmitter } from 'node:events';
import type { NatsConnection } from 'nats';
import type { LevelRegistry } from './levels.js';
import type { Meta } from './meta.js';
import type { Names } from './names.js';
import type { WorkPublisher } from './publish.js';
import type { RecordStore, Versioned } from './records.js';
import type { Requester } from './requester.js';
import type { EventOutbox } from './events.js';
import type { Scheduler } from './scheduler.js';
import type { Topology } from './setup.js';
import type { Lease } from '../../core/types.js';

export interface Session {
  readonly nc: NatsConnection;
  readonly requester: Requester;
  readonly names: Names;
  readonly store: RecordStore;
  readonly meta: Meta;
  readonly levels: LevelRegistry;
  readonly scheduler: Scheduler;
  readonly publisher: WorkPublisher;
  readonly topology: Topology;
  readonly held: HeldLeases;
  /** Events waiting to share the next request's socket write (events.ts). */
  readonly outbox: EventOutbox;
  /** Aborted by close(): waiting claims return empty. */
  readonly lifetime: AbortSignal;
  /** `reconnected`: pulls waiting on the server were lost with the old connection. */
  readonly events: EventEmitter<{ reconnected: [] }>;
}

/** Records of the leases this process holds, at the revision it last wrote: reports under
 *  them compare-and-set without reading first. */
export class HeldLeases {
  private readonly byId = new Map<string, Versioned>();

  remember(v: Versioned): void {
    this.byId.set(v.rec.id, v);
  }

  forget(taskId: string): void {
    this.byId.delete(taskId);
  }

  /** The cached record, if it is the one this lease was written under. */
  lookup(lease: Lease): Versioned | undefined {
    const v = this.byId.get(lease.taskId);
    return v && v.rec.token === lease.token ? v : undefined;
  }
}
