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
import { toTraceError, type TraceLogger } from '../../core/trace.js';
import type { AgentEntry } from '../agents.js';
import { openAgent } from '../instrument.js';
import type { AgentInvoke } from '../config.js';
import { traceEntry, type Task } from '../task.js';
import { applyAgentTimeout } from './admit.js';
import type { PipelineEnv } from './env.js';
import { asAgentflowError, normalizeResult, reasonOf, thrownValue } from './results.js';

/**
 * Receives one agent run: the output state (the input state on failure),
 * the agent result, and the error and reason when it failed.
 *
 * @example
 * ```ts
 * const done: RunDone = (state, result, error) => console.log(result.duration, error?.code);
 * ```
 */
export type RunDone = (state: State, result: AgentResult, error: AgentflowError | undefined, reason: FailureReason | undefined) => void;

/**
 * Runs `entry` once on `state` and calls `done` exactly once with the run
 * (synchronously when the handler returns synchronously). `trace` is where
 * `agent_end` goes (the full trace for the event's own agent, the standard
 * one for agents inside an orchestration). `startedAt` defaults to now.
 *
 * @example
 * ```ts
 * invokeAgent(env, task, entry, task, state, env.traceFull, (run) => console.log(run.error?.code));
 * ```
 */
export function invokeAgent(env: PipelineEnv, t: Task, entry: AgentEntry, ctx: AgentContext, state: State, trace: TraceLogger | null, done: RunDone, startedAt?: number): void {
  if (env.traceFull !== null) env.traceFull.log(traceEntry('agent_start', t, entry.name));
  applyAgentTimeout(env, t, entry);
  // One object per call and only inline closures: no named closures on the hot path.
  // `Date.now()` is a system call costing ~70 ns on some VMs: the fast path passes the task's start instead.
  const inv = new Invocation(t, entry.name, state, startedAt ?? Date.now(), trace, done);
  if (t.aborted !== undefined) return inv.finish(undefined, t.aborted);
  // A tracer's own failure to open the scope is isolated (openAgent), never counted as the agent's.
  const scope = t.scope === undefined ? undefined : (inv.scope = openAgent(t, entry.name));
  let r: ReturnType<AgentInvoke>;
  try {
    r = scope === undefined ? entry.invoke(ctx, t.event, state) : scope.run(() => entry.invoke(ctx, t.event, state));
  } catch (err) {
    return inv.finish(undefined, thrownValue(err));
  }
  if (!(r instanceof Promise)) return inv.finish(r, undefined);
  if (t.expiry !== 0 || !env.running()) inv.armAbort();
  r.then(
    (v) => inv.finish(v, undefined),
    (e: unknown) => inv.finish(undefined, thrownValue(e)),
  );
}

/** One agent call in flight: settles once, whether the handler or an abort comes first. */
class Invocation {
  private settled = false;
  private onAbort: ((err: unknown) => void) | undefined = undefined;
  /** The instrumentation's scope around this call, if any. */
  scope: RunScope<AgentEnd> | undefined = undefined;
  constructor(
    private readonly t: Task,
    private readonly agentId: string,
    private readonly state: State,
    private readonly started: number,
    private readonly trace: TraceLogger | null,
    private readonly done: RunDone,
  ) {}
  armAbort(): void {
    this.onAbort = (err) => this.finish(undefined, err);
    this.t.onAbort(this.onAbort);
  }
  finish(value: unknown, thrown: unknown): void {
    if (this.settled) return;
    this.settled = true;
    if (this.onAbort !== undefined) this.t.offAbort(this.onAbort);
    settleRun(this.t, this.agentId, this.state, value, thrown, this.started, this.trace, this.done, this.scope);
  }
}

/** Turns what a handler returned or threw into a run (passed to `done`), and traces `agent_end`. */
function settleRun(t: Task, agentId: string, state: State, value: unknown, thrown: unknown, started: number, trace: TraceLogger | null, done: RunDone, scope: RunScope<AgentEnd> | undefined): void {
  const ev = t.event;
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
  if (scope !== undefined) endAgentScope(t, scope, result.duration, error);
  if (trace !== null) {
    const e = traceEntry('agent_end', t, agentId);
    e.durationMs = result.duration;
    if (error !== undefined) e.error = toTraceError(error);
    trace.log(e);
  }
  done(error === undefined ? result.outputState : state, result, error, reason);
}

function endAgentScope(t: Task, scope: RunScope<AgentEnd>, durationMs: number, error: AgentflowError | undefined): void {
  try {
    scope.end(error === undefined ? { durationMs } : { durationMs, errorCode: error.code, errorMessage: error.message });
  } catch (err) {
    t.logger.warn({ err: (err as Error).message }, 'instrumentation threw when an agent call ended');
  }
}
