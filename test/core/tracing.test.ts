// OpenTelemetry spans (shared/core/tracing.ts) with the SDK's in-memory exporter: a trace started
// in an "HTTP request" continues through enqueue (send), the claim (receive), the handler (process,
// with the handler's own span inside) and the report (settle), in this process on memory and
// across processes on SQLite (the traceparent travels in the task's headers); failures mark the
// spans; without @opentelemetry/api (or with tracing: false) nothing is added.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { createBackend } from '../../shared/backends/index.js';
import { silentLogger } from '../../shared/core/logger.js';
import { TaskQueue } from '../../shared/core/queue.js';
import { setTracingImporter, tracingAvailable } from '../../shared/core/tracing.js';
import { Worker } from '../../shared/core/worker.js';
import { eventually } from '../conformance/harness.js';
import { startWorkerProcess, stopAll } from '../conformance/processes.js';
import { facts, registerSdk, tracedTask, type SdkSetup, type SpanFacts } from '../helpers/otel.js';

const TRACED_WORKER = fileURLToPath(new URL('../fixtures/traced-worker.js', import.meta.url));
const TRACED_THREAD_TASKS = fileURLToPath(new URL('../fixtures/traced-thread-tasks.js', import.meta.url));

/** Starts "GET /signup" as the active span and enqueues inside it, as a web handler would. */
async function enqueueInRequest(
  q: TaskQueue,
  payload: { fail?: boolean },
  maxAttempts = 1,
): Promise<{ id: string; traceId: string; httpSpanId: string }> {
  const span = trace.getTracer('app').startSpan('GET /signup', { kind: SpanKind.SERVER });
  try {
    const id = await context.with(trace.setSpan(context.active(), span), () => q.enqueue('test.traced', payload, { maxAttempts }));
    return { id, traceId: span.spanContext().traceId, httpSpanId: span.spanContext().spanId };
  } finally {
    span.end();
  }
}

/** Checks the shape of one task's trace: send under the request, receive/process under send, the
 *  handler's span under process, settle under process; one trace id throughout. */
function checkTrace(spans: SpanFacts[], traceId: string, httpSpanId: string, queue = 'default'): Record<string, SpanFacts> {
  const ours = spans.filter((s) => s.traceId === traceId);
  const by = (name: string) => {
    const found = ours.filter((s) => s.name === name);
    assert.equal(found.length, 1, `one "${name}" span in the trace, found ${found.length}: ${ours.map((s) => s.name).join(', ')}`);
    return found[0];
  };
  const send = by(`send ${queue}`);
  const receive = by(`receive ${queue}`);
  const process = by(`process ${queue}`);
  const handler = by('handler work');
  const settle = by(`settle ${queue}`);
  assert.equal(send.parentSpanId, httpSpanId);
  assert.equal(send.kind, SpanKind.PRODUCER);
  assert.equal(receive.parentSpanId, send.spanId);
  assert.equal(receive.kind, SpanKind.CONSUMER);
  assert.equal(process.parentSpanId, send.spanId);
  assert.equal(process.kind, SpanKind.CONSUMER);
  assert.equal(handler.parentSpanId, process.spanId, 'the handler runs with the process span active');
  assert.equal(settle.parentSpanId, process.spanId);
  assert.equal(send.attributes['messaging.system'], 'sitq');
  assert.equal(process.attributes['messaging.destination.name'], queue);
  assert.equal(process.attributes['sitq.task.name'], 'test.traced');
  return { send, receive, process, handler, settle };
}

describe('OpenTelemetry spans', () => {
  let sdk: SdkSetup;
  before(() => {
    sdk = registerSdk();
  });
  after(() => sdk.shutdown());

  it('in one process (memory): request → send → receive / process (→ handler) → settle; a failure marks process and settle', async () => {
    const backend = createBackend({ type: 'memory', name: `tracing-${process.pid}` });
    await backend.connect();
    const q = new TaskQueue(backend, { logger: silentLogger, history: false });
    const worker = new Worker(backend, { tasks: [tracedTask], pollInterval: 20, logger: silentLogger });
    try {
      const ok = await enqueueInRequest(q, {});
      const bad = await enqueueInRequest(q, { fail: true });
      const stored = await backend.getTask(ok.id);
      assert.match(stored?.headers?.traceparent ?? '', new RegExp(`^00-${ok.traceId}-[0-9a-f]{16}-01$`));
      await worker.start();
      await eventually(
        'both tasks to finish',
        async () => (await backend.getTask(bad.id))?.state === 'dead' && (await backend.getTask(ok.id))?.state === 'succeeded',
        20_000,
      );
      await worker.stop();
      const spans = sdk.exporter.getFinishedSpans().map(facts);
      const good = checkTrace(spans, ok.traceId, ok.httpSpanId);
      assert.equal(good.process.status, SpanStatusCode.UNSET);
      assert.equal(good.settle.attributes['sitq.task.outcome'], 'succeeded');
      const failed = checkTrace(spans, bad.traceId, bad.httpSpanId);
      assert.equal(failed.process.status, SpanStatusCode.ERROR);
      assert.deepEqual(failed.process.events, ['exception']);
      assert.equal(failed.settle.attributes['sitq.task.outcome'], 'dead');
    } finally {
      await worker.stop();
      await backend.destroy();
      await backend.close();
    }
  });

  it('across processes (SQLite): the worker process continues the trace the enqueuing process started', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sitq-trace-'));
    const config = { type: 'sqlite' as const, path: join(dir, 'q.db') };
    const backend = createBackend(config);
    await backend.connect();
    const children: ChildProcess[] = [];
    const spansFile = join(dir, 'spans.json');
    try {
      const q = new TaskQueue(backend, { logger: silentLogger, history: false });
      const { id, traceId, httpSpanId } = await enqueueInRequest(q, {});
      await startWorkerProcess(config, '', { SITQ_TEST_SPANS: spansFile }, children, TRACED_WORKER);
      await eventually('the task to succeed', async () => (await backend.getTask(id))?.state === 'succeeded', 60_000, 50);
      assert.deepEqual(await stopAll(children), [0]);
      assert.ok(existsSync(spansFile));
      const remote = JSON.parse(readFileSync(spansFile, 'utf8')) as SpanFacts[];
      const local = sdk.exporter.getFinishedSpans().map(facts);
      // send was recorded here, the rest over there: together they are one trace.
      const spans = checkTrace([...local.filter((s) => s.name.startsWith('send ')), ...remote], traceId, httpSpanId);
      assert.ok(remote.some((s) => s.spanId === spans.process.spanId));
    } finally {
      await stopAll(children);
      await backend.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('on a worker thread: the handler runs inside the process span, so its own spans are children', async () => {
    const backend = createBackend({ type: 'memory', name: `tracing-thread-${process.pid}` });
    await backend.connect();
    const q = new TaskQueue(backend, { logger: silentLogger, history: false });
    const worker = new Worker(backend, { threads: { module: TRACED_THREAD_TASKS, size: 1 }, pollInterval: 20, logger: silentLogger });
    try {
      await worker.start();
      const span = trace.getTracer('app').startSpan('GET /report', { kind: SpanKind.SERVER });
      const id = await context.with(trace.setSpan(context.active(), span), () => q.enqueue('test.traced-thread', null));
      span.end();
      const result = await q.getResult(id, { timeout: 30_000 });
      assert.equal(result?.status, 'succeeded', JSON.stringify(result));
      const inThread = (result as { value: SpanFacts | null }).value;
      assert.ok(inThread, 'the thread recorded its span');
      await eventually(
        'the process span to end',
        async () =>
          sdk.exporter
            .getFinishedSpans()
            .some((s) => s.name === 'process default' && s.spanContext().traceId === span.spanContext().traceId),
        10_000,
      );
      const processSpan = sdk.exporter
        .getFinishedSpans()
        .find((s) => s.name === 'process default' && s.spanContext().traceId === span.spanContext().traceId)!;
      assert.equal(inThread.traceId, span.spanContext().traceId, 'one trace from the request into the thread');
      assert.equal(inThread.parentSpanId, processSpan.spanContext().spanId, "the thread's span is a child of process");
    } finally {
      await worker.stop();
      await backend.destroy();
      await backend.close();
    }
  });

  it('tracing: false adds no header and makes no span', async () => {
    const backend = createBackend({ type: 'memory', name: `tracing-off-${process.pid}` });
    await backend.connect();
    try {
      const q = new TaskQueue(backend, { logger: silentLogger, history: false, tracing: false });
      sdk.exporter.reset();
      const { id } = await enqueueInRequest(q, {});
      assert.equal((await backend.getTask(id))?.headers, undefined);
      assert.deepEqual(
        sdk.exporter.getFinishedSpans().map((s) => s.name),
        ['GET /signup'],
      );
    } finally {
      await backend.close();
    }
  });

  it("without @opentelemetry/api installed: a no-op (no header, no error); a caller's own traceparent is kept", async () => {
    const missing = Object.assign(new Error("Cannot find package '@opentelemetry/api'"), { code: 'ERR_MODULE_NOT_FOUND' });
    setTracingImporter(() => Promise.reject(missing));
    const backend = createBackend({ type: 'memory', name: `tracing-none-${process.pid}` });
    await backend.connect();
    try {
      assert.equal(await tracingAvailable(), false);
      const q = new TaskQueue(backend, { logger: silentLogger, history: false });
      const { id } = await enqueueInRequest(q, {});
      assert.equal((await backend.getTask(id))?.headers, undefined);
      const own = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      const kept = await q.enqueue('test.traced', {}, { headers: { traceparent: own } });
      assert.deepEqual((await backend.getTask(kept))?.headers, { traceparent: own });
    } finally {
      setTracingImporter(undefined);
      await backend.close();
    }
    assert.equal(await tracingAvailable(), true);
  });

  it("loaded as a bundler loads it (the package's ESM build, whose default export has no SpanKind): enqueue still works and traces", async () => {
    // esbuild (the VS Code extension's and the desktop app's core bundles) takes the "module"
    // build: its default export is only { context, diag, metrics, propagation, trace }.
    const real = await import('@opentelemetry/api');
    setTracingImporter(() =>
      Promise.resolve({
        ...real,
        default: { context: real.context, diag: real.diag, metrics: real.metrics, propagation: real.propagation, trace: real.trace },
      }),
    );
    const backend = createBackend({ type: 'memory', name: `tracing-esm-${process.pid}` });
    await backend.connect();
    try {
      const q = new TaskQueue(backend, { logger: silentLogger, history: false });
      const { id, traceId } = await enqueueInRequest(q, {});
      assert.match((await backend.getTask(id))?.headers?.traceparent ?? '', new RegExp(`^00-${traceId}-`));
    } finally {
      setTracingImporter(undefined);
      await backend.close();
    }
  });
});

describe('OpenTelemetry without an SDK', () => {
  it("a propagator but no tracer provider: enqueue passes the caller's context on; the worker still runs the task", async () => {
    // The describe above shut its SDK down (trace.disable()); only a propagator and a context
    // manager are registered here, as an app that passes contexts through without recording does.
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const backend = createBackend({ type: 'memory', name: `tracing-nosdk-${process.pid}` });
    await backend.connect();
    const worker = new Worker(backend, { tasks: [tracedTask], pollInterval: 20, logger: silentLogger });
    try {
      const incoming = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      const q = new TaskQueue(backend, { logger: silentLogger, history: false });
      const id = await context.with(propagation.extract(ROOT_CONTEXT, { traceparent: incoming }), () => q.enqueue('test.traced', {}));
      assert.equal((await backend.getTask(id))?.headers?.traceparent, incoming);
      await worker.start();
      await eventually('the task to succeed', async () => (await backend.getTask(id))?.state === 'succeeded', 20_000);
    } finally {
      await worker.stop();
      await backend.close();
      propagation.disable();
      context.disable();
    }
  });
});
