/**
 * Runner configuration and its defaults.
 * @module
 */
import type { AgentContext, AgentResultInit } from '../core/agent.js';
import { InvalidOptionError } from '../core/errors.js';
import type { Event } from '../core/event.js';
import type { Logger } from '../core/logger.js';
import type { Instrumentation } from '../core/instrumentation.js';
import type { Orchestrator } from '../core/orchestrator.js';
import type { State } from '../core/state.js';
import type { TraceLogger } from '../core/trace.js';
import type { Transport } from '../transport/types.js';
import type { DeadLetterSink, RetryDecider } from './types.js';

/**
 * How an agent is invoked, as seen by middleware.
 *
 * @example
 * ```ts
 * const invoke: AgentInvoke = (ctx, event, state) => ({ outputState: state });
 * ```
 */
export type AgentInvoke = (ctx: AgentContext, event: Event, state: State) => AgentResultInit | State | Promise<AgentResultInit | State>;

/**
 * Wraps agent invocation (circuit breakers, rate limits, per-agent
 * concurrency limits). Receives the agent name and the next invoke; returns
 * the wrapped invoke. Applied in array order, the first outermost.
 *
 * @example
 * ```ts
 * const timing: AgentMiddleware = (agentId, next) => async (ctx, ev, state) => {
 *   const t = performance.now();
 *   try { return await next(ctx, ev, state) } finally { console.log(agentId, performance.now() - t) }
 * };
 * createRunner({ middleware: [timing] });
 * ```
 */
export type AgentMiddleware = (agentId: string, next: AgentInvoke) => AgentInvoke;

/**
 * Runner options. Every field has a default (see {@link defaultRunnerConfig}).
 *
 * @example
 * ```ts
 * const runner = createRunner({ ...defaultRunnerConfig(), queueSize: 10_000, concurrency: 64 });
 * ```
 */
export interface RunnerConfig {
  /** Events `emit` accepts before throwing QueueFullError. Default 1000. */
  queueSize: number;
  /** Events in flight at once. Default 10. */
  concurrency: number;
  /** Per-event timeout in ms when the event has no `timeout` metadata; 0 for none. Default 30,000. */
  timeoutMs: number;
  /** Hops a chain may take before it stops with `hop_limit_exceeded`. Default 10. */
  maxHops: number;
  /** Largest accepted payload (JSON bytes of data + metadata); 0 for no limit. Default 1 MiB (on by default: one huge event cannot exhaust the queue's memory). */
  maxPayloadBytes: number;
  /** Keep each session's events in FIFO order while sessions run in parallel. Default false. */
  sessionOrdering: boolean;
  /** How long `stop()` waits for work to finish before aborting it. Default 30,000 ms. */
  stopTimeoutMs: number;
  /** Where events wait. Default: an InMemoryTransport of `queueSize`. */
  transport?: Transport;
  /** How events are dispatched to agents. Default: route mode. */
  orchestrator?: Orchestrator;
  /** Where traces go; `null` disables tracing. Default: a bounded InMemoryTraceLogger. */
  traceLogger?: TraceLogger | null;
  /**
   * How much the runner traces. `standard` (default): one `event_end` entry
   * per event (agent, duration, status, reason, error, parent, hop), plus one
   * `agent_end` per agent when an orchestration runs several, plus retries,
   * dead letters and callback errors. `full` adds `event_start`,
   * `agent_start`, `agent_end` and `event_emitted` for every event.
   */
  traceDetail: 'standard' | 'full';
  /** Logger. Default: pino on stderr at `AGENTFLOW_LOG_LEVEL` or `info`. */
  logger?: Logger;
  /** Decides whether a failure is retried and after how long. Default: never retry. */
  retry?: RetryDecider;
  /** Receives events that end in failure; with one set, such events end `dead_lettered`. */
  deadLetter?: DeadLetterSink;
  /** Wrappers around every agent invocation. */
  middleware?: AgentMiddleware[];
  /** A tracer that sees publishes, attempts and agent calls (e.g. `otelInstrumentation()` from `agentflow/otel`). */
  instrumentation?: Instrumentation;
}

/**
 * The default runner options (the seed's `DefaultRunnerConfig`).
 *
 * @example
 * ```ts
 * const config = defaultRunnerConfig();
 * config.concurrency = 4;
 * const runner = createRunner(config);
 * ```
 */
export function defaultRunnerConfig(): RunnerConfig {
  return {
    queueSize: 1000,
    concurrency: 10,
    timeoutMs: 30_000,
    maxHops: 10,
    maxPayloadBytes: 1_048_576,
    sessionOrdering: false,
    stopTimeoutMs: 30_000,
    traceDetail: 'standard',
  };
}

/**
 * Checks runner options, throwing {@link InvalidOptionError} naming the bad one.
 *
 * @example
 * ```ts
 * validateRunnerConfig({ ...defaultRunnerConfig(), concurrency: 0 }); // throws: invalid option "concurrency"
 * ```
 */
export function validateRunnerConfig(c: RunnerConfig): void {
  const ints: [keyof RunnerConfig, number][] = [
    ['queueSize', 1],
    ['concurrency', 1],
    ['maxHops', 0],
  ];
  for (const [k, min] of ints) {
    const v = c[k] as unknown;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new InvalidOptionError(k, `must be an integer >= ${min}, got ${String(v)}`);
  }
  if (c.traceDetail !== 'standard' && c.traceDetail !== 'full') throw new InvalidOptionError('traceDetail', `must be "standard" or "full", got ${String(c.traceDetail)}`);
  for (const k of ['timeoutMs', 'maxPayloadBytes', 'stopTimeoutMs'] as const) {
    const v = c[k] as unknown;
    if (typeof v !== 'number' || Number.isNaN(v) || v < 0) throw new InvalidOptionError(k, `must be a number >= 0, got ${String(v)}`);
  }
}

