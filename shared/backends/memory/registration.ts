// The memory backend's registration (see ../registration.ts).
import type { BackendRegistration } from '../registration.js';
import { memoryDescriptor } from './descriptor.js';
import { MemoryFloor } from './floor.js';
import { MemoryBackend } from './index.js';
import { optionSchema, type MemoryOptions } from './options.js';

export const memoryRegistration: BackendRegistration<'memory', MemoryOptions> = {
  descriptor: memoryDescriptor,
  optionSchema,
  urlSchemes: ['memory'],
  // memory:NAME (or memory: for the default store)
  parseUrl: (text) => {
    const name = text.trim().replace(/^memory:(\/\/)?/i, '');
    return name ? { name } : {};
  },
  create: (options) => new MemoryBackend(options),
  namespace: (options, id) => ({ options: { ...options, name: `bench-${id}` }, label: `store bench-${id}`, removeFiles() {} }),
  pool: {
    note: 'The memory backend has no connections. Only the concurrency axis is measured (pool size shown as 1).',
    apply: (options) => options,
  },
  floor: () => new MemoryFloor(),
};
