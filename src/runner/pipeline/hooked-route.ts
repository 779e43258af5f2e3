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
import { HookPoint, type CallbackArgs } from '../../core/hooks.js';
import type { State } from '../../core/state.js';
import { toTraceError } from '../../core/trace.js';
import type { AgentEntry } from '../agents.js';
import { traceEntry, type Task } from '../task.js';
import { broadcastCopies, routeNext } from './children.js';
import { NO_CHILDREN, type Done, type PipelineEnv, type Verdict } from './env.js';
import { invokeAgent, type AgentCall, type RunReceiver } from './invoke-agent.js';
import { asAgentflowError, failed, isRejection, reasonOf } from './results.js';

/**
 * Runs the route-mode pipeline with callbacks for one task.
 *
 * @example
 * ```ts
 * new HookedRoute(env, task, done).start(input);
 * ```
 */
export class HookedRoute implements RunReceiver {
  private agentId = '';
  private error: AgentflowError | undefined = undefined;
  private reason: FailureReason | undefined = undefined;
  private result: AgentResult | undefined = undefined;

  constructor(
    private readonly env: PipelineEnv,
    private readonly t: Task,
    private readonly done: Done,
  ) {}

  start(input: State): void {
    const reg = this.env.registry;
    if (reg.count(HookPoint.BeforeEventHandling) === 0) return this.routed(input);
    this.hook(
      { hook: HookPoint.BeforeEventHandling, event: this.t.event, state: input, agentId: '' },
      (s) => this.routed(s),
      (err) => this.finish({ ...failed(this.t, reasonOf(err, 'hook_rejected'), asAgentflowError(err, '', this.t.event._id), input), final: isRejection(err) }),
    );
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
    if (this.env.registry.count(HookPoint.BeforeAgentRun) === 0) return this.ready(entry, state);
    this.hook(
      { hook: HookPoint.BeforeAgentRun, event: t.event, state, agentId: target },
      (s) => this.ready(entry, s),
      (err) => this.ran(state, asAgentflowError(err, target, t.event._id), reasonOf(err, 'hook_rejected')),
    );
  }

  private ready(entry: AgentEntry, state: State): void {
    if (this.t.finished) return;
    if (entry.ready === undefined) return this.invoke(entry, state);
    this.wait(
      entry.ready.then(() => state),
      () => this.invoke(entry, state),
      (err) => this.ran(state, asAgentflowError(err, entry.name, this.t.event._id), reasonOf(err, 'agent_error')),
    );
  }

  private invoke(entry: AgentEntry, state: State): void {
    invokeAgent(this.env, this.t, entry, this.t, state, this.env.traceFull, this);
  }

  /** The agent ran (see {@link RunReceiver}); on failure `out` is the input state. */
  agentRan(_call: AgentCall, out: State, result: AgentResult, error: AgentflowError | undefined, reason: FailureReason | undefined): void {
    if (this.t.finished) return;
    this.result = result;
    if (error !== undefined) return this.agentFailed(error, reason ?? reasonOf(error, 'agent_error'), out);
    this.afterAgent(out);
  }

  /** The agent failed (or was not found): AgentError (observational), then AfterAgentRun if it ran. */
  private agentFailed(error: AgentflowError, reason: FailureReason, state: State): void {
    this.error = error;
    this.reason = reason;
    if (this.env.registry.count(HookPoint.AgentError) === 0) return this.afterAgent(state);
    const args: CallbackArgs = { hook: HookPoint.AgentError, event: this.t.event, state, agentId: this.agentId, agentResult: this.result, error };
    this.hook(
      args,
      () => this.afterAgent(state),
      (err) => {
        this.callbackFailed(args, err);
        this.afterAgent(state);
      },
    );
  }

  /** AfterAgentRun: may replace the output, or reject a success. */
  private afterAgent(out: State): void {
    if (this.t.finished) return;
    if (this.result === undefined || this.env.registry.count(HookPoint.AfterAgentRun) === 0) return this.ran(out, this.error, this.reason);
    this.hook(
      { hook: HookPoint.AfterAgentRun, event: this.t.event, state: out, agentId: this.agentId, agentResult: this.result, error: this.error },
      (s) => this.ran(s, this.error, this.reason),
      (err) =>
        this.error === undefined ? this.ran(out, asAgentflowError(err, this.agentId, this.t.event._id), 'hook_rejected') : this.ran(out, this.error, this.reason),
    );
  }

  /** The agent step is over: chain, then AfterEventHandling. */
  private ran(out: State, error: AgentflowError | undefined, reason: FailureReason | undefined): void {
    if (this.t.finished) return;
    this.error = error;
    this.reason = reason;
    if (this.result !== undefined && error === undefined) this.result.outputState = out;
    const r = { agentId: this.agentId, state: out, error, reason };
    routeNext(this.env, this.t, r);
    this.error = r.error;
    this.reason = r.reason;
    this.afterEvent(out);
  }

  private afterEvent(state: State): void {
    if (this.env.registry.count(HookPoint.AfterEventHandling) === 0) return this.conclude(state);
    const args: CallbackArgs = { hook: HookPoint.AfterEventHandling, event: this.t.event, state, agentId: this.agentId, agentResult: this.result, error: this.error };
    this.hook(
      args,
      (s) => this.conclude(s),
      (err) => this.conclude(this.callbackFailed(args, err)),
    );
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

  /** Runs a hook point; `raced` waits break on the task's abort (observational hooks are not raced). */
  private hook(args: CallbackArgs, ok: (s: State) => void, fail: (err: unknown) => void, raced = true): void {
    let r: State | Promise<State>;
    try {
      r = this.env.registry.invoke(this.t, args);
    } catch (err) {
      return fail(err);
    }
    if (r instanceof Promise) {
      if (raced) this.wait(r, ok, fail);
      else r.then(ok, fail);
    } else ok(r);
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
      (e: unknown) => abort(e),
    );
  }

  private callbackFailed(args: CallbackArgs, err: unknown): State {
    const env = this.env;
    env.counters.callbackErrors++;
    if (env.trace !== null) {
      const entry = traceEntry('callback_error', this.t, args.agentId);
      entry.hook = args.hook;
      entry.error = toTraceError(err);
      env.trace.log(entry);
    }
    env.logger.warn({ eventId: this.t.event._id, hook: args.hook, err: err instanceof Error ? err.message : String(err) }, 'callback failed; event outcome unchanged');
    return args.state;
  }
}
