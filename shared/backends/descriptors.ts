// The registry's zod-free half: every backend's descriptor, in the order the tools list them.
// Adding a backend adds one line here and one in index.ts (its registration).
import type { BackendDescriptor } from './descriptor.js';
import { memoryDescriptor } from './memory/descriptor.js';
import { natsDescriptor } from './nats/descriptor.js';
import { postgresDescriptor } from './postgres/descriptor.js';
import { redisDescriptor } from './redis/descriptor.js';
import { sqliteDescriptor } from './sqlite/descriptor.js';

export const BACKEND_DESCRIPTORS = [sqliteDescriptor, postgresDescriptor, redisDescriptor, natsDescriptor, memoryDescriptor] as const;

/** A registered backend's name: `sqlite`, `postgres`, ... */
export type BackendKind = (typeof BACKEND_DESCRIPTORS)[number]['kind'];

/** The backend a new install starts with (`sitq init`, the dashboard's first profile): a file, no server. */
export const DEFAULT_BACKEND_KIND: BackendKind = 'sqlite';

export const BACKEND_KINDS: readonly BackendKind[] = BACKEND_DESCRIPTORS.map((d) => d.kind);

export function isBackendKind(value: unknown): value is BackendKind {
  return typeof value === 'string' && (BACKEND_KINDS as readonly string[]).includes(value);
}

/** A backend's kind as the registry types it (a Backend states it as a plain string: the core
 *  names no backend). */
export function kindOf(backend: { readonly kind: string }): BackendKind {
  return backend.kind as BackendKind;
}

/** The descriptor of a registered kind. */
export function descriptorOf(kind: BackendKind): BackendDescriptor<BackendKind> {
  return BACKEND_DESCRIPTORS.find((d) => d.kind === kind) as BackendDescriptor<BackendKind>;
}

/** `SQLite`, `PostgreSQL`, ...; the kind itself for an unknown one. */
export function backendLabel(kind: string): string {
  return BACKEND_DESCRIPTORS.find((d) => d.kind === kind)?.label ?? kind;
}
