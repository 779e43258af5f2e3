/**
 * `setupOtel`: registers an OpenTelemetry SDK (Node tracer provider with
 * the AsyncLocalStorage context manager and W3C propagation) exporting over
 * OTLP/HTTP. The SDK packages are optional peer dependencies, loaded only
 * here.
 * @module
 */
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { InvalidOptionError } from '../../core/errors.js';

/**
 * Options for {@link setupOtel}.
 *
 * @example
 * ```ts
 * await setupOtel({ serviceName: 'support-flow', endpoint: 'http://127.0.0.1:4318/v1/traces' });
 * ```
 */
export interface SetupOtelOptions {
  /** `service.name` of every span. */
  serviceName: string;
  /** OTLP/HTTP traces endpoint. Default `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else `http://localhost:4318/v1/traces`. */
  endpoint?: string;
  /** HTTP headers for the exporter (e.g. an API key). */
  headers?: Record<string, string>;
  /** Export here instead of OTLP (tests use the SDK's `InMemorySpanExporter`). */
  exporter?: SpanExporter;
  /** Export each span as it ends instead of in batches (tests, short scripts). */
  simple?: boolean;
}

/**
 * A registered SDK.
 *
 * @example
 * ```ts
 * const otel = await setupOtel({ serviceName: 'x' });
 * await otel.shutdown(); // flushes spans
 * ```
 */
export interface OtelSetup {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

const NEEDS = '@opentelemetry/sdk-trace-node, @opentelemetry/sdk-trace-base, @opentelemetry/resources and @opentelemetry/exporter-trace-otlp-http';

/**
 * Registers a global tracer provider for `serviceName` that exports to an
 * OTLP/HTTP collector (Jaeger, Tempo, Phoenix, Langfuse, …). Call once at
 * start-up, before creating runners.
 *
 * @example
 * ```ts
 * import { setupOtel, otelInstrumentation } from 'agentflow/otel';
 * const otel = await setupOtel({ serviceName: 'my-flow' });
 * const runner = createRunner({ instrumentation: otelInstrumentation() });
 * ```
 */
export async function setupOtel(options: SetupOtelOptions): Promise<OtelSetup> {
  if (typeof options.serviceName !== 'string' || options.serviceName === '') throw new InvalidOptionError('serviceName', 'setupOtel needs a non-empty serviceName');
  let node: typeof import('@opentelemetry/sdk-trace-node');
  let base: typeof import('@opentelemetry/sdk-trace-base');
  let resources: typeof import('@opentelemetry/resources');
  try {
    [node, base, resources] = await Promise.all([import('@opentelemetry/sdk-trace-node'), import('@opentelemetry/sdk-trace-base'), import('@opentelemetry/resources')]);
  } catch (err) {
    throw new InvalidOptionError('otel', `setupOtel needs ${NEEDS} installed (npm i ${NEEDS.replace(/,| and/g, '')}): ${(err as Error).message}`);
  }
  let exporter = options.exporter;
  if (exporter === undefined) {
    try {
      const otlp = await import('@opentelemetry/exporter-trace-otlp-http');
      exporter = new otlp.OTLPTraceExporter({ url: options.endpoint ?? process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? 'http://localhost:4318/v1/traces', headers: options.headers });
    } catch (err) {
      throw new InvalidOptionError('otel', `setupOtel needs @opentelemetry/exporter-trace-otlp-http to export over OTLP: ${(err as Error).message}`);
    }
  }
  const processor: SpanProcessor = options.simple ? new base.SimpleSpanProcessor(exporter) : new base.BatchSpanProcessor(exporter);
  const provider = new node.NodeTracerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: [processor],
  });
  provider.register();
  return {
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
