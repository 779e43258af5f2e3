/**
 * The instrumentation seam: how a tracer (OpenTelemetry, or your own) sees
 * publishes, attempts and agent runs, and runs hooks and handlers inside its
 * context. The runner calls it only when one is configured, so the hot path
 * pays one property check without it.
 * @module
 */
import type { AgentActivity } from './activity.js';
import type { FailureReason } from './errors/codes.js';
import type { Event } from './event.js';

/**
 * One attempt at processing a delivered event.
 *
 * @example
 * ```ts
 * const a: AttemptInfo = { event, agentId: 'writer', attempt: 1, transport: 'memory' };
 * ```
 */
export interface AttemptInfo {
  readonly event: Event;
  /** The event's target agent (may be empty for an event with no target). */
  readonly agentId: string;
  /** 1 for the first delivery; retries and redeliveries count up (the transport's delivery count). */
  readonly attempt: number;
  /** The transport's name (`memory`, `redis`). */
  readonly transport: string;
}

/**
 * How an attempt ended:
 * - `completed`, `failed`, `dead_lettered`: the event's final outcome;
 * - `retry`: it will be delivered again after `retryDelayMs`;
 * - `unsettled`: the transport refused the settlement (lease lost, connection
 *   lost); another delivery will follow.
 *
 * @example
 * ```ts
 * const end: AttemptEnd = { status: 'retry', reason: 'timeout', errorCode: 'AF_ERR_TIMEOUT', retryDelayMs: 200 };
 * ```
 */
export interface AttemptEnd {
  readonly status: 'completed' | 'failed' | 'dead_lettered' | 'retry' | 'unsettled';
  readonly reason?: FailureReason;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly retryDelayMs?: number;
}

/**
 * A scope a tracer opens around something: `run` executes code inside it (so
 * spans users start there nest under it), `end` closes it.
 *
 * @example
 * ```ts
 * const scope: RunScope = { run: (fn) => fn(), end: () => undefined };
 * ```
 */
export interface RunScope<E> {
  run<T>(fn: () => T): T;
  end(info: E): void;
}

/**
 * The scope of one attempt. Its hooks, orchestration and agent calls run
 * inside `run`; `agent` opens a nested scope around each agent call.
 *
 * @example
 * ```ts
 * const scope: AttemptScope = { run: (fn) => fn(), end: () => undefined };
 * ```
 */
export interface AttemptScope extends RunScope<AttemptEnd> {
  /** Opens a scope around one agent call (the event's own agent, or one inside an orchestration). */
  agent?(agentId: string): RunScope<AgentEnd> | undefined;
  /** Something an agent reported while the attempt runs (a tool call or result, a handoff, memory); tokens are not passed. */
  activity?(agentId: string, activity: AgentActivity): void;
}

/**
 * How an agent call ended.
 *
 * @example
 * ```ts
 * const end: AgentEnd = { errorCode: 'AF_ERR_TIMEOUT', durationMs: 30000 };
 * ```
 */
export interface AgentEnd {
  readonly durationMs: number;
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

/**
 * A tracer plugged into the runner (option `instrumentation`). Every method
 * is optional.
 *
 * @example
 * ```ts
 * const log: Instrumentation = {
 *   publish: (events, from) => console.log('publish', events.length, from ? 'child' : 'emit'),
 *   attempt: (a) => ({ run: (fn) => fn(), end: (e) => console.log(a.event.getId(), e.status) }),
 * };
 * const runner = createRunner({ instrumentation: log });
 * ```
 */
export interface Instrumentation {
  /**
   * Events about to be handed to the transport: an emit (`from` undefined),
   * or children of the attempt `from` (route hop, broadcast copies,
   * `ctx.emit`). May write trace context into their metadata (`traceparent`,
   * `tracestate`).
   */
  publish?(events: readonly Event[], from: AttemptScope | undefined): void;
  /** An attempt starts; the returned scope wraps it. */
  attempt?(info: AttemptInfo): AttemptScope | undefined;
}
