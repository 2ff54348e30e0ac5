// OpenTelemetry spans for enqueue, claim, run and complete (issue 13, point 5), with the W3C trace
// context carried in the task's headers, so a trace started in an HTTP request continues into the
// handler on another process. `@opentelemetry/api` is an optional peer dependency, loaded lazily
// (a literal import(), as the drivers are): when it is not installed everything here is a no-op,
// and when it is but no SDK is registered its own API is a no-op. Nothing of its types leaves this
// module, so the library's declarations do not need the package.
//
// Spans (messaging semantic conventions; messaging.system "sitq"):
//   send <queue>     PRODUCER  one per enqueue call (the tasks' context); its context goes into
//                              each task's `traceparent` / `tracestate` headers
//   receive <queue>  CONSUMER  one per claimed task, from the claim request to its answer, child
//                              of the task's context
//   process <queue>  CONSUMER  the handler's run, child of the task's context; the handler runs
//                              with it active, so its own spans are its children
//   settle <queue>   INTERNAL  the report of the outcome, child of the run span
// A handler on a worker thread (`threads`) gets the process span's context too: the thread pool
// sends it along as W3C headers (activeTraceHeaders) and the thread runs the handler inside it
// (withTraceHeaders), so spans the handler makes there are children of process — where the task
// module registers an SDK in its thread, as each thread has its own OpenTelemetry globals.
import type * as Otel from '@opentelemetry/api';
import type { NewTask, TaskRecord } from './types.js';
import { headersIssue } from './rules.js';

const SCOPE = 'sitq';

type Api = typeof Otel;
let api: Api | null | undefined;
let loading: Promise<Api | null> | undefined;

/** Tests replace the importer to see the no-op path (the package is a dev dependency here). */
let importer: () => Promise<unknown> = () => import('@opentelemetry/api');

function loadApi(): Promise<Api | null> {
  loading ??= importer().then(
    // The namespace when it has the whole API; else its default export (Node's import of the
    // CommonJS build). Not the default export first: the ESM build that bundlers pick (esbuild, for
    // the VS Code extension's and the desktop app's core) exports a default with `trace` but no
    // `SpanKind`, and every enqueue then failed there.
    (m) => (api = (m as Partial<Api>).SpanKind && (m as Partial<Api>).trace ? (m as Api) : (m as { default: Api }).default),
    () => (api = null), // not installed (or unloadable): tracing is off
  );
  return loading;
}

/** For tests: load the API through `fn` from now on (undefined: the real import). */
export function setTracingImporter(fn: (() => Promise<unknown>) | undefined): void {
  importer = fn ?? (() => import('@opentelemetry/api'));
  api = undefined;
  loading = undefined;
}

/** Whether the OpenTelemetry API was found (after `ready()`). */
export async function tracingAvailable(): Promise<boolean> {
  return (await loadApi()) !== null;
}

/** What the Worker keeps per task. Every method is safe to call in any order; all no-ops when off. */
export interface TaskTrace {
  /** The claim's span: from `sentAt` (epoch ms) to now. */
  claimed(sentAt: number): void;
  /** Runs the handler with the run span active; the span ends with the handler's outcome. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Starts the report's span; the returned function ends it (accepted or not, or its error). */
  settle(outcome: string): (accepted: boolean | Error) => void;
}

const NOOP_TRACE: TaskTrace = {
  claimed() {},
  run: (fn) => fn(),
  settle: () => () => {},
};

function attributes(queue: string, extra: Record<string, string | number> = {}): Record<string, string | number> {
  return { 'messaging.system': SCOPE, 'messaging.destination.name': queue, ...extra };
}

export class Tracing {
  /** `enabled: false` turns tracing off even when the API is there (the TaskQueue and Worker
   *  option `tracing`). The API is loaded in the background at once. */
  constructor(private readonly enabled = true) {
    if (enabled) void loadApi();
  }

  private get api(): Api | undefined {
    return this.enabled ? (api ?? undefined) : undefined;
  }

  /** Waits for the API to load (the first enqueue and claim do, so their spans are never missed). */
  async ready(): Promise<void> {
    if (this.enabled && api === undefined) await loadApi();
  }

  /** The producer's span around `send`, whose context goes into each task's headers (a header the
   *  caller set wins; a task whose headers would exceed their bound is sent without it). Not an
   *  async function: without an SDK (the common case) the caller gets send()'s own promise, one
   *  promise and its turn of the microtask queue less per enqueue. */
  enqueue<T>(queue: string, tasks: NewTask[], send: () => Promise<T>): Promise<T> {
    if (this.enabled && api === undefined) return loadApi().then(() => this.enqueue(queue, tasks, send));
    const otel = this.api;
    if (!otel) return send();
    // Without a tracer provider the span would be a no-op one carrying the caller's span context
    // (NoopTracer), so its context propagates exactly as the caller's own does: inject that and
    // make no span (every enqueue without an SDK paid for a span, a context and a `with`).
    if (!hasProvider(otel)) {
      carryContext(otel, otel.context.active(), tasks);
      return send();
    }
    const tracer = otel.trace.getTracer(SCOPE);
    const span = tracer.startSpan(`send ${queue}`, {
      kind: otel.SpanKind.PRODUCER,
      attributes: attributes(queue, { 'messaging.operation.type': 'send', 'messaging.batch.message_count': tasks.length }),
    });
    const ctx = otel.trace.setSpan(otel.context.active(), span);
    carryContext(otel, ctx, tasks);
    if (tasks.length === 1) span.setAttribute('messaging.message.id', tasks[0].id);
    return within(otel, span, ctx, send);
  }

  /** Whether claimed tasks get spans now: tracing is on, the API loaded and a tracer provider
   *  registered. Without a provider every span would be a no-op, so the worker asks this once per
   *  claim and gives its tasks no trace at all then (bench/observability-ab.ts measured the
   *  difference); a provider registered later is seen from the next claim. */
  active(): boolean {
    const otel = this.api;
    return otel !== undefined && hasProvider(otel);
  }

  /** A claimed task's trace, continuing the context its headers carry. */
  task(record: TaskRecord): TaskTrace {
    const otel = this.api;
    // Without a tracer provider (no SDK registered) every span would be a no-op: the worker's hot
    // path then does nothing at all (bench/observability-ab.ts measured the difference). A provider
    // registered later is seen from the next task. The producer's side keeps passing a context on.
    if (!otel || !hasProvider(otel)) return NOOP_TRACE;
    const tracer = otel.trace.getTracer(SCOPE);
    const parent = otel.propagation.extract(otel.ROOT_CONTEXT, record.headers ?? {});
    const attrs = attributes(record.queue, {
      'messaging.message.id': record.id,
      'sitq.task.name': record.name,
      'sitq.task.attempt': record.attempts,
    });
    let runCtx: Otel.Context = parent;
    return {
      claimed(sentAt) {
        tracer
          .startSpan(
            `receive ${record.queue}`,
            { kind: otel.SpanKind.CONSUMER, startTime: sentAt, attributes: { ...attrs, 'messaging.operation.type': 'receive' } },
            parent,
          )
          .end();
      },
      async run(fn) {
        const span = tracer.startSpan(
          `process ${record.queue}`,
          { kind: otel.SpanKind.CONSUMER, attributes: { ...attrs, 'messaging.operation.type': 'process' } },
          parent,
        );
        runCtx = otel.trace.setSpan(parent, span);
        return within(otel, span, runCtx, fn);
      },
      settle(outcome) {
        const span = tracer.startSpan(
          `settle ${record.queue}`,
          { kind: otel.SpanKind.INTERNAL, attributes: { ...attrs, 'messaging.operation.type': 'settle', 'sitq.task.outcome': outcome } },
          runCtx,
        );
        return (accepted) => {
          if (accepted instanceof Error) fail(otel, span, accepted);
          else {
            span.setAttribute('sitq.report.accepted', accepted);
            if (!accepted)
              span.setStatus({ code: otel.SpanStatusCode.ERROR, message: 'the lease was lost: another attempt owns the task' });
          }
          span.end();
        };
      },
    };
  }
}

/** Puts `ctx` into each task's headers as the registered propagator writes it (a header the caller
 *  set wins; a task whose headers would exceed their bound is sent without it). */
function carryContext(otel: Api, ctx: Otel.Context, tasks: NewTask[]): void {
  const carrier: Record<string, string> = {};
  otel.propagation.inject(ctx, carrier);
  if (Object.keys(carrier).length === 0) return;
  for (const t of tasks) {
    const headers = { ...carrier, ...t.headers };
    if (headersIssue(headers) === undefined) t.headers = headers;
  }
}

/** Runs `fn` with `ctx` active; `span` ends when it settles, marked with its error if it throws. */
async function within<T>(otel: Api, span: Otel.Span, ctx: Otel.Context, fn: () => Promise<T>): Promise<T> {
  try {
    return await otel.context.with(ctx, fn);
  } catch (err) {
    fail(otel, span, err);
    throw err;
  } finally {
    span.end();
  }
}

/** The API's own no-op provider (what an unregistered global delegates to), found once. */
let noopProvider: unknown;

function hasProvider(otel: Api): boolean {
  noopProvider ??= new otel.ProxyTracerProvider().getDelegate();
  const global = otel.trace.getTracerProvider() as Partial<Otel.ProxyTracerProvider>;
  const delegate = typeof global.getDelegate === 'function' ? global.getDelegate() : global;
  return delegate !== noopProvider;
}

function fail(otel: Api, span: Otel.Span, err: unknown): void {
  const error = err instanceof Error ? err : new Error(String(err));
  span.recordException(error);
  span.setStatus({ code: otel.SpanStatusCode.ERROR, message: error.message });
}

/** The active context as W3C trace headers (traceparent, tracestate), for a handler run on a worker
 *  thread; undefined when tracing is off or there is no active span. */
export function activeTraceHeaders(): Record<string, string> | undefined {
  const otel = api;
  if (!otel || !otel.trace.getSpan(otel.context.active())) return undefined;
  const carrier: Record<string, string> = {};
  otel.propagation.inject(otel.context.active(), carrier);
  return Object.keys(carrier).length > 0 ? carrier : undefined;
}

/** Runs `fn` inside the context `headers` carry (on a worker thread: see activeTraceHeaders); just
 *  runs it without headers or without the API. */
export async function withTraceHeaders<T>(headers: Record<string, string> | undefined, fn: () => Promise<T>): Promise<T> {
  if (!headers) return fn();
  const otel = await loadApi();
  if (!otel) return fn();
  return otel.context.with(otel.propagation.extract(otel.ROOT_CONTEXT, headers), fn);
}
