// The OpenTelemetry SDK set up as an application would (a tracer provider, the W3C propagator, an
// AsyncLocalStorage context manager), exporting into memory, for the tracing tests.
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { defineTask } from '../../shared/core/tasks.js';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

export interface SdkSetup {
  exporter: InMemorySpanExporter;
  shutdown(): Promise<void>;
}

export function registerSdk(): SdkSetup {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  context.setGlobalContextManager(contextManager);
  return {
    exporter,
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/** A span as plain data (what a worker process writes for the test to read). */
export interface SpanFacts {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  status: number;
  attributes: Record<string, unknown>;
  events: string[];
}

export function facts(span: ReadableSpan): SpanFacts {
  const c = span.spanContext();
  return {
    name: span.name,
    kind: span.kind,
    traceId: c.traceId,
    spanId: c.spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    status: span.status.code,
    attributes: { ...span.attributes },
    events: span.events.map((e) => e.name),
  };
}

/** A handler that makes a span of its own ("handler work") and fails when asked. */
export const tracedTask = defineTask('test.traced', async (payload: { fail?: boolean }) => {
  await trace.getTracer('app').startActiveSpan('handler work', async (span) => {
    await new Promise((r) => setTimeout(r, 5));
    span.end();
  });
  if (payload.fail) throw new Error('traced failure');
  return 'ok';
});
