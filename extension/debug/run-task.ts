// Runs one stored task's handler once, in the Node process a VS Code debug session launched
// ("Debug Task Locally"), so breakpoints in the user's handler hit. Shipped with the extension as
// one bundled file; it needs no backend: the task (name, payload, ids) comes in a JSON file.
//
//   node run-task.js <task module | -> <task file.json>
//
// The handler is found as `sitq worker --tasks` finds it (defineTask exports, a default array or
// object of them), falling back to the built-in test tasks (sitq.echo, sitq.fail, ...).
import { readFileSync } from 'node:fs';
import { ConfigurationError } from '../../shared/core/errors.js';
import { loadTaskModule } from '../../shared/core/task-module.js';
import type { TaskContext, TaskHandler } from '../../shared/core/tasks.js';
import { TEST_TASKS } from '../../shared/core/test-tasks.js';

/** What the extension writes for one run: the task as stored, and the attempt this run stands for. */
export interface DebugTaskFile {
  taskId: string;
  name: string;
  queue: string;
  payload: unknown;
  attempt: number;
  maxAttempts: number;
}

async function main(): Promise<number> {
  const [modulePath, taskFile] = process.argv.slice(2);
  if (!modulePath || !taskFile) {
    console.error('usage: run-task <task module | -> <task file.json>');
    return 2;
  }
  const task = JSON.parse(readFileSync(taskFile, 'utf8')) as DebugTaskFile;
  const handlers = new Map<string, TaskHandler>(TEST_TASKS.map((t) => [t.name, t.handler as TaskHandler]));
  if (modulePath !== '-') for (const [name, handler] of await loadTaskModule(modulePath)) handlers.set(name, handler);
  const handler = handlers.get(task.name);
  if (!handler) {
    console.error(
      new ConfigurationError({
        option: 'sitq.taskModule',
        expected: `a module that exports a handler for "${task.name}" (it exports: ${[...handlers.keys()].join(', ')})`,
        given: modulePath,
      }).message,
    );
    return 2;
  }
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort(new Error('stopped from the debugger')));
  const ctx: TaskContext = {
    taskId: task.taskId,
    name: task.name,
    queue: task.queue,
    attempt: task.attempt,
    maxAttempts: task.maxAttempts,
    signal: controller.signal,
    // Nothing is stored when debugging: what the handler reports goes to the debug console.
    progress: (value) => console.log('sitq: progress', value),
    log: (line) => console.log(`sitq: log: ${line}`),
  };
  console.log(
    `sitq: running ${task.name} (${task.taskId}) with its stored payload, from ${modulePath === '-' ? 'the built-in test tasks' : modulePath}`,
  );
  try {
    const result = await handler(task.payload, ctx);
    console.log('sitq: the handler returned', result);
    return 0;
  } catch (err) {
    console.error('sitq: the handler threw', err);
    return 1;
  }
}

process.exitCode = await main();
