// The PostgreSQL backend's registration (see ../registration.ts).
import { PostgresFloor } from '../../bench/floors/postgres.js';
import { loadKit } from '../kit.js';
import type { BackendRegistration } from '../registration.js';
import { parseProfileUrl } from '../url.js';
import { postgresDescriptor } from './descriptor.js';
import { PostgresBackend } from './index.js';
import { optionSchema, type PostgresOptions } from './options.js';

export const postgresRegistration: BackendRegistration<'postgres', PostgresOptions> = {
  descriptor: postgresDescriptor,
  optionSchema,
  urlSchemes: ['postgres', 'postgresql'],
  parseUrl(text) {
    parseProfileUrl(text.trim(), 'a valid postgres://user@host:port/database URL');
    return { connectionString: text.trim() };
  },
  create: (options) => new PostgresBackend(options),
  namespace(options, id) {
    const schema = `sitq_bench_${id}`;
    return { options: { ...options, schema }, label: `schema ${schema}`, removeFiles() {} };
  },
  pool: {
    note: 'PostgreSQL poolSize with maxOverflow 0, so the pool size is the number of connections enqueues can use.',
    apply: (options, size) => ({ ...options, poolSize: size, maxOverflow: 0 }),
  },
  kit: () => loadKit(import.meta.url),
  floor: (options) => new PostgresFloor(options),
};
