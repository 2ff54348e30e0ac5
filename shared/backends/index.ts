// The backend registry: a serializable config ({ type, ...options }) → a Backend. The config shape
// is what profiles store, what child worker processes receive, and what the tools send. Each
// backend is one folder with a descriptor (descriptors.ts lists them) and a registration (listed
// here); nothing else in the codebase names a backend kind.
import type { Backend } from '../core/backend.js';
import { ConfigurationError } from '../core/errors.js';
import { BACKEND_KINDS, type BackendKind } from './descriptors.js';
import type { BackendKit } from './kit.js';
import { memoryRegistration } from './memory/registration.js';
import { natsRegistration } from './nats/registration.js';
import { postgresRegistration } from './postgres/registration.js';
import { redisRegistration } from './redis/registration.js';
import type { BackendRegistration, OptionsOf } from './registration.js';
import { sqliteRegistration } from './sqlite/registration.js';

const REGISTRATIONS = {
  sqlite: sqliteRegistration,
  postgres: postgresRegistration,
  redis: redisRegistration,
  nats: natsRegistration,
  memory: memoryRegistration,
} as const satisfies Record<BackendKind, { descriptor: { kind: string } }>;

type Registry = typeof REGISTRATIONS;

/** A backend config: `{ type }` plus that backend's options. */
export type BackendConfig = { [K in BackendKind]: { type: K } & OptionsOf<Registry[K]> }[BackendKind];

/** The config of one kind. */
export type ConfigOf<K extends BackendKind> = Extract<BackendConfig, { type: K }>;

export { BACKEND_KINDS, type BackendKind } from './descriptors.js';

/** The registration of `type`, or a ConfigurationError naming the registered kinds. */
export function registrationOf(type: unknown): BackendRegistration<BackendKind, Record<string, unknown>> {
  const registration = (REGISTRATIONS as Record<string, unknown>)[String(type)];
  if (typeof type !== 'string' || !Object.hasOwn(REGISTRATIONS, type) || !registration) {
    throw new ConfigurationError({ option: 'type', expected: `one of ${BACKEND_KINDS.join(', ')}`, given: type });
  }
  return registration as BackendRegistration<BackendKind, Record<string, unknown>>;
}

/** Every registration, in the order the tools list them. */
export function registrations(): BackendRegistration<BackendKind, Record<string, unknown>>[] {
  return BACKEND_KINDS.map((kind) => registrationOf(kind));
}

/** A config without its `type`: the backend's own options. */
export function optionsOf(config: { type: string }): Record<string, unknown> {
  const { type: _type, ...options } = config;
  return options;
}

/** What the project's tools know about `kind` (its folder's kit.ts; see kit.ts), loaded on this
 *  call; an empty kit for a backend that has none. */
export async function kitOf(kind: BackendKind): Promise<BackendKit> {
  return (await registrationOf(kind).kit?.()) ?? {};
}

export function createBackend(config: BackendConfig): Backend {
  return registrationOf(config.type).create(optionsOf(config));
}
