/**
 * OpenTelemetry spans, checked with the SDK's in-memory exporter: the exact
 * span tree of a chain, a broadcast, a retry and a dead letter; users' own
 * spans nesting under the agent; one trace per chain.
 */
import { test, before, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { trace, SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { HookPoint, newEvent } from '../../src/index.js';
import { DeadLetterQueue, retryPolicy } from '../../src/reliability/index.js';
import { otelInstrumentation, setupOtel } from '../../src/observability/otel/index.js';
import { testRunner } from '../runner/helpers.js';

const exporter = new InMemorySpanExporter();
before(async () => {
  await setupOtel({ serviceName: 'agentflow-test', exporter, simple: true });
});
beforeEach(() => exporter.reset());

const kindName = (k: SpanKind) => ({ [SpanKind.PRODUCER]: 'producer', [SpanKind.CONSUMER]: 'consumer', [SpanKind.INTERNAL]: 'internal', [SpanKind.CLIENT]: 'client', [SpanKind.SERVER]: 'server' })[k];

/** The finished spans as an indented tree, children in start order. */
function tree(spans: readonly ReadableSpan[]): string[] {
  const byParent = new Map<string, ReadableSpan[]>();
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  for (const s of spans) {
    const p = s.parentSpanContext?.spanId;
    const key = p !== undefined && ids.has(p) ? p : 'root';
    byParent.set(key, [...(byParent.get(key) ?? []), s]);
  }
  const out: string[] = [];
  const walk = (key: string, depth: number) => {
    const kids = (byParent.get(key) ?? []).sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
    for (const s of kids) {
      out.push(`${'  '.repeat(depth)}${s.name} [${kindName(s.kind)}]`);
      walk(s.spanContext().spanId, depth + 1);
    }
  };
  walk('root', 0);
  return out;
}

test('otel: a 3-hop route chain is one trace: send → process → invoke_agent per hop, each hop sent from the previous attempt', async () => {
  const r = testRunner({ instrumentation: otelInstrumentation() });
  r.registerAgent('a', (_c, _e, s) => s.clone().setMeta('route', 'b'));
  r.registerAgent('b', (_c, _e, s) => s.clone().setMeta('route', 'c'));
  r.registerAgent('c', (_c, _e, s) => s);
  await r.start();
  await r.run(newEvent('a', { q: 1 }, { session_id: 's1' }));
  await r.drain();
  await r.stop();
  const spans = exporter.getFinishedSpans();
  assert.deepEqual(tree(spans), [
    'send a [producer]',
    '  process a [consumer]',
    '    invoke_agent a [internal]',
    '    send b [producer]',
    '      process b [consumer]',
    '        invoke_agent b [internal]',
    '        send c [producer]',
    '          process c [consumer]',
    '            invoke_agent c [internal]',
  ]);
  assert.equal(new Set(spans.map((s) => s.spanContext().traceId)).size, 1, 'one trace per chain');
  const pb = spans.find((s) => s.name === 'process b')!;
  assert.equal(pb.attributes['messaging.message.conversation_id'], 's1');
  assert.equal(pb.attributes['messaging.destination.name'], 'b');
  assert.equal(pb.attributes['agentflow.hop'], 1);
  assert.equal(pb.attributes['agentflow.attempt'], 1);
  assert.equal(pb.attributes['agentflow.event.data'], undefined, 'content capture is off by default');
  const ia = spans.find((s) => s.name === 'invoke_agent a')!;
  assert.equal(ia.attributes['gen_ai.operation.name'], 'invoke_agent');
  assert.equal(ia.attributes['gen_ai.agent.name'], 'a');
});

test('otel: hooks and handlers run inside the spans, so users\' own spans nest under them', async () => {
  const tracer = trace.getTracer('user-code');
  const r = testRunner({ instrumentation: otelInstrumentation() });
  r.registerCallback(HookPoint.BeforeAgentRun, 'audit', (_c, args) => {
    tracer.startSpan('audit.write').end();
    return args.state;
  });
  r.registerAgent('a', async (_c, _e, s) => {
    await new Promise((res) => setTimeout(res, 5));
    await tracer.startActiveSpan('db.query', async (span) => {
      await new Promise((res) => setTimeout(res, 1));
      span.end();
    });
    return s;
  });
  await r.start();
  await r.run(newEvent('a', {}));
  await r.stop();
  assert.deepEqual(tree(exporter.getFinishedSpans()), ['send a [producer]', '  process a [consumer]', '    audit.write [internal]', '    invoke_agent a [internal]', '      db.query [internal]']);
});

test('otel: a broadcast sends one copy per target from the broadcasting attempt, all in one trace', async () => {
  const r = testRunner({ instrumentation: otelInstrumentation() });
  r.registerAgent('x', (_c, _e, s) => s);
  r.registerAgent('y', (_c, _e, s) => s);
  await r.start();
  const ev = newEvent('', {}, { broadcast: 'true', broadcast_targets: 'x,y', session_id: 'b' });
  r.emit(ev);
  await r.drain();
  await r.stop();
  const spans = exporter.getFinishedSpans();
  const t = tree(spans);
  assert.equal(new Set(spans.map((s) => s.spanContext().traceId)).size, 1, t.join('\n'));
  for (const agent of ['x', 'y']) {
    const proc = spans.find((s) => s.name === `process ${agent}`)!;
    const send = spans.find((s) => s.spanContext().spanId === proc.parentSpanContext?.spanId)!;
    assert.equal(send.name, `send ${agent}`, t.join('\n'));
    assert.ok(spans.find((s) => s.name === `invoke_agent ${agent}` && s.parentSpanContext?.spanId === proc.spanContext().spanId), t.join('\n'));
  }
});

test('otel: a retried event has one consumer span per attempt under the same producer; the failed one carries error.type and a retry event', async () => {
  const r = testRunner({ instrumentation: otelInstrumentation(), retry: retryPolicy({ maxRetries: 2, baseDelayMs: 1, jitter: false }) });
  let calls = 0;
  r.registerAgent('flaky', (_c, _e, s) => {
    if (++calls === 1) throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
    return s;
  });
  await r.start();
  await r.run(newEvent('flaky', {}));
  await r.stop();
  const spans = exporter.getFinishedSpans();
  assert.deepEqual(tree(spans), ['send flaky [producer]', '  process flaky [consumer]', '    invoke_agent flaky [internal]', '  process flaky [consumer]', '    invoke_agent flaky [internal]']);
  const [first, second] = spans.filter((s) => s.name === 'process flaky').sort((a, b) => Number(a.attributes['agentflow.attempt']) - Number(b.attributes['agentflow.attempt']));
  assert.equal(first!.attributes['error.type'], 'AF_ERR_AGENT_FAILED');
  assert.deepEqual(first!.events.map((e) => e.name), ['retry']);
  assert.equal(first!.attributes['agentflow.outcome'], 'retry');
  assert.equal(second!.attributes['agentflow.attempt'], 2);
  assert.deepEqual(second!.events.map((e) => e.name), ['redelivered']);
  assert.equal(second!.attributes['agentflow.outcome'], 'completed');
  assert.equal(second!.attributes['error.type'], undefined);
});

test('otel: a dead-lettered event ends its span in error with a dead_letter event; a timed-out agent call records AF_ERR_TIMEOUT', async () => {
  const r = testRunner({ instrumentation: otelInstrumentation(), deadLetter: new DeadLetterQueue(), timeoutMs: 20 });
  r.registerAgent('slow', (c) => new Promise((_, rej) => c.signal.addEventListener('abort', () => rej(c.signal.reason))));
  await r.start();
  await r.run(newEvent('slow', {})).catch(() => undefined);
  await r.stop();
  const spans = exporter.getFinishedSpans();
  const proc = spans.find((s) => s.name === 'process slow')!;
  assert.equal(proc.attributes['agentflow.outcome'], 'dead_lettered');
  assert.equal(proc.attributes['error.type'], 'AF_ERR_TIMEOUT');
  assert.deepEqual(proc.events.map((e) => e.name), ['dead_letter']);
  assert.equal(spans.find((s) => s.name === 'invoke_agent slow')!.attributes['error.type'], 'AF_ERR_TIMEOUT');
});

test('otel: an event replayed from the dead-letter queue continues its original trace', async () => {
  const dlq = new DeadLetterQueue();
  let fail = true;
  const r = testRunner({ instrumentation: otelInstrumentation(), deadLetter: dlq });
  r.registerAgent('a', (_c, _e, s) => {
    if (fail) throw new Error('down');
    return s;
  });
  await r.start();
  await r.run(newEvent('a', {})).catch(() => undefined);
  fail = false;
  dlq.replay(r);
  await r.drain();
  await r.stop();
  const spans = exporter.getFinishedSpans();
  assert.equal(spans.filter((s) => s.name === 'process a').length, 2);
  assert.equal(new Set(spans.map((s) => s.spanContext().traceId)).size, 1, tree(spans).join('\n'));
});

test('otel: an LLM agent on the real test model (llama-cpp) gets a chat span with token usage under invoke_agent, from [observability] otel = true', async () => {
  const { createRunnerFromConfig } = await import('../../src/config/index.js');
  const { silentLogger } = await import('../../src/index.js');
  const modelPath = new URL('../../../shared/models/stories260K.gguf', import.meta.url).pathname;
  const runner = await createRunnerFromConfig(
    {
      agent_flow: { name: 'otel-llm' },
      llm: { provider: 'llama-cpp', model_path: modelPath, model: 'stories260K', temperature: 0, seed: 42, max_tokens: 16 },
      agents: { writer: { system_prompt: 'You tell stories.' } },
      observability: { otel: true },
    },
    { logger: silentLogger() },
  );
  await runner.start();
  try {
    await runner.run(newEvent('writer', { input: 'Once upon a time' }, { session_id: 'llm-s' }));
  } finally {
    await runner.stop();
    for (const p of runner.flow.providers) await p.close?.();
  }
  const spans = exporter.getFinishedSpans();
  assert.deepEqual(tree(spans), ['send writer [producer]', '  process writer [consumer]', '    invoke_agent writer [internal]', '      chat stories260K [client]']);
  const chat = spans.find((s) => s.name === 'chat stories260K')!;
  assert.equal(chat.attributes['gen_ai.provider.name'], 'llama-cpp');
  assert.equal(chat.attributes['gen_ai.operation.name'], 'chat');
  assert.ok(Number(chat.attributes['gen_ai.usage.input_tokens']) > 0);
  assert.ok(Number(chat.attributes['gen_ai.usage.output_tokens']) > 0);
  assert.equal(typeof (chat.attributes['gen_ai.response.finish_reasons'] as string[])[0], 'string');
  assert.equal(chat.attributes['gen_ai.input.messages'], undefined, 'prompts are not captured by default');
});

test('otel: a circuit breaker opening is a span event on the agent call that tripped it', async () => {
  const { circuitBreakerMiddleware } = await import('../../src/reliability/index.js');
  const { recordCircuitChange } = await import('../../src/observability/otel/index.js');
  const cb = circuitBreakerMiddleware({ failureThreshold: 1, resetTimeoutMs: 60_000, onStateChange: recordCircuitChange });
  const r = testRunner({ instrumentation: otelInstrumentation(), middleware: [cb.middleware] });
  r.registerAgent('flaky', () => {
    throw new Error('down');
  });
  await r.start();
  await r.run(newEvent('flaky', {})).catch(() => undefined);
  await r.stop();
  const span = exporter.getFinishedSpans().find((s) => s.events.some((e) => e.name === 'circuit_state_change'));
  assert.equal(span?.name, 'invoke_agent flaky');
  const ev = span!.events.find((e) => e.name === 'circuit_state_change')!;
  assert.deepEqual([ev.attributes?.['agentflow.circuit.name'], ev.attributes?.['agentflow.circuit.from'], ev.attributes?.['agentflow.circuit.to']], ['flaky', 'closed', 'open']);
});

test('instrumentation seam: a tracer that throws (attempt, agent, publish, end) never fails an event', async () => {
  const boom = () => {
    throw new Error('tracer bug');
  };
  const broken = {
    publish: boom,
    attempt: () => ({ run: <T>(fn: () => T) => fn(), end: boom, agent: boom }),
  };
  const r = testRunner({ instrumentation: broken });
  r.registerAgent('a', (_c, _e, s) => s.clone().set('ok', true).setMeta('route', 'b'));
  r.registerAgent('b', (_c, _e, s) => s);
  await r.start();
  const out = await r.run(newEvent('a', {}));
  await r.drain();
  await r.stop();
  assert.equal(out.state.get('ok'), true);
  const s = r.stats();
  assert.deepEqual([s.completed, s.failed, s.deadLettered], [2, 0, 0]);
});

test('otel: each tool call is an execute_tool span under invoke_agent (a failed call carries error.type); a handoff is a span event', async () => {
  const { createRunnerFromConfig } = await import('../../src/config/index.js');
  const { silentLogger } = await import('../../src/index.js');
  const { defineTool } = await import('../../src/agents/index.js');
  const { z } = await import('zod');
  const modelPath = new URL('../../../shared/models/stories260K.gguf', import.meta.url).pathname;
  const add = defineTool({ name: 'add', description: 'Adds two numbers.', input: z.object({ a: z.number(), b: z.number() }), run: ({ a, b }) => a + b });
  const boom = defineTool({ name: 'boom', description: 'Fails.', input: z.object({}), run: () => { throw new Error('no'); } });
  const flow = async (agents: Record<string, unknown>, input: string) => {
    const runner = await createRunnerFromConfig(
      { llm: { provider: 'llama-cpp', model_path: modelPath, model: 'stories260K', temperature: 0, seed: 1, max_tokens: 16, context_size: 1024 }, agents: agents as never, observability: { otel: true } },
      { logger: silentLogger(), tools: [add as never, boom as never] },
    );
    await runner.start();
    try {
      await runner.run(newEvent(Object.keys(agents)[0]!, { input }, { session_id: 'tool-s' })).catch(() => undefined);
    } finally {
      await runner.stop();
    }
    return runner;
  };
  const runner = await flow({ calc: { system_prompt: 'You add.', tools: ['add', 'boom'], tool_choice: 'required', max_tool_rounds: 3 } }, 'What is 2 plus 3?');
  const spans = exporter.getFinishedSpans();
  const agent = spans.find((s) => s.name === 'invoke_agent calc')!;
  const tools = spans.filter((s) => s.name.startsWith('execute_tool '));
  const calls = runner.dumpTrace('tool-s').filter((e) => e.type === 'tool_result');
  assert.ok(tools.length >= 1, 'the required first round called a tool');
  assert.deepEqual(tools.map((t) => [t.name, t.attributes['error.type'] ?? null]), calls.map((c) => [`execute_tool ${String(c.detail?.tool)}`, c.detail?.ok ? null : c.error!.code]), 'one span per call, failures with their code');
  for (const t of tools) {
    assert.equal(t.parentSpanContext?.spanId, agent.spanContext().spanId, 'under the agent span');
    assert.equal(t.attributes['gen_ai.operation.name'], 'execute_tool');
    assert.equal(t.attributes['gen_ai.tool.call.id'], calls[tools.indexOf(t)]!.detail?.callId);
    assert.equal(t.attributes['gen_ai.tool.call.arguments'], undefined, 'arguments are content: not captured by default');
  }
  exporter.reset();
  await flow({ triage: { system_prompt: 'Route.', handoffs: ['done'], tool_choice: 'required' }, done: { system_prompt: 'You finish.' } }, 'hi');
  const triage = exporter.getFinishedSpans().find((s) => s.name === 'invoke_agent triage')!;
  assert.deepEqual(triage.events.filter((e) => e.name === 'handoff').map((e) => e.attributes?.['agentflow.handoff.to']), ['done']);
  assert.ok(!exporter.getFinishedSpans().some((s) => s.name.startsWith('execute_tool')), 'a handoff is not a tool span');
});
