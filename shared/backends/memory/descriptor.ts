// What the tools show of the memory backend (zod-free; see ../descriptor.ts).
import { CONNECT_TIMEOUT_OPTION, type BackendDescriptor } from '../descriptor.js';

export const memoryDescriptor: BackendDescriptor<'memory'> = {
  kind: 'memory',
  label: 'Memory',
  icon: 'symbol-variable',
  detail: "This process's memory: for unit tests; nothing is kept",
  needsServer: false,
  inProcess: true,
  messagePrefix: /^\s*memory\b/i,
  namespaceOption: 'name',
  idleP50TargetMs: 1,
  docsNote: 'in-process, for unit tests ([shared/backends/memory/DESIGN.md](shared/backends/memory/DESIGN.md))',
  options: [
    {
      key: 'name',
      label: 'Store name',
      kind: 'text',
      placeholder: 'default',
      help: 'Backends of one process with the same name share their tasks',
      doc: "the store's name: backends of one process with the same name share tasks (default `default`)",
    },
    CONNECT_TIMEOUT_OPTION,
  ],
};
