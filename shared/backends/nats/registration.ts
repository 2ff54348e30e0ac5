// The NATS JetStream backend's registration (see ../registration.ts).
import { NatsFloor } from '../../bench/floors/nats.js';
import { loadKit } from '../kit.js';
import type { BackendRegistration } from '../registration.js';
import { parseProfileUrl } from '../url.js';
import { natsDescriptor } from './descriptor.js';
import { NatsBackend } from './index.js';
import { optionSchema, type NatsOptions } from './options.js';

export const natsRegistration: BackendRegistration<'nats', NatsOptions> = {
  descriptor: natsDescriptor,
  optionSchema,
  urlSchemes: ['nats', 'tls'],
  parseUrl(text) {
    const servers = text.trim().split(',');
    for (const server of servers)
      parseProfileUrl(
        /^[a-z]+:\/\//i.test(server) ? server : `nats://${server}`,
        'valid nats://host:port server URLs, separated by commas',
      );
    return { servers };
  },
  create: (options) => new NatsBackend(options),
  namespace(options, id) {
    const streamName = `SITQ_BENCH_${id.toUpperCase()}`;
    return { options: { ...options, streamName }, label: `stream ${streamName}`, removeFiles() {} };
  },
  pool: {
    note: 'NATS has no connection pool: one connection multiplexes every request. Only the concurrency axis is measured (pool size shown as 1).',
    apply: (options) => options,
  },
  kit: () => loadKit(import.meta.url),
  floor: (options) => new NatsFloor(options),
};
