// The Redis backend's registration (see ../registration.ts).
import { RedisFloor } from '../../bench/floors/redis.js';
import { ConfigurationError } from '../../core/errors.js';
import { loadKit } from '../kit.js';
import type { BackendRegistration } from '../registration.js';
import { parseProfileUrl } from '../url.js';
import { redisDescriptor } from './descriptor.js';
import { RedisBackend } from './index.js';
import { optionSchema, type RedisOptions } from './options.js';

export const redisRegistration: BackendRegistration<'redis', RedisOptions> = {
  descriptor: redisDescriptor,
  optionSchema,
  urlSchemes: ['redis', 'rediss'],
  parseUrl(text) {
    const url = parseProfileUrl(text.trim(), 'a valid redis://host:port/db URL');
    const options: RedisOptions = {};
    if (url.hostname) options.host = url.hostname.replace(/^\[|\]$/g, '');
    if (url.port) options.port = Number(url.port);
    const db = url.pathname.replace(/^\//, '');
    if (db) {
      if (!/^\d+$/.test(db))
        throw new ConfigurationError({ option: 'profile', expected: 'a database number after the port (redis://host:port/0)', given: db });
      options.db = Number(db);
    }
    if (url.username) options.username = decodeURIComponent(url.username);
    if (url.password) options.password = decodeURIComponent(url.password);
    if (url.protocol === 'rediss:') options.tls = true;
    return options;
  },
  create: (options) => new RedisBackend(options),
  namespace(options, id) {
    const keyPrefix = `sitq-bench:${id}:`;
    return { options: { ...options, keyPrefix }, label: `prefix ${keyPrefix}`, removeFiles() {} };
  },
  pool: {
    note: 'Redis maxConnections. Enqueues always travel on the one command connection (ioredis pipelines them); the other connections serve waiting claims and result notifications, so this setting is not expected to change enqueue figures.',
    apply: (options, size) => ({ ...options, maxConnections: size }),
  },
  kit: () => loadKit(import.meta.url),
  floor: (options) => new RedisFloor(options),
};
