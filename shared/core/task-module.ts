// Loads a user's task module (for `sitq worker --tasks` and worker threads). It may export
// task definitions by name, a default array/object of them, or `{ name: handler }` as default.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigurationError } from './errors.js';
import { toHandlerMap, type TaskHandler, type TaskSet } from './tasks.js';

export async function loadTaskModule(path: string): Promise<Map<string, TaskHandler>> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigurationError({
      option: 'tasks module',
      expected: `a JavaScript module that loads (${(err as Error).message})`,
      given: path,
    });
  }
  const handlers = new Map<string, TaskHandler>();
  const add = (value: unknown) => {
    if (isDefinition(value)) handlers.set(value.name, value.handler);
    else if (Array.isArray(value) || (value && typeof value === 'object')) {
      for (const [name, handler] of toHandlerMap(value as TaskSet)) if (typeof handler === 'function') handlers.set(name, handler);
    }
  };
  for (const [key, value] of Object.entries(mod)) {
    if (key === 'default') add(value);
    else if (isDefinition(value)) add(value);
  }
  if (handlers.size === 0) {
    throw new ConfigurationError({
      option: 'tasks module',
      expected: 'exports of defineTask(...) definitions, or a default export of them',
      given: path,
    });
  }
  return handlers;
}

function isDefinition(v: unknown): v is { name: string; handler: TaskHandler } {
  return (
    !!v &&
    typeof v === 'object' &&
    typeof (v as { name?: unknown }).name === 'string' &&
    typeof (v as { handler?: unknown }).handler === 'function'
  );
}
