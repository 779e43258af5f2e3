/**
 * `agentflow/otel`: OpenTelemetry spans for agentflow, following the
 * messaging and GenAI semantic conventions. Needs only `@opentelemetry/api`;
 * without an SDK registered every call is a no-op. `setupOtel` (in
 * `./setup.ts`) registers an SDK with OTLP/HTTP export.
 *
 * The span tree of one chain (one trace per chain; the session is an
 * attribute, not a trace):
 * ```
 * send a            PRODUCER  (emit)
 * └ process a       CONSUMER  (one per attempt)
 *   ├ invoke_agent a INTERNAL (handlers, users' own spans nest here)
 *   │ ├ chat gemma3  CLIENT   (LLM agents, via instrumentProvider)
 *   │ └ execute_tool weather INTERNAL (each tool call)
 *   └ send b         PRODUCER (the route hop, broadcast copies, ctx.emit)
 *     └ process b …
 * ```
 * @module
 */
import { context, createTraceState, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { AgentActivity } from '../../core/activity.js';
import type { Event } from '../../core/event.js';
import type { AgentEnd, AttemptEnd, AttemptInfo, AttemptScope, Instrumentation, RunScope } from '../../core/instrumentation.js';
import { decorateProvider, type ChatOptions, type ChatRequest, type ChatResponse, type LLMProvider } from '../../providers/types.js';

export { setupOtel, type OtelSetup, type SetupOtelOptions } from './setup.js';

/**
 * Options for {@link otelInstrumentation} and {@link instrumentProvider}.
 *
 * @example
 * ```ts
 * otelInstrumentation({ captureContent: true });
 * ```
 */
export interface OtelOptions {
  /** Default: `trace.getTracer('agentflow')` from the global provider. */
  tracer?: Tracer;
  /**
   * Record event data, prompts and outputs on spans (truncated to 4 KiB).
   * Off by default: they may hold personal data.
   */
  captureContent?: boolean;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const CONTENT_MAX = 4096;

function tracerOf(o: OtelOptions): Tracer {
  return o.tracer ?? trace.getTracer('agentflow');
}

function content(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > CONTENT_MAX ? `${s.slice(0, CONTENT_MAX)}…` : s;
}

/**
 * The trace context an event carries in its `traceparent`/`tracestate`
 * metadata, as a parent context; `undefined` if it carries none (or a
 * malformed one).
 *
 * @example
 * ```ts
 * const parent = extractEventContext(ev) ?? context.active();
 * ```
 */
export function extractEventContext(event: Event): Context | undefined {
  const tp = event.getMetadataValue('traceparent');
  const m = tp === undefined ? null : TRACEPARENT.exec(tp);
  if (m === null) return undefined;
  const ts = event.getMetadataValue('tracestate');
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: m[1]!,
    spanId: m[2]!,
    traceFlags: Number.parseInt(m[3]!, 16),
    isRemote: true,
    traceState: ts ? createTraceState(ts) : undefined,
  });
}

/**
 * Writes `span`'s context into the event's `traceparent`/`tracestate`
 * metadata (W3C Trace Context), replacing what it inherited.
 *
 * @example
 * ```ts
 * injectEventContext(ev, span);
 * ev.getMetadataValue('traceparent'); // '00-<trace id>-<span id>-01'
 * ```
 */
export function injectEventContext(event: Event, span: Span): void {
  const sc = span.spanContext();
  if (!trace.isSpanContextValid(sc)) return;
  event.setMetadata('traceparent', `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`);
  const ts = sc.traceState?.serialize();
  if (ts) event.setMetadata('tracestate', ts);
}

function eventAttributes(ev: Event, agent: string, operation: 'send' | 'process', transport: string): Attributes {
  const a: Attributes = {
    'messaging.system': 'agentflow',
    'messaging.operation.type': operation,
    'messaging.operation.name': operation,
    'messaging.destination.name': agent,
    'messaging.message.id': ev.getId(),
    'agentflow.transport': transport,
  };
  const session = ev.getSessionId();
  if (session) a['messaging.message.conversation_id'] = session;
  const hop = ev.getMetadataValue('hop_count');
  if (hop !== undefined) a['agentflow.hop'] = Number(hop);
  const parent = ev.getMetadataValue('parent_event');
  if (parent !== undefined) a['agentflow.parent_event'] = parent;
  return a;
}

class OtelAttempt implements AttemptScope {
  readonly span: Span;
  readonly ctx: Context;
  constructor(
    private readonly tracer: Tracer,
    private readonly opts: OtelOptions,
    private readonly info: AttemptInfo,
  ) {
    const ev = info.event;
    const parent = extractEventContext(ev) ?? ROOT_CONTEXT;
    const attrs = eventAttributes(ev, info.agentId, 'process', info.transport);
    attrs['agentflow.attempt'] = info.attempt;
    if (opts.captureContent) attrs['agentflow.event.data'] = content(ev.getData());
    this.span = tracer.startSpan(`process ${info.agentId || '(no target)'}`, { kind: SpanKind.CONSUMER, attributes: attrs }, parent);
    if (info.attempt > 1) this.span.addEvent('redelivered', { 'agentflow.attempt': info.attempt });
    this.ctx = trace.setSpan(parent, this.span);
  }
  run<T>(fn: () => T): T {
    return context.with(this.ctx, fn);
  }
  private readonly tools = new Map<string, Span>();
  /**
   * Tool calls become `execute_tool {tool}` spans (children of the active
   * `invoke_agent` span); handoffs and memory reads are span events.
   */
  activity(agentId: string, a: AgentActivity): void {
    const active = trace.getSpan(context.active()) !== undefined ? context.active() : this.ctx;
    if (a.kind === 'tool_call') {
      const attrs: Attributes = { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': a.tool, 'gen_ai.tool.call.id': a.callId, 'gen_ai.agent.name': agentId, 'agentflow.tool.round': a.round };
      if (this.opts.captureContent) attrs['gen_ai.tool.call.arguments'] = content(a.arguments);
      this.tools.set(a.callId, this.tracer.startSpan(`execute_tool ${a.tool}`, { kind: SpanKind.INTERNAL, attributes: attrs }, active));
      return;
    }
    if (a.kind === 'tool_result') {
      const span = this.tools.get(a.callId);
      if (span === undefined) return;
      this.tools.delete(a.callId);
      span.setAttribute('agentflow.tool.result_chars', a.resultChars);
      if (this.opts.captureContent && a.result !== undefined) span.setAttribute('gen_ai.tool.call.result', content(a.result));
      if (!a.ok) {
        span.setAttribute('error.type', a.error?.code ?? 'tool_error');
        span.setStatus({ code: SpanStatusCode.ERROR, message: a.error?.message });
      }
      span.end();
      return;
    }
    const span = trace.getSpan(active) ?? this.span;
    if (a.kind === 'handoff') span.addEvent('handoff', { 'gen_ai.agent.name': agentId, 'agentflow.handoff.to': a.to, 'agentflow.handoff.accepted': a.accepted });
    else if (a.kind === 'memory') span.addEvent(`memory.${a.op}`, { 'agentflow.memory.items': a.items, 'agentflow.memory.chars': a.chars });
  }
  agent(agentId: string): RunScope<AgentEnd> {
    const ev = this.info.event;
    const attrs: Attributes = { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': agentId };
    const session = ev.getSessionId();
    if (session) attrs['gen_ai.conversation.id'] = session;
    const span = this.tracer.startSpan(`invoke_agent ${agentId}`, { kind: SpanKind.INTERNAL, attributes: attrs }, this.ctx);
    const ctx = trace.setSpan(this.ctx, span);
    return {
      run: <T>(fn: () => T): T => context.with(ctx, fn),
      end: (e: AgentEnd) => {
        if (e.errorCode !== undefined) {
          span.setAttribute('error.type', e.errorCode);
          span.setStatus({ code: SpanStatusCode.ERROR, message: e.errorMessage });
        }
        span.end();
      },
    };
  }
  end(e: AttemptEnd): void {
    for (const open of this.tools.values()) open.end(); // calls cut short by the attempt's end
    this.tools.clear();
    const span = this.span;
    span.setAttribute('agentflow.outcome', e.status);
    if (e.reason !== undefined) span.setAttribute('agentflow.reason', e.reason);
    if (e.status === 'retry') span.addEvent('retry', { 'agentflow.retry.delay_ms': e.retryDelayMs ?? 0, 'agentflow.attempt': this.info.attempt });
    if (e.status === 'dead_lettered') span.addEvent('dead_letter', { 'agentflow.reason': e.reason ?? 'agent_error' });
    if (e.status === 'unsettled') span.addEvent('settle_refused');
    if (e.reason === 'deadline_exceeded') span.addEvent('deadline_missed');
    if (e.status !== 'completed') {
      span.setAttribute('error.type', e.errorCode ?? e.reason ?? 'unknown');
      span.setStatus({ code: SpanStatusCode.ERROR, message: e.errorMessage ?? e.reason });
    }
    span.end();
  }
}

/**
 * The OpenTelemetry instrumentation for a runner: a producer span per
 * published event (whose context goes into the event's `traceparent`), a
 * consumer span per attempt (a child of its producer span, across processes
 * too), an `invoke_agent` span per agent call, with hooks and handlers
 * running inside the spans' context so your own spans nest under them.
 * `error.type` is the `AF_ERR_*` code; retries, dead letters, redeliveries
 * and missed deadlines are span events.
 *
 * @example
 * ```ts
 * import { setupOtel, otelInstrumentation } from 'agentflow/otel';
 * const otel = await setupOtel({ serviceName: 'my-flow' });
 * const runner = createRunner({ instrumentation: otelInstrumentation() });
 * // ...
 * await otel.shutdown();
 * ```
 */
export function otelInstrumentation(options: OtelOptions = {}): Instrumentation {
  const tracer = tracerOf(options);
  return {
    publish(events: readonly Event[], from: AttemptScope | undefined): void {
      const base = from instanceof OtelAttempt ? from.ctx : undefined;
      for (const ev of events) {
        // An emit inside a user's span nests under it; a replayed or
        // forwarded event with no active span continues its own trace.
        const parent = base ?? (trace.getSpan(context.active()) !== undefined ? context.active() : (extractEventContext(ev) ?? ROOT_CONTEXT));
        const agent = ev.getTargetAgentId();
        const span = tracer.startSpan(`send ${agent || '(no target)'}`, { kind: SpanKind.PRODUCER, attributes: eventAttributes(ev, agent, 'send', '') }, parent);
        injectEventContext(ev, span);
        span.end();
      }
    },
    attempt(info: AttemptInfo): AttemptScope {
      return new OtelAttempt(tracer, options, info);
    },
  };
}

/**
 * Wraps an LLM provider so each call is a `chat {model}` CLIENT span with
 * the GenAI attributes: provider, request and response model, token usage
 * and finish reason (prompts and outputs only with `captureContent`).
 *
 * @example
 * ```ts
 * const provider = instrumentProvider(new OllamaProvider({ model: 'gemma3:1b' }));
 * ```
 */
export function instrumentProvider(provider: LLMProvider, options: OtelOptions = {}): LLMProvider {
  const tracer = tracerOf(options);
  const start = (req: ChatRequest, operation: string): Span => {
    const model = req.model ?? provider.model;
    const attrs: Attributes = { 'gen_ai.operation.name': operation, 'gen_ai.provider.name': provider.name, 'gen_ai.request.model': model };
    if (req.temperature !== undefined) attrs['gen_ai.request.temperature'] = req.temperature;
    if (req.maxTokens !== undefined) attrs['gen_ai.request.max_tokens'] = req.maxTokens;
    if (options.captureContent) attrs['gen_ai.input.messages'] = content(req.messages);
    return tracer.startSpan(`${operation} ${model}`, { kind: SpanKind.CLIENT, attributes: attrs });
  };
  const fail = (span: Span, err: unknown): void => {
    const code = (err as { code?: unknown } | undefined)?.code;
    span.setAttribute('error.type', typeof code === 'string' ? code : err instanceof Error ? err.name : 'unknown');
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
    span.end();
  };
  return decorateProvider(provider, {
    async chat(req: ChatRequest, opts?: ChatOptions): Promise<ChatResponse> {
      const span = start(req, 'chat');
      try {
        const res = await context.with(trace.setSpan(context.active(), span), () => provider.chat(req, opts));
        span.setAttributes({
          'gen_ai.response.model': res.model,
          'gen_ai.usage.input_tokens': res.usage.promptTokens,
          'gen_ai.usage.output_tokens': res.usage.completionTokens,
          'gen_ai.response.finish_reasons': [res.finishReason],
        });
        if (options.captureContent) span.setAttribute('gen_ai.output.messages', content(res.content));
        span.end();
        return res;
      } catch (err) {
        fail(span, err);
        throw err;
      }
    },
    async *stream(req: ChatRequest, opts?: Omit<ChatOptions, 'onToken'>): AsyncIterable<string> {
      const span = start(req, 'chat');
      let pieces = 0;
      try {
        for await (const piece of provider.stream(req, opts)) {
          pieces++;
          yield piece;
        }
        span.setAttribute('agentflow.stream.chunks', pieces);
        span.end();
      } catch (err) {
        fail(span, err);
        throw err;
      }
    },
  });
}

/**
 * Records a circuit breaker's state change as a `circuit_state_change` span
 * event on the active span (the agent call or LLM request that tripped it).
 * Pass it as (or call it from) a breaker's `onStateChange`.
 *
 * @example
 * ```ts
 * circuitBreakerMiddleware({ onStateChange: recordCircuitChange });
 * ```
 */
export function recordCircuitChange(change: { name: string; from: string; to: string }): void {
  trace.getActiveSpan()?.addEvent('circuit_state_change', { 'agentflow.circuit.name': change.name, 'agentflow.circuit.from': change.from, 'agentflow.circuit.to': change.to });
}
