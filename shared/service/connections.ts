// One connected backend per profile, opened on first use and shared by every screen and session.
// A profile whose settings change gets a fresh connection; a failed connect is not cached, so the
// next request tries again (the health monitor shows the failure meanwhile).
import type { Backend } from '../core/backend.js';
import { createBackend } from '../backends/index.js';
import type { Profile } from '../config/profiles.js';
import { TaskQueue } from '../core/queue.js';
import { ensureLocalFolder } from './local-files.js';
import type { ProfileBook } from './profiles.js';

export interface Connection {
  profile: Profile;
  backend: Backend;
  queue: TaskQueue;
}

interface Slot {
  fingerprint: string;
  ready: Promise<Connection>;
}

export class Connections {
  private readonly slots = new Map<string, Slot>();

  constructor(private readonly profiles: ProfileBook) {}

  async get(name: string): Promise<Connection> {
    const profile = await this.profiles.resolve(name);
    const fingerprint = JSON.stringify(profile.backend);
    const slot = this.slots.get(name);
    if (slot && slot.fingerprint === fingerprint) return slot.ready;
    if (slot) this.drop(name, slot);
    const ready = open(profile);
    const fresh: Slot = { fingerprint, ready };
    this.slots.set(name, fresh);
    ready.catch(() => {
      if (this.slots.get(name) === fresh) this.slots.delete(name);
    });
    return ready;
  }

  /** Secret values of every connected profile, for scrubbing messages. */
  async secrets(): Promise<string[]> {
    const out: string[] = [];
    for (const slot of this.slots.values()) {
      const c = await slot.ready.catch(() => undefined);
      if (c) out.push(...c.profile.secrets);
    }
    return out;
  }

  /** Closes connections of profiles that no longer exist. */
  prune(existing: readonly string[]): void {
    for (const [name, slot] of this.slots) if (!existing.includes(name)) this.drop(name, slot);
  }

  /** Closes every connection (each queue first writes its last enqueue counts to the history). */
  async close(): Promise<void> {
    const all = [...this.slots.values()];
    this.slots.clear();
    await Promise.all(all.map((s) => s.ready.then((c) => c.queue.close()).catch(() => {})));
  }

  private drop(name: string, slot: Slot): void {
    this.slots.delete(name);
    void slot.ready.then((c) => c.queue.close()).catch(() => {});
  }
}

async function open(profile: Profile): Promise<Connection> {
  ensureLocalFolder(profile.backend);
  const backend = createBackend(profile.backend);
  await backend.connect();
  return { profile, backend, queue: new TaskQueue(backend) };
}
