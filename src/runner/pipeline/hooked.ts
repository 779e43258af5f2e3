/**
 * The general path: the whole pipeline with callbacks and orchestrators.
 * `BeforeEventHandling` → broadcast or target → (orchestrator →)
 * `BeforeAgentRun` → agent → `AgentError` → `AfterAgentRun` → route →
 * `AfterEventHandling` → verdict.
 * @module
 */
import type { AgentContext, AgentResult } from '../../core/agent.js';
import { AgentDisabledError, AgentNotFoundError, ShutdownError, type AgentflowError, type FailureReason } from '../../core/errors.js';
import { HookPoint, type CallbackArgs } from '../../core/hooks.js';
import type { AgentRun, DispatchContext, OrchestrationResult } from '../../core/orchestrator.js';
import type { State } from '../../core/state.js';
import { toTraceError } from '../../core/trace.js';
import { AgentScopedContext, traceEntry, type Task } from '../task.js';
import { broadcastCopies, routeNext } from './children.js';
import { NO_CHILDREN, type Done, type PipelineEnv, type Verdict } from './env.js';
import { invokeAgent, type AgentCall, type RunReceiver } from './invoke-agent.js';
import { asAgentflowError, failed, isRejection, reasonOf } from './results.js';

/**
 * Runs the general pipeline from `BeforeEventHandling` on and calls `done`
 * once with the verdict (unless the task was already settled, e.g. by a
 * stop that timed out).
 *
 * @example
 * ```ts
 * void runHooked(env, task, input, done);
 * ```
 */
export async function runHooked(env: PipelineEnv, t: Task, input: State, done: Done): Promise<void> {
  const ev = t.event;
  const meta = ev._meta;
  const reg = env.registry;
  let state = input;
  let verdict: Verdict;
  try {
    if (reg.count(HookPoint.BeforeEventHandling) !== 0) {
      try {
        const r = reg.invoke(t, { hook: HookPoint.BeforeEventHandling, event: ev, state, agentId: '' });
        state = r instanceof Promise ? await race(env, t, r) : r;
      } catch (err) {
        if (!t.finished) done(t, { ...failed(t, reasonOf(err, 'hook_rejected'), asAgentflowError(err, '', ev._id), state), final: isRejection(err) });
        return;
      }
      if (t.finished) return;
    }

    if (meta.broadcast === 'true' && meta.broadcast_targets !== undefined) {
      try {
        broadcastCopies(env, t, state);
      } catch (err) {
        if (!t.finished) done(t, { ...failed(t, reasonOf(err, 'invalid_event'), asAgentflowError(err, '', ev._id), state), final: true });
        return;
      }
      const finalState = await afterEvent(env, t, state, { agentId: '' });
      if (!t.finished) done(t, { status: 'completed', agentId: '', state: finalState, children: t.children ?? NO_CHILDREN });
      return;
    }
    const target = meta.route || ev._target;

    let result: OrchestrationResult;
    if (env.orchestrator === undefined) {
      const run = await runAgent(env, t, target, state, true);
      if (t.finished) return;
      result = { agentId: run.agentId, state: run.state, agentResult: run.result, error: run.error, reason: run.reason };
    } else {
      t.agentId = target;
      try {
        result = await env.orchestrator.dispatch(dispatchContext(env, t), target, state);
      } catch (err) {
        result = { agentId: target, state, error: asAgentflowError(err, target, ev._id), reason: 'agent_error' };
      }
      if (t.finished) return;
    }
    t.agentId = result.agentId;
    routeNext(env, t, result);
    const finalState = await afterEvent(env, t, result.state, { agentId: result.agentId, agentResult: result.agentResult, error: result.error });
    if (t.finished) return;
    verdict =
      result.error === undefined
        ? { status: 'completed', agentId: result.agentId, state: finalState, agentResult: result.agentResult, children: t.children ?? NO_CHILDREN }
        : failed(t, result.reason ?? 'agent_error', result.error, finalState, result.agentResult);
  } catch (err) {
    env.logger.error({ eventId: ev._id, err }, 'internal error while processing event');
    verdict = { ...failed(t, 'agent_error', asAgentflowError(err, t.agentId, ev._id), state), final: true };
  }
  if (!t.finished) done(t, verdict);
}

/** AfterEventHandling (observational: its errors are recorded, the outcome stands). */
function afterEvent(env: PipelineEnv, t: Task, state: State, extra: Pick<CallbackArgs, 'agentId' | 'agentResult' | 'error'>): State | Promise<State> {
  if (env.registry.count(HookPoint.AfterEventHandling) === 0) return state;
  return observe(env, t, { hook: HookPoint.AfterEventHandling, event: t.event, state, ...extra });
}

/**
 * Runs one agent with BeforeAgentRun / AgentError / AfterAgentRun.
 * `own` is true for the event's single route-mode agent (sets task.agentId).
 */
async function runAgent(env: PipelineEnv, t: Task, agentId: string, input: State, own: boolean): Promise<AgentRun> {
  const ev = t.event;
  if (own) t.agentId = agentId;
  const entry = env.agents.get(agentId);
  const reg = env.registry;
  let error: AgentflowError | undefined;
  let reason: FailureReason | undefined;
  if (entry === undefined) {
    error = new AgentNotFoundError(agentId, ev._id, env.agents.names());
    reason = 'no_such_agent';
  } else if (entry.agent !== undefined && entry.agent.enabled === false) {
    error = new AgentDisabledError(agentId, ev._id);
    reason = 'agent_disabled';
  }
  const ctx: AgentContext = own ? t : new AgentScopedContext(t, agentId);
  let state = input;
  if (error === undefined && reg.count(HookPoint.BeforeAgentRun) !== 0) {
    try {
      const r = reg.invoke(ctx, { hook: HookPoint.BeforeAgentRun, event: ev, state, agentId });
      state = r instanceof Promise ? await race(env, t, r) : r;
    } catch (err) {
      return { agentId, state, error: asAgentflowError(err, agentId, ev._id), reason: reasonOf(err, 'hook_rejected') };
    }
  }

  if (error === undefined && entry !== undefined) {
    if (entry.ready !== undefined) {
      try {
        await race(env, t, entry.ready);
      } catch (err) {
        return { agentId, state, error: asAgentflowError(err, agentId, ev._id), reason: reasonOf(err, 'agent_error') };
      }
    }
    const s = state;
    const run = await new Promise<AgentRun>((resolve) => invokeAgent(env, t, entry, ctx, s, own ? env.traceFull : env.trace, { agentRan: (_c, out, result, error, reason) => resolve({ agentId, state: out, result, error, reason }) }));
    if (t.finished) return { agentId, state, error: run.error ?? new ShutdownError(ev._id, 'running'), reason: run.reason ?? 'shutdown', result: run.result };
    return afterRun(env, t, ctx, state, run);
  }
  return afterRun(env, t, ctx, state, { agentId, state, error, reason });
}

/** The steps after an agent ran (or could not run: `run.error`): AgentError, then AfterAgentRun. `state` is the agent's input. */
async function afterRun(env: PipelineEnv, t: Task, ctx: AgentContext, state: State, run: AgentRun): Promise<AgentRun> {
  const ev = t.event;
  const reg = env.registry;
  const agentId = run.agentId;
  const result = run.result;
  let error = run.error;
  let reason = run.reason;
  if (error !== undefined) reason ??= reasonOf(error, 'agent_error');

  if (error !== undefined && reg.count(HookPoint.AgentError) !== 0) {
    const r = observe(env, ctx, { hook: HookPoint.AgentError, event: ev, state, agentId, agentResult: result, error }, t);
    if (r instanceof Promise) await r;
  }
  let out = error === undefined ? result!.outputState : state;
  if (result !== undefined && reg.count(HookPoint.AfterAgentRun) !== 0) {
    try {
      const r = reg.invoke(ctx, { hook: HookPoint.AfterAgentRun, event: ev, state: out, agentId, agentResult: result, error });
      out = r instanceof Promise ? await race(env, t, r) : r;
    } catch (err) {
      if (error === undefined) {
        error = asAgentflowError(err, agentId, ev._id);
        reason = 'hook_rejected';
      }
    }
  }
  if (result !== undefined && error === undefined) result.outputState = out;
  return { agentId, state: out, result, error, reason };
}

/**
 * Runs AgentError / AfterEventHandling callbacks: a throw is recorded, not
 * fatal. A promise is waited for until the task's abort, as in route mode;
 * a wait the abort cut short is recorded as the callbacks' failure.
 */
function observe(env: PipelineEnv, ctx: AgentContext, args: CallbackArgs, task?: Task): State | Promise<State> {
  const t = task ?? (ctx as Task);
  try {
    const r = env.registry.invoke(ctx, args);
    return r instanceof Promise ? race(env, t, r).catch((err: unknown) => callbackFailed(env, t, args, err)) : r;
  } catch (err) {
    return callbackFailed(env, t, args, err);
  }
}

/**
 * Records an observational callback's failure (a `callback_error` trace
 * entry, `stats().callbackErrors`, a warning) and returns the state the
 * event goes on with. A failure that comes after the event settled (a
 * callback `stop` cut off) is only logged: nothing about an event is
 * counted once its outcome is out.
 *
 * @example
 * ```ts
 * state = callbackFailed(env, task, args, err);
 * ```
 */
export function callbackFailed(env: PipelineEnv, t: Task, args: CallbackArgs, err: unknown): State {
  if (t.finished) {
    env.logger.warn({ eventId: t.event._id, hook: args.hook, err: err instanceof Error ? err.message : String(err) }, 'callback failed after its event settled; not counted');
    return args.state;
  }
  env.counters.callbackErrors++;
  if (env.trace !== null) {
    const entry = traceEntry('callback_error', t, args.agentId);
    entry.hook = args.hook;
    entry.error = toTraceError(err);
    env.trace.log(entry);
  }
  env.logger.warn({ eventId: t.event._id, hook: args.hook, err: err instanceof Error ? err.message : String(err) }, 'callback failed; event outcome unchanged');
  return args.state;
}

/** Waits for `p`, or for the task's abort (timeout, deadline, stop). */
function race<T>(env: PipelineEnv, t: Task, p: Promise<T>): Promise<T> {
  if (t.aborted !== undefined) {
    p.catch(() => undefined);
    return Promise.reject(t.aborted);
  }
  if (t.expiry === 0 && env.running()) return p;
  return new Promise<T>((resolve, reject) => {
    t.onAbort(reject);
    p.then(
      (v) => {
        t.offAbort(reject);
        resolve(v);
      },
      (e: unknown) => {
        t.offAbort(reject);
        reject(e);
      },
    );
  });
}

function dispatchContext(env: PipelineEnv, t: Task): DispatchContext {
  return {
    event: t.event,
    get signal() {
      return t.signal;
    },
    get logger() {
      return t.logger;
    },
    agentNames: () => env.agents.names(),
    hasAgent: (n) => env.agents.has(n),
    runAgent: (agentId, state) => {
      let copy: State;
      try {
        copy = state.clone();
      } catch (err) {
        return Promise.resolve({ agentId, state, error: asAgentflowError(err, agentId, t.event._id), reason: 'invalid_event' as const });
      }
      // No callbacks and a ready agent: no async frame (runAgent's steps reduce to the call itself).
      const entry = env.registry.isEmpty() ? env.agents.get(agentId) : undefined;
      if (entry !== undefined && entry.ready === undefined && entry.agent?.enabled !== false) {
        return new Promise<AgentRun>((resolve) => {
          const ctx = new AgentScopedContext(t, agentId);
          invokeAgent(env, t, entry, ctx, copy, env.trace, new PlainRun(resolve, copy, ctx));
        });
      }
      return runAgent(env, t, agentId, copy, false);
    },
  };
}

/** What {@link runAgent} resolves to for a ready agent when no callback is registered, straight from the run. */
class PlainRun implements RunReceiver {
  constructor(
    private readonly resolve: (run: AgentRun | Promise<AgentRun>) => void,
    private readonly input: State,
    private readonly ctx: AgentContext,
  ) {}
  agentRan(call: AgentCall, out: State, result: AgentResult, error: AgentflowError | undefined, reason: FailureReason | undefined): void {
    const t = call.t;
    if (t.finished) return this.resolve({ agentId: call.agentId, state: this.input, error: error ?? new ShutdownError(t.event._id, 'running'), reason: reason ?? 'shutdown', result });
    const run: AgentRun = { agentId: call.agentId, state: out, result, error, reason };
    // Callbacks registered while the agent ran fire for it, as in runAgent.
    this.resolve(call.env.registry.isEmpty() ? run : afterRun(call.env, t, this.ctx, this.input, run));
  }
}
