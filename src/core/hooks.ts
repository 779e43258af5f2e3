/**
 * Hooks: named callbacks at fixed points of the event pipeline.
 *
 * The pipeline, once per event (see docs/pipeline.md):
 * BeforeEventHandling → (resolve agent) → BeforeAgentRun → agent →
 * [AgentError on failure] → AfterAgentRun → (route to next agent) →
 * AfterEventHandling. Every hook fires exactly once per event at its point,
 * and `AllHooks` callbacks fire at every point after that point's own.
 * @module
 */
import type { AgentResult } from './agent.js';
import { CallbackError, ErrorCodes, HookRejectedError } from './errors.js';
import type { Event } from './event.js';
import type { Logger } from './logger.js';
import { State } from './state.js';

/**
 * The points of the pipeline where callbacks run.
 *
 * @example
 * ```ts
 * runner.registerCallback(HookPoint.BeforeAgentRun, 'monitor', (ctx, args) => {
 *   args.state.setMeta('executing_agent', args.agentId);
 *   return args.state;
 * });
 * ```
 */
export const HookPoint = {
  BeforeEventHandling: 'BeforeEventHandling',
  AfterEventHandling: 'AfterEventHandling',
  BeforeAgentRun: 'BeforeAgentRun',
  AfterAgentRun: 'AfterAgentRun',
  AgentError: 'AgentError',
  AllHooks: 'AllHooks',
} as const;

/**
 * One of the {@link HookPoint} names.
 *
 * @example
 * ```ts
 * const hook: HookPoint = HookPoint.AgentError;
 * ```
 */
export type HookPoint = (typeof HookPoint)[keyof typeof HookPoint];

const POINTS: readonly HookPoint[] = Object.values(HookPoint);

/**
 * The firing hook points as small integers, in pipeline order: what the
 * runner's hot path indexes callback lists with (a string-keyed lookup is a
 * hash probe per point per event).
 *
 * @example
 * ```ts
 * registry.countAt(HookIndex.AfterEventHandling) === registry.count(HookPoint.AfterEventHandling); // true
 * ```
 */
export const HookIndex = {
  BeforeEventHandling: 0,
  BeforeAgentRun: 1,
  AgentError: 2,
  AfterAgentRun: 3,
  AfterEventHandling: 4,
} as const;

/**
 * One of the {@link HookIndex} values.
 *
 * @example
 * ```ts
 * const i: HookIndex = HookIndex.AgentError;
 * ```
 */
export type HookIndex = (typeof HookIndex)[keyof typeof HookIndex];

/** The firing points by index (the inverse of {@link HookIndex}). */
const BY_INDEX: readonly HookPoint[] = [HookPoint.BeforeEventHandling, HookPoint.BeforeAgentRun, HookPoint.AgentError, HookPoint.AfterAgentRun, HookPoint.AfterEventHandling];

function indexOf(hook: HookPoint): number {
  switch (hook) {
    case HookPoint.BeforeEventHandling:
      return 0;
    case HookPoint.BeforeAgentRun:
      return 1;
    case HookPoint.AgentError:
      return 2;
    case HookPoint.AfterAgentRun:
      return 3;
    case HookPoint.AfterEventHandling:
      return 4;
    default:
      return -1;
  }
}

/**
 * What a callback receives about the event at this point.
 *
 * @example
 * ```ts
 * const cb: CallbackFunc = (ctx, args) => {
 *   if (args.error) ctx.logger.warn({ agent: args.agentId, event: args.event.getId() }, 'agent failed');
 *   return undefined; // keep the state as it is
 * };
 * ```
 */
export interface CallbackArgs {
  /** The point being fired (never `AllHooks`). */
  hook: HookPoint;
  event: Event;
  /** The current state; return a State to replace it for the rest of the event. */
  state: State;
  /** The agent concerned, `""` at BeforeEventHandling. */
  agentId: string;
  /** Set at AfterAgentRun, AgentError and AfterEventHandling once an agent ran. */
  agentResult?: AgentResult;
  /** The failure, at AgentError, and at AfterAgentRun/AfterEventHandling when something failed. */
  error?: Error;
}

/**
 * What callbacks get as their first argument.
 *
 * @example
 * ```ts
 * const cb: CallbackFunc = (ctx) => { ctx.logger.info('event seen'); };
 * ```
 */
export interface CallbackContext {
  /** Fires when the event times out or the runner stops. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** Emits another event (as `runner.emit`, with chain metadata inherited). */
  emit(event: Event): void;
}

/**
 * A hook callback. Return a State to replace the state for the rest of the
 * event, or nothing to keep it. Throw to reject the event (at
 * BeforeEventHandling, BeforeAgentRun and AfterAgentRun the event then fails
 * with reason `hook_rejected`; at AgentError and AfterEventHandling the
 * callback's error is recorded and the event's outcome stands).
 *
 * @example
 * ```ts
 * const stamp: CallbackFunc = (ctx, args) => args.state.clone().setMeta('seen_at', new Date().toISOString());
 * ```
 */
export type CallbackFunc = (ctx: CallbackContext, args: CallbackArgs) => State | undefined | void | Promise<State | undefined | void>;

interface Entry {
  readonly name: string;
  readonly fn: CallbackFunc;
}

/**
 * Holds the callbacks per hook point, in registration order.
 * Registration during a callback is safe: it takes effect from the next
 * invocation of that hook.
 *
 * @example
 * ```ts
 * const reg = runner.getCallbackRegistry();
 * reg.register(HookPoint.AfterEventHandling, 'cleanup', () => undefined);
 * reg.list(HookPoint.AfterEventHandling); // ['cleanup']
 * ```
 */
export class CallbackRegistry {
  private readonly own = new Map<HookPoint, Entry[]>();
  /** Per firing point, by {@link HookIndex}: its own callbacks then the AllHooks ones. Rebuilt on change. */
  private readonly effective: (readonly Entry[])[] = [[], [], [], [], []];

  constructor() {
    for (const p of POINTS) this.own.set(p, []);
    this.rebuild();
  }

  /**
   * Adds a callback.
   * @throws {@link CallbackError} on an unknown hook, an empty name, a missing function, or a name already used on this hook
   */
  register(hook: HookPoint, name: string, fn: CallbackFunc): void {
    const list = this.own.get(hook);
    if (!list) throw new CallbackError(ErrorCodes.INVALID_CALLBACK, `unknown hook point "${String(hook)}": expected one of ${POINTS.join(', ')}`, String(hook), name);
    if (typeof name !== 'string' || name.length === 0) throw new CallbackError(ErrorCodes.INVALID_CALLBACK, `a callback on ${hook} needs a non-empty name`, hook, name);
    if (typeof fn !== 'function') throw new CallbackError(ErrorCodes.INVALID_CALLBACK, `callback "${name}" on ${hook} is not a function`, hook, name);
    if (list.some((e) => e.name === name)) throw new CallbackError(ErrorCodes.CALLBACK_EXISTS, `a callback named "${name}" is already registered on ${hook}`, hook, name);
    this.own.set(hook, [...list, { name, fn }]);
    this.rebuild();
  }

  /** Removes a callback; unknown names are ignored. Returns whether one was removed. */
  unregister(hook: HookPoint, name: string): boolean {
    const list = this.own.get(hook);
    if (!list) return false;
    const next = list.filter((e) => e.name !== name);
    if (next.length === list.length) return false;
    this.own.set(hook, next);
    this.rebuild();
    return true;
  }

  /** The callback names registered directly on `hook`, in order. */
  list(hook: HookPoint): string[] {
    return (this.own.get(hook) ?? []).map((e) => e.name);
  }

  /** Whether no callback is registered at any point (lets the runner take its fast path). */
  isEmpty(): boolean {
    return this.empty;
  }

  /** How many callbacks fire at `hook`, counting AllHooks ones. */
  count(hook: HookPoint): number {
    return this.effective[indexOf(hook)]?.length ?? 0;
  }

  /** {@link count} by {@link HookIndex} (the runner's hot path). */
  countAt(i: HookIndex): number {
    return this.effective[i]!.length;
  }

  /**
   * Runs the callbacks of `args.hook` in order, threading the state through.
   * Resolves (synchronously when every callback is synchronous) to the final
   * state.
   * @throws {@link HookRejectedError} when a callback throws; later callbacks do not run
   */
  invoke(ctx: CallbackContext, args: CallbackArgs): State | Promise<State> {
    return this.invokeAt(indexOf(args.hook) as HookIndex, ctx, args);
  }

  /** {@link invoke} by {@link HookIndex}; `args.hook` must be that point (the runner's hot path). */
  invokeAt(i: HookIndex, ctx: CallbackContext, args: CallbackArgs): State | Promise<State> {
    const list = this.effective[i]!;
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      let r: State | undefined | void | Promise<State | undefined | void>;
      try {
        r = e.fn(ctx, args);
      } catch (err) {
        throw new HookRejectedError(args.hook, e.name, args.event.getId(), err);
      }
      if (r instanceof Promise) return this.finishAsync(ctx, args, list, i, r);
      if (r instanceof State) args.state = r;
    }
    return args.state;
  }

  private async finishAsync(
    ctx: CallbackContext,
    args: CallbackArgs,
    list: readonly Entry[],
    at: number,
    pending: Promise<State | undefined | void>,
  ): Promise<State> {
    for (let i = at; i < list.length; i++) {
      const e = list[i]!;
      try {
        const r = i === at ? await pending : await e.fn(ctx, args);
        if (r instanceof State) args.state = r;
      } catch (err) {
        throw new HookRejectedError(args.hook, e.name, args.event.getId(), err);
      }
    }
    return args.state;
  }

  private empty = true;

  private rebuild(): void {
    const all = this.own.get(HookPoint.AllHooks)!;
    this.empty = [...this.own.values()].every((l) => l.length === 0);
    for (let i = 0; i < BY_INDEX.length; i++) this.effective[i] = [...this.own.get(BY_INDEX[i]!)!, ...all];
  }
}
