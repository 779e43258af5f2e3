/**
 * The general path for route mode (callbacks, no orchestrator) without
 * async frames: each hook point continues synchronously when its callbacks
 * return synchronously, and through one `then` when one returns a promise.
 * Same steps and semantics as `hooked.ts` (which orchestrators use); the
 * parity test runs both against the fast path.
 * @module
 */
import type { AgentResult } from '../../core/agent.js';
import { AgentDisabledError, AgentNotFoundError, type AgentflowError, type FailureReason } from '../../core/errors.js';
import { HookIndex, HookPoint, type CallbackArgs } from '../../core/hooks.js';
import type { State } from '../../core/state.js';
import type { AgentEntry } from '../agents.js';
import type { Task } from '../task.js';
import { broadcastCopies, routeNext } from './children.js';
import { NO_CHILDREN, type Done, type PipelineEnv, type Verdict } from './env.js';
import { callbackFailed } from './hooked.js';
import { invokeAgent, type AgentCall, type RunReceiver } from './invoke-agent.js';
import { asAgentflowError, failed, isRejection, reasonOf } from './results.js';

/** The hook points of route mode, in order (the registry's own indices: no string lookups per point). */
type Point = HookIndex;
const BEFORE_EVENT = HookIndex.BeforeEventHandling;
const BEFORE_AGENT = HookIndex.BeforeAgentRun;
const AGENT_ERROR = HookIndex.AgentError;
const AFTER_AGENT = HookIndex.AfterAgentRun;
const AFTER_EVENT = HookIndex.AfterEventHandling;

/**
 * Runs the route-mode pipeline with callbacks for one task.
 *
 * @example
 * ```ts
 * new HookedRoute(env, task, done, input).start();
 * ```
 */
export class HookedRoute implements RunReceiver {
  agentId = '';
  /** The state at the current step (what `routeNext` chains from; the state a hook point started with). */
  state: State;
  error: AgentflowError | undefined = undefined;
  reason: FailureReason | undefined = undefined;
  private result: AgentResult | undefined = undefined;
  private entry: AgentEntry | undefined = undefined;
  /** Whether a callback (or a wait for the agent to be ready) ran before the agent, and whether one ran after it. */
  private ranBefore = false;
  private ranAfter = false;

  constructor(
    private readonly env: PipelineEnv,
    private readonly t: Task,
    private readonly done: Done,
    input: State,
  ) {
    this.state = input;
  }

  /**
   * The usual case in one method: `BeforeEventHandling` and
   * `BeforeAgentRun` callbacks that pass synchronously, a target that is
   * found, enabled and ready, and the call. Anything else goes on along
   * the general steps below (`routed`, `ready`, `waitAt`, …) from where it
   * arose. (One method rather than the chain of steps: measured 3–9% faster
   * per hooked event, see docs/benchmarks.md.)
   */
  start(): void {
    const env = this.env;
    const t = this.t;
    const reg = env.registry;
    const ev = t.event;
    let s = this.state;
    if (reg.countAt(BEFORE_EVENT) !== 0) {
      this.ranBefore = true;
      const args: CallbackArgs = { hook: HookPoint.BeforeEventHandling, event: ev, state: s, agentId: '' };
      let r: State | Promise<State>;
      try {
        r = reg.invokeAt(BEFORE_EVENT, t, args);
      } catch (err) {
        return this.failAt(BEFORE_EVENT, args, s, err);
      }
      if (r instanceof Promise) return this.waitAt(BEFORE_EVENT, args, s, r);
      s = r;
    }
    const meta = ev._meta;
    const target = meta.route || ev._target;
    const entry = env.agents.get(target);
    if (t.finished || meta.broadcast === 'true' || entry === undefined || entry.ready !== undefined || (entry.agent !== undefined && entry.agent.enabled === false)) return this.routed(s);
    t.agentId = target;
    this.agentId = target;
    this.entry = entry;
    if (reg.countAt(BEFORE_AGENT) !== 0) {
      this.ranBefore = true;
      const args: CallbackArgs = { hook: HookPoint.BeforeAgentRun, event: ev, state: s, agentId: target };
      let r: State | Promise<State>;
      try {
        r = reg.invokeAt(BEFORE_AGENT, t, args);
      } catch (err) {
        return this.failAt(BEFORE_AGENT, args, s, err);
      }
      if (r instanceof Promise) return this.waitAt(BEFORE_AGENT, args, s, r);
      return this.ready(r); // (a callback may have stopped the runner, or re-registered the agent)
    }
    this.invoke(s);
  }

  /** After BeforeEventHandling: broadcast, or resolve the target and run its agent. */
  private routed(state: State): void {
    const t = this.t;
    if (t.finished) return;
    const meta = t.event._meta;
    if (meta.broadcast === 'true' && meta.broadcast_targets !== undefined) {
      try {
        broadcastCopies(this.env, t, state);
      } catch (err) {
        return this.finish({ ...failed(t, reasonOf(err, 'invalid_event'), asAgentflowError(err, '', t.event._id), state), final: true });
      }
      this.agentId = '';
      return this.afterEvent(state);
    }
    const target = meta.route || t.event._target;
    t.agentId = target;
    this.agentId = target;
    const entry = this.env.agents.get(target);
    if (entry === undefined) return this.agentFailed(new AgentNotFoundError(target, t.event._id, this.env.agents.names()), 'no_such_agent', state);
    if (entry.agent !== undefined && entry.agent.enabled === false) return this.agentFailed(new AgentDisabledError(target, t.event._id), 'agent_disabled', state);
    this.entry = entry;
    if (this.env.registry.countAt(BEFORE_AGENT) === 0) return this.ready(state);
    this.state = state;
    this.hook({ hook: HookPoint.BeforeAgentRun, event: t.event, state, agentId: target }, BEFORE_AGENT);
  }

  private ready(state: State): void {
    if (this.t.finished) return;
    const entry = this.entry!;
    if (entry.ready === undefined) return this.invoke(state);
    this.ranBefore = true;
    this.wait(
      entry.ready.then(() => state),
      () => this.invoke(state),
      (err) => this.ran(state, asAgentflowError(err, entry.name, this.t.event._id), reasonOf(err, 'agent_error')),
    );
  }

  private invoke(state: State): void {
    // With no callback before the agent (only bookkeeping ran since the task started), the agent starts when the
    // task did, as on the fast path: no clock reading of its own.
    // (What ran, not what is registered now: a callback may unregister itself while it runs.)
    invokeAgent(this.env, this.t, this.entry!, this.t, state, this.env.traceFull, this, this.ranBefore ? undefined : this.t.startedAt);
  }

  /** The agent ran (see {@link RunReceiver}); on failure `out` is the input state. */
  agentRan(_call: AgentCall, out: State, result: AgentResult, error: AgentflowError | undefined, reason: FailureReason | undefined): void {
    const t = this.t;
    if (t.finished) return;
    this.result = result;
    if (error !== undefined) return this.agentFailed(error, reason ?? reasonOf(error, 'agent_error'), out);
    // The usual case in one method, as in `start`: AfterAgentRun, the next hop, AfterEventHandling, the verdict.
    const reg = this.env.registry;
    if (reg.countAt(AFTER_AGENT) !== 0) {
      this.ranAfter = true;
      const args: CallbackArgs = { hook: HookPoint.AfterAgentRun, event: t.event, state: out, agentId: this.agentId, agentResult: result, error: undefined };
      let r: State | Promise<State>;
      try {
        r = reg.invokeAt(AFTER_AGENT, t, args);
      } catch (err) {
        return this.failAt(AFTER_AGENT, args, out, err);
      }
      if (r instanceof Promise) return this.waitAt(AFTER_AGENT, args, out, r);
      out = r;
      if (t.finished) return;
    }
    result.outputState = out;
    this.state = out;
    routeNext(this.env, t, this); // (sets error and reason when the next hop cannot be made)
    if (reg.countAt(AFTER_EVENT) === 0) return this.afterEvent(out);
    this.ranAfter = true;
    const args: CallbackArgs = { hook: HookPoint.AfterEventHandling, event: t.event, state: out, agentId: this.agentId, agentResult: result, error: this.error };
    let r: State | Promise<State>;
    try {
      r = reg.invokeAt(AFTER_EVENT, t, args);
    } catch (err) {
      return this.failAt(AFTER_EVENT, args, out, err);
    }
    if (r instanceof Promise) return this.waitAt(AFTER_EVENT, args, out, r);
    out = r;
    this.conclude(out);
  }

  /** The agent failed (or was not found): AgentError (observational), then AfterAgentRun if it ran. */
  private agentFailed(error: AgentflowError, reason: FailureReason, state: State): void {
    this.error = error;
    this.reason = reason;
    if (this.env.registry.countAt(AGENT_ERROR) === 0) return this.afterAgent(state);
    this.state = state;
    this.hook({ hook: HookPoint.AgentError, event: this.t.event, state, agentId: this.agentId, agentResult: this.result, error }, AGENT_ERROR);
  }

  /** AfterAgentRun: may replace the output, or reject a success. */
  private afterAgent(out: State): void {
    if (this.t.finished) return;
    if (this.result === undefined || this.env.registry.countAt(AFTER_AGENT) === 0) return this.ran(out, this.error, this.reason);
    this.state = out;
    this.hook({ hook: HookPoint.AfterAgentRun, event: this.t.event, state: out, agentId: this.agentId, agentResult: this.result, error: this.error }, AFTER_AGENT);
  }

  /** The agent step is over: chain, then AfterEventHandling. */
  private ran(out: State, error: AgentflowError | undefined, reason: FailureReason | undefined): void {
    if (this.t.finished) return;
    this.error = error;
    this.reason = reason;
    if (this.result !== undefined && error === undefined) this.result.outputState = out;
    this.state = out;
    routeNext(this.env, this.t, this); // (sets error and reason when the next hop cannot be made)
    this.afterEvent(out);
  }

  private afterEvent(state: State): void {
    const reg = this.env.registry;
    if (reg.countAt(AFTER_EVENT) === 0) {
      // No callback after the agent either: the event ends when its agent did (the runner's reading), as on the fast path.
      if (this.t.clockAt !== 0 && !this.ranAfter) this.t.endedAt = this.t.clockAt;
      return this.conclude(state);
    }
    this.hook({ hook: HookPoint.AfterEventHandling, event: this.t.event, state, agentId: this.agentId, agentResult: this.result, error: this.error }, AFTER_EVENT);
  }

  private conclude(state: State): void {
    const t = this.t;
    const children = t.children ?? NO_CHILDREN;
    if (this.error === undefined) return this.finish({ status: 'completed', agentId: this.agentId, state, agentResult: this.result, children });
    this.finish({ status: 'failed', agentId: this.agentId, state, reason: this.reason ?? 'agent_error', error: this.error, agentResult: this.result, children });
  }

  private finish(v: Verdict): void {
    if (!this.t.finished) this.done(this.t, v);
  }

  /**
   * Runs a hook point's callbacks on the general steps; `this.state` is
   * the state it started with. Synchronous callbacks continue at once (no
   * closure is made); a promise or a failure goes to {@link off}.
   */
  private hook(args: CallbackArgs, point: Point): void {
    if (point <= BEFORE_AGENT) this.ranBefore = true;
    else this.ranAfter = true;
    let r: State | Promise<State>;
    try {
      r = this.env.registry.invokeAt(point, this.t, args);
    } catch (err) {
      return this.failedAt(point, args, err);
    }
    if (r instanceof Promise) return this.waitAt(point, args, this.state, r);
    this.passed(point, r);
  }

  /** A callback at a point of {@link start} or {@link agentRan} threw; `s` is the state the point started with. */
  private failAt(point: Point, args: CallbackArgs, s: State, err: unknown): void {
    this.state = s;
    this.failedAt(point, args, err);
  }

  /**
   * A hook point's callbacks returned a promise; `s` is the state the point
   * started with. (Closures only here: a method that makes closures
   * allocates their context on every call.)
   */
  private waitAt(point: Point, args: CallbackArgs, s: State, p: Promise<State>): void {
    this.state = s;
    this.wait(
      p,
      (out) => this.passed(point, out),
      (e) => this.failedAt(point, args, e),
    );
  }

  /** A hook point's callbacks passed with state `s`: the next step. */
  private passed(point: Point, s: State): void {
    switch (point) {
      case BEFORE_EVENT:
        return this.routed(s);
      case BEFORE_AGENT:
        return this.ready(s);
      case AGENT_ERROR:
        return this.afterAgent(this.state);
      case AFTER_AGENT:
        return this.ran(s, this.error, this.reason);
      default:
        return this.conclude(s);
    }
  }

  /** A callback at a hook point threw (or its promise rejected, or the task was aborted while it ran). */
  private failedAt(point: Point, args: CallbackArgs, err: unknown): void {
    const pre = this.state;
    switch (point) {
      case BEFORE_EVENT:
        return this.finish({ ...failed(this.t, reasonOf(err, 'hook_rejected'), asAgentflowError(err, '', this.t.event._id), pre), final: isRejection(err) });
      case BEFORE_AGENT:
        return this.ran(pre, asAgentflowError(err, this.agentId, this.t.event._id), reasonOf(err, 'hook_rejected'));
      case AGENT_ERROR:
        callbackFailed(this.env, this.t, args, err);
        return this.afterAgent(pre);
      case AFTER_AGENT:
        return this.error === undefined ? this.ran(pre, asAgentflowError(err, this.agentId, this.t.event._id), 'hook_rejected') : this.ran(pre, this.error, this.reason);
      default:
        return this.conclude(callbackFailed(this.env, this.t, args, err));
    }
  }

  /** Waits for `p`, or for the task's abort (timeout, deadline, stop). */
  private wait(p: Promise<State>, ok: (s: State) => void, fail: (err: unknown) => void): void {
    const t = this.t;
    if (t.aborted !== undefined) {
      p.catch(() => undefined);
      return fail(t.aborted);
    }
    if (t.expiry === 0 && this.env.running()) {
      p.then(ok, fail);
      return;
    }
    let settled = false;
    const abort = (err: unknown): void => {
      if (settled) return;
      settled = true;
      fail(err);
    };
    t.onAbort(abort);
    p.then(
      (s) => {
        t.offAbort(abort);
        if (!settled) {
          settled = true;
          ok(s);
        }
      },
      (e: unknown) => {
        t.offAbort(abort);
        abort(e);
      },
    );
  }
}
