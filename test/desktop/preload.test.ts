// The preload's bridge: exactly three functions, protocol messages only, and the bundle it is
// shipped as loads nothing but `electron`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { createPreloadApi } from '../../desktop/preload-api.js';
import { IPC_EVENT, IPC_REQUEST, IPC_STATE } from '../../shared/protocol/bridge.js';
import type { EventMessage } from '../../shared/protocol/messages.js';
import { ROOT, ensureUiBuilt } from '../ui/build.js';

function fakeRenderer() {
  const listeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();
  const invoked: unknown[][] = [];
  return {
    invoked,
    emit: (channel: string, payload: unknown) => {
      for (const l of listeners.get(channel) ?? []) l({ sender: 'the IPC event must not leak' }, payload);
    },
    count: (channel: string) => listeners.get(channel)?.size ?? 0,
    ipc: {
      invoke: async (...args: unknown[]) => {
        invoked.push(args);
        return { type: 'response', id: 1, ok: true, result: 'pong' };
      },
      on: (channel: string, l: (event: unknown, ...args: unknown[]) => void) => {
        if (!listeners.has(channel)) listeners.set(channel, new Set());
        listeners.get(channel)!.add(l);
      },
      removeListener: (channel: string, l: (event: unknown, ...args: unknown[]) => void) => void listeners.get(channel)?.delete(l),
    },
  };
}

it('exposes request, onEvent and onState only, frozen', () => {
  const api = createPreloadApi(fakeRenderer().ipc);
  assert.deepEqual(Object.keys(api).sort(), ['onEvent', 'onState', 'request']);
  assert.equal(Object.isFrozen(api), true);
});

it('sends requests on the request channel and passes events without the IPC event object', async () => {
  const r = fakeRenderer();
  const api = createPreloadApi(r.ipc);
  const response = await api.request({ type: 'request', id: 1, method: 'hello', params: {} });
  assert.deepEqual(r.invoked, [[IPC_REQUEST, { type: 'request', id: 1, method: 'hello', params: {} }]]);
  assert.equal(response.ok, true);

  const events: EventMessage[] = [];
  const states: string[] = [];
  const off = api.onEvent((m) => events.push(m));
  api.onState((s) => states.push(s));
  const event = { type: 'event', event: 'workers', data: { workers: [] } };
  r.emit(IPC_EVENT, event);
  r.emit(IPC_EVENT, { not: 'a protocol message' });
  r.emit(IPC_STATE, 'closed');
  r.emit(IPC_STATE, 'weird');
  assert.deepEqual(events, [event]);
  assert.deepEqual(states, ['closed']);
  off();
  assert.equal(r.count(IPC_EVENT), 0);
});

it('ships as one CommonJS file that requires only electron (a sandboxed preload can load nothing else)', () => {
  ensureUiBuilt();
  const bundle = readFileSync(join(ROOT, 'dist', 'desktop', 'app', 'preload.cjs'), 'utf8');
  const required = [...bundle.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
  assert.deepEqual([...new Set(required)], ['electron']);
  assert.match(bundle, /exposeInMainWorld\("sitq"/);
});
