/**
 * What tracing costs per event: `dispatch.otel` (the real OpenTelemetry SDK
 * with the AsyncLocalStorage context manager, a batch processor and an
 * in-memory exporter) and `dispatch.trace_file` (the JSON-lines trace
 * file), each compared with `dispatch.noop` as interleaved pairs in the same
 * run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchSpanProcessor, InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { otelInstrumentation } from '../src/observability/otel/index.js';
import { FileTraceLogger } from '../src/observability/trace-file.js';
import { comparePairs, noopRunner, runnerDispatchOnce } from './core.js';
import type { BenchResult } from './harness.js';

export async function benchObservability(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: 100_000, maxExportBatchSize: 4096, scheduledDelayMillis: 50 })] });
  provider.register();
  const dir = mkdtempSync(join(tmpdir(), 'af-bench-trace-'));
  const noop = noopRunner({ traced: true, hooks: false });
  const otel = noopRunner({ traced: true, hooks: false, extra: { instrumentation: otelInstrumentation({ tracer: provider.getTracer('bench') }) } });
  const file = noopRunner({ traced: true, hooks: false, extra: { traceLogger: new FileTraceLogger(join(dir, 't.jsonl'), { maxFileBytes: 64 * 1024 * 1024, maxFiles: 2 }) } });
  for (const r of [noop, otel, file]) await r.start();
  const base = () => runnerDispatchOnce(noop, 'noop');
  const otelOnce = async () => {
    const ns = await runnerDispatchOnce(otel, 'noop');
    await provider.forceFlush();
    exporter.reset();
    return ns;
  };
  for (const [name, kase, target] of [
    ['compare.dispatch_otel_vs_noop', otelOnce, 20],
    ['compare.dispatch_trace_file_vs_noop', () => runnerDispatchOnce(file, 'noop'), 3],
  ] as const) {
    const p = await comparePairs(base, kase, 5);
    out.push({ name, value: Math.round(p.median * 100) / 100, spread: [Math.round(p.min * 100) / 100, Math.round(p.max * 100) / 100], target, unit: 'ratio (median of interleaved pairs)', pass: p.median <= target, base_ns: Math.round(p.base_ns), case_ns: Math.round(p.case_ns) });
    if (name === 'compare.dispatch_otel_vs_noop') {
      // Three spans per event (send, process, invoke_agent); a local LLM chat call takes milliseconds.
      const perEvent = p.case_ns - p.base_ns;
      out.push({ name: 'compare.otel_cost_per_event_ns', value: Math.round(perEvent), target: 100_000, unit: 'ns per event (target: orders of magnitude below one chat call, ≥ 10 ms)', pass: perEvent < 100_000 });
    }
  }
  for (const r of [noop, otel, file]) await r.stop();
  await provider.shutdown();
  rmSync(dir, { recursive: true, force: true });
  return out;
}
