// Runs inside a worker thread: loads the task module, then runs one task at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { UnrecoverableError, toTaskError } from './errors.js';
import { serializerNamed } from './serializers.js';
import { loadTaskModule } from './task-module.js';
import { checkProgress } from './progress.js';
import type { TaskContext } from './tasks.js';
import { withTraceHeaders } from './tracing.js';
import type { FromThread, ThreadContext } from './thread-pool.js';

const port = parentPort!;
const send = (msg: FromThread) => port.postMessage(msg);

try {
  const handlers = await loadTaskModule((workerData as { module: string }).module);
  // eslint-disable-next-line @typescript-eslint/no-misused-promises -- Node ignores a listener's result; the handler catches every failure and posts it back
  port.on('message', async (msg: { id: number; name: string; payload: Uint8Array; serializer: string; context: ThreadContext }) => {
    try {
      const serializer = serializerNamed(msg.serializer);
      const handler = handlers.get(msg.name);
      if (!handler) throw new UnrecoverableError(`the thread module has no task "${msg.name}"`);
      const { trace, ...fields } = msg.context;
      const context: TaskContext = {
        ...fields,
        signal: new AbortController().signal,
        // Checked here, so a bad value throws in the handler as it does on the main thread.
        progress: (value) => send({ type: 'progress', id: msg.id, value: checkProgress(value) }),
        log: (line) => send({ type: 'log', id: msg.id, line: String(line) }),
      };
      const value = await withTraceHeaders(trace, async () => handler(serializer.deserialize(msg.payload), context));
      send({ type: 'done', id: msg.id, result: serializer.serialize(value) });
    } catch (err) {
      send({ type: 'error', id: msg.id, error: toTaskError(err), unrecoverable: err instanceof UnrecoverableError });
    }
  });
  send({ type: 'ready', names: [...handlers.keys()] });
} catch (err) {
  send({ type: 'load-failed', message: (err as Error).message });
}
