/**
 * The one agent invocation, used by the fast path and the general path:
 * `agent_start` trace, the agent's timeout, the call, the wait (broken by
 * timeout, deadline or stop), the result check and the `agent_end` trace.
 * @module
 */
import type { AgentContext, AgentResult } from '../../core/agent.js';
import type { AgentflowError, FailureReason } from '../../core/errors.js';
import type { AgentEnd, RunScope } from '../../core/instrumentation.js';
import type { State } from '../../core/state.js';
import { InMemoryTraceLogger, toTraceError, type TraceLogger } from '../../core/trace.js';
import { hopOf } from '../../core/meta.js';
import type { AgentEntry } from '../agents.js';
import { openAgent } from '../instrument.js';
import type { AgentInvoke } from '../config.js';
import { traceEntry, type AbortWaiter, type Task } from '../task.js';
import { applyAgentTimeout } from './admit.js';
import type { Done, PipelineEnv } from './env.js';
import { asAgentflowError, normalizeResult, reasonOf, thrownValue } from './results.js';

/**
 * Receives one agent run: the call (its task and environment), the output
 * state (the input state on failure), the agent result, and the error and
 * reason when it failed. An object rather than a closure: the hot paths
 * pass a long-lived receiver, so a call allocates no function.
 *
 * @example
 * ```ts
 * const receiver: RunReceiver = { agentRan: (call, state, result, error) => console.log(call.agentId, result.duration, error?.code) };
 * ```
 */
export interface RunReceiver {
  agentRan(call: AgentCall, state: State, result: AgentResult, error: AgentflowError | undefined, reason: FailureReason | undefined): void;
}

/**
 * The agent call a {@link RunReceiver} is told about (valid during `agentRan` only).
 *
 * @example
 * ```ts
 * const receiver: RunReceiver = { agentRan: (call) => console.log(call.t.eventId, call.agentId) };
 * ```
 */
export interface AgentCall {
  readonly env: PipelineEnv;
  readonly t: Task;
  readonly agentId: string;
  /** The continuation the caller passed along, if any (the fast path's pipeline continuation). */
  readonly next: Done | undefined;
}

/**
 * Runs `entry` once on `state` and tells `receiver` exactly once
 * (synchronously when the handler returns synchronously). `trace` is where
 * `agent_end` goes (the full trace for the event's own agent, the standard
 * one for agents inside an orchestration). `startedAt` defaults to now;
 * `next` is handed to the receiver.
 *
 * @example
 * ```ts
 * invokeAgent(env, task, entry, task, state, env.traceFull, { agentRan: (_c, _s, _r, error) => console.log(error?.code) });
 * ```
 */
export function invokeAgent(env: PipelineEnv, t: Task, entry: AgentEntry, ctx: AgentContext, state: State, trace: TraceLogger | null, receiver: RunReceiver, startedAt?: number, next?: Done): void {
  if (env.traceFull !== null) env.traceFull.log(traceEntry('agent_start', t, entry.name));
  applyAgentTimeout(env, t, entry);
  // `Date.now()` is a system call costing ~70 ns on some VMs: the fast path passes the task's start instead.
  const inv = Invocation.acquire(env, t, entry.name, state, startedAt ?? Date.now(), trace, receiver, next);
  if (t.aborted !== undefined) return inv.finishNow(undefined, t.aborted);
  // A tracer's own failure to open the scope is isolated (openAgent), never counted as the agent's.
  const scope = t.scope === undefined ? undefined : (inv.scope = openAgent(t, entry.name));
  let r: ReturnType<AgentInvoke>;
  try {
    r = scope === undefined ? entry.invoke(ctx, t.event, state) : scope.run(() => entry.invoke(ctx, t.event, state));
  } catch (err) {
    return inv.finishNow(undefined, thrownValue(err));
  }
  if (!(r instanceof Promise)) return inv.finishNow(r, undefined);
  if (t.expiry !== 0 || !env.running()) inv.armAbort();
  // A promise whose `then` is not the native one (a subclass) may call back twice: its call is never reused.
  if (r.then !== NATIVE_THEN) inv.keep();
  r.then(inv.onValue, inv.onError);
}

const NATIVE_THEN = Promise.prototype.then;

/** Invocations not in use (their promise callbacks can no longer fire). */
const pool: Invocation[] = [];
const POOL_MAX = 1024;

/**
 * One agent call in flight: settles once, whether the handler or an abort
 * comes first. Pooled: an invocation (with its two promise callbacks, made
 * once) is reused after its handler's promise settled, or at once when no
 * promise was awaited; never while a callback could still fire.
 */
class Invocation implements AgentCall, AbortWaiter {
  env!: PipelineEnv;
  private task: Task | undefined = undefined;
  agentId = '';
  state: State | undefined = undefined;
  started = 0;
  trace: TraceLogger | null = null;
  receiver: RunReceiver | undefined = undefined;
  next: Done | undefined = undefined;
  /** The instrumentation's scope around this call, if any. */
  scope: RunScope<AgentEnd> | undefined = undefined;
  private settled = false;
  /** Whether an abort reaches this call (it is one of its task's waiters). */
  private armed = false;
  private reusable = true;
  readonly onValue = (v: unknown): void => this.finishNow(v, undefined);
  readonly onError = (e: unknown): void => this.finishNow(undefined, thrownValue(e));

  static acquire(env: PipelineEnv, t: Task, agentId: string, state: State, started: number, trace: TraceLogger | null, receiver: RunReceiver, next: Done | undefined): Invocation {
    const inv = pool.pop() ?? new Invocation();
    inv.env = env;
    inv.task = t;
    inv.agentId = agentId;
    inv.state = state;
    inv.started = started;
    inv.trace = trace;
    inv.receiver = receiver;
    inv.next = next;
    inv.settled = false;
    return inv;
  }
  get t(): Task {
    return this.task!;
  }
  armAbort(): void {
    this.task!.addWaiter(this);
    this.armed = true;
  }
  abortWith(err: unknown): void {
    this.finish(undefined, err);
  }
  /** Finishes the call and frees it: the handler returned or threw, synchronously or through its promise (nothing can call back after). */
  finishNow(value: unknown, thrown: unknown): void {
    this.finish(value, thrown);
    this.release();
  }
  private finish(value: unknown, thrown: unknown): void {
    if (this.settled) return;
    this.settled = true;
    const t = this.task!;
    if (this.armed) {
      this.armed = false;
      t.removeWaiter(this);
    }
    settleRun(this, t, value, thrown);
  }
  /** Never reuse this call (a callback may still reach it after it finished). */
  keep(): void {
    this.reusable = false;
  }
  private release(): void {
    if (!this.reusable) return;
    this.task = this.state = this.receiver = this.next = this.scope = undefined;
    this.trace = null;
    if (pool.length < POOL_MAX) pool.push(this);
  }
}

/** Turns what a handler returned or threw into a run (passed to the receiver), and traces `agent_end`. */
function settleRun(inv: Invocation, t: Task, value: unknown, thrown: unknown): void {
  const ev = t.event;
  const agentId = inv.agentId;
  const state = inv.state!;
  const started = inv.started;
  let result: AgentResult | undefined;
  let error: AgentflowError | undefined;
  let reason: FailureReason | undefined;
  if (thrown === undefined) {
    try {
      result = normalizeResult(value, agentId, ev, started);
      t.clockAt = result.outputState === value ? result.endTime : 0; // a State: the end time is the runner's clock
      if (result.error !== undefined) error = asAgentflowError(result.error, agentId, ev._id);
    } catch (err) {
      thrown = err;
    }
  }
  if (thrown !== undefined) {
    error = asAgentflowError(thrown, agentId, ev._id);
    reason = reasonOf(thrown, 'agent_error');
  }
  if (result === undefined) {
    const end = Date.now();
    result = { outputState: state, startTime: started, endTime: end, duration: end - started, error };
  }
  if (error !== undefined) reason ??= reasonOf(error, 'agent_error');
  if (inv.scope !== undefined) endAgentScope(t, inv.scope, result.duration, error);
  const trace = inv.trace;
  if (trace !== null) {
    // The time is the agent's end when the runner's clock took it (not an agent's own `endTime`): no second reading.
    const at = thrown === undefined && result.outputState !== value ? Date.now() : result.endTime;
    if (trace instanceof InMemoryTraceLogger && !trace.filtered) {
      const m = ev._meta;
      // As `traceEntry`, without the entry object, and without making the id's text (see InMemoryTraceLogger.logEventEnd).
      trace.logAgentEnd(at, ev, m.session_id ?? '', agentId, result.duration, error === undefined ? undefined : toTraceError(error), m.parent_event, m.route || ev._target, ev._source === '' ? undefined : ev._source, m.hop_count === undefined ? 0 : hopOf(m), t.attempt);
    } else {
      const e = traceEntry('agent_end', t, agentId);
      e.timestamp = at;
      e.durationMs = result.duration;
      if (error !== undefined) e.error = toTraceError(error);
      trace.log(e);
    }
  }
  inv.receiver!.agentRan(inv, error === undefined ? result.outputState : state, result, error, reason);
}

function endAgentScope(t: Task, scope: RunScope<AgentEnd>, durationMs: number, error: AgentflowError | undefined): void {
  try {
    scope.end(error === undefined ? { durationMs } : { durationMs, errorCode: error.code, errorMessage: error.message });
  } catch (err) {
    t.logger.warn({ err: (err as Error).message }, 'instrumentation threw when an agent call ended');
  }
}
