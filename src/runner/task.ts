/**
 * The per-delivery context handed to handlers and callbacks.
 * @module
 */
import type { AgentActivity } from '../core/activity.js';
import type { AgentContext } from '../core/agent.js';
import type { AgentflowError } from '../core/errors.js';
import type { Event } from '../core/event.js';
import type { AttemptScope } from '../core/instrumentation.js';
import type { Logger } from '../core/logger.js';
import { childEventId } from '../core/id.js';
import { runOnce, type StepStore } from '../core/steps.js';
import { deriveChild, hopOf } from '../core/meta.js';
import type { TraceEntry } from '../core/trace.js';
import type { Delivery } from '../transport/types.js';

/**
 * A wait on a task that an abort breaks (see {@link Task.addWaiter}).
 *
 * @example
 * ```ts
 * task.addWaiter({ abortWith: (err) => console.log('aborted', err) });
 * ```
 */
export interface AbortWaiter {
  abortWith(err: unknown): void;
}

/**
 * What a task needs from the worker that runs it.
 *
 * @example
 * ```ts
 * const host: TaskHost = { logger, checkEvent: () => undefined, publishLate: () => undefined, deterministicChildIds: false, steps: new MemoryStepStore(), report: () => undefined };
 * ```
 */
export interface TaskHost {
  readonly logger: Logger;
  /** Validates an event a handler emits (type, payload limit); throws a typed error. */
  checkEvent(event: Event): void;
  /** Publishes a child emitted after its parent was settled. */
  publishLate(parent: Task, child: Event): void;
  /** Give children ids derived from the parent's id and their order (transports that redeliver across processes). */
  readonly deterministicChildIds: boolean;
  /** Where `ctx.once` keeps step results. */
  readonly steps: StepStore;
  /** Records and publishes an agent's activity. */
  report(task: Task, agentId: string, activity: AgentActivity): void;
}

/**
 * One delivery being processed. The AbortController and the child logger
 * are created only if someone asks for them. Children emitted while the
 * event runs are collected and published when the delivery is settled.
 *
 * @example
 * ```ts
 * runner.registerAgent('a', (ctx, ev, state) => { ctx.signal.throwIfAborted(); return state });
 * ```
 */
export class Task implements AgentContext {
  // Fields are declared and set in the constructor, not by class-field initializers: V8 ran those as a
  // separate call per task wherever the constructor was not inlined (~2.5% of a hooked event).
  declare readonly event: Event;
  declare readonly delivery: Delivery;
  declare readonly attempt: number;
  declare readonly startedAt: number;
  /** When the event ended, if already known (the fast path); 0 otherwise. */
  declare endedAt: number;
  /** The runner's own clock reading when the agent returned (0 when the agent supplied its times, or the clock moved since). */
  declare clockAt: number;
  declare agentId: string;
  /** Epoch ms when the event must be aborted; 0 for never. */
  declare expiry: number;
  /** What the expiry is: the event's deadline, else a timeout of `expiryTimeoutMs`. */
  declare expiryIsDeadline: boolean;
  declare expiryTimeoutMs: number;
  declare controller: AbortController | undefined;
  /** The first wait an abort breaks (a slot: the common single agent call needs no list and no closure). */
  declare waiter: AbortWaiter | undefined;
  /** Further waits (the agents of one orchestration run at once), in arming order. */
  declare private moreWaiters: AbortWaiter[] | undefined;
  /** Functions an abort calls (`onAbort`), in arming order. */
  declare private rejects: ((err: unknown) => void)[] | undefined;
  /** Set once the task was aborted; later waits fail at once with it. */
  declare aborted: AgentflowError | undefined;
  /** A verdict was reached (settled or being settled). */
  declare finished: boolean;
  /** Index in the worker's active list (swap-remove). */
  declare slot: number;
  /** Children produced by this delivery (route hop, broadcast copies, ctx.emit). */
  declare children: Event[] | undefined;
  /** The instrumentation's scope of this attempt, when one is configured. */
  declare scope: AttemptScope | undefined;
  declare private _logger: Logger | undefined;
  declare private readonly host: TaskHost;

  constructor(host: TaskHost, delivery: Delivery, startedAt = Date.now()) {
    this.host = host;
    this.event = delivery.event;
    this.delivery = delivery;
    this.attempt = delivery.deliveryCount;
    this.startedAt = startedAt;
    this.endedAt = 0;
    this.clockAt = 0;
    this.agentId = '';
    this.expiry = 0;
    this.expiryIsDeadline = false;
    this.expiryTimeoutMs = 0;
    this.controller = undefined;
    this.waiter = undefined;
    this.moreWaiters = undefined;
    this.rejects = undefined;
    this.aborted = undefined;
    this.finished = false;
    this.slot = -1;
    this.children = undefined;
    this.scope = undefined;
    this._logger = undefined;
  }
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted !== undefined) this.controller.abort(this.aborted);
    }
    return this.controller.signal;
  }
  get logger(): Logger {
    if (this._logger === undefined) this._logger = this.host.logger.child({ eventId: this.event._id, agentId: this.agentId || undefined });
    return this._logger;
  }
  get eventId(): string {
    return this.event._id;
  }
  get sessionId(): string {
    return this.event._meta.session_id ?? '';
  }
  get idempotencyKey(): string {
    return this.event._id;
  }
  /** Emits a child event under the child rule, as agent `source`. */
  emitAs(event: Event, source: string): void {
    this.host.checkEvent(event);
    deriveChild(this.event, 'emit', event, source);
    if (this.finished) return this.host.publishLate(this, event);
    this.addChild(event);
  }
  emit(event: Event): void {
    this.emitAs(event, this.agentId);
  }
  once<T>(step: string, fn: () => T | Promise<T>): Promise<T> {
    return this.onceAs(this.agentId, step, fn);
  }
  /** `ctx.once` for agent `agentId` (keys: idempotency key, agent, step). */
  onceAs<T>(agentId: string, step: string, fn: () => T | Promise<T>): Promise<T> {
    return runOnce(this.host.steps, `${this.idempotencyKey}:${agentId}:${step}`, fn);
  }
  report(activity: AgentActivity): void {
    this.host.report(this, this.agentId, activity);
  }
  /** `ctx.report` for agent `agentId`. */
  reportAs(agentId: string, activity: AgentActivity): void {
    this.host.report(this, agentId, activity);
  }
  /** Adds a child made by the runtime (route hop, broadcast copy). */
  addChild(event: Event): void {
    const cs = (this.children ??= []);
    if (this.host.deterministicChildIds) event._id = childEventId(this.event._id, cs.length);
    cs.push(event);
  }
  /** Tells `w` if the task is aborted while it waits; several waits may be armed at once. */
  addWaiter(w: AbortWaiter): void {
    if (this.waiter === undefined) this.waiter = w;
    else (this.moreWaiters ??= []).push(w);
  }
  /**
   * Disarms `w` (its wait ended). Each wait is removed, not left behind: a
   * wait kept by a finished task would keep its whole call (states,
   * continuations) alive, and an old task's leftovers kept young objects
   * from dying in a scavenge (a 10-way fan-out promoted half its garbage).
   */
  removeWaiter(w: AbortWaiter): void {
    if (this.waiter === w) this.waiter = undefined;
    else removeFrom(this.moreWaiters, w);
  }
  /** Calls `fn` if the task is aborted while it waits; several waits may be armed at once. */
  onAbort(fn: (err: unknown) => void): void {
    (this.rejects ??= []).push(fn);
  }
  offAbort(fn: (err: unknown) => void): void {
    removeFrom(this.rejects, fn);
  }
  /** Fires the signal and breaks every armed wait: the slot's, then the others in arming order, then the functions. */
  abort(err: AgentflowError): void {
    if (this.aborted === undefined) this.aborted = err;
    if (this.controller !== undefined && !this.controller.signal.aborted) this.controller.abort(err);
    const w = this.waiter;
    const ws = this.moreWaiters;
    const rs = this.rejects;
    this.waiter = this.moreWaiters = this.rejects = undefined;
    if (w !== undefined) w.abortWith(err);
    if (ws !== undefined) for (const x of ws) x.abortWith(err);
    if (rs !== undefined) for (const r of rs) r(err);
  }
}

/** Removes the last occurrence of `x` from `list`, keeping the order of the rest. */
function removeFrom<T>(list: T[] | undefined, x: T): void {
  if (list === undefined) return;
  const i = list.lastIndexOf(x);
  if (i >= 0) list.splice(i, 1);
}

/**
 * A context for one agent inside a multi-agent orchestration: the task's
 * signal, logger and attempt, under that agent's id.
 *
 * @example
 * ```ts
 * const ctx = new AgentScopedContext(task, 'summarizer');
 * ```
 */
export class AgentScopedContext implements AgentContext {
  constructor(
    private readonly task: Task,
    readonly agentId: string,
  ) {}
  get signal(): AbortSignal {
    return this.task.signal;
  }
  get logger(): Logger {
    return this.task.logger;
  }
  get eventId(): string {
    return this.task.eventId;
  }
  get sessionId(): string {
    return this.task.sessionId;
  }
  get attempt(): number {
    return this.task.attempt;
  }
  get idempotencyKey(): string {
    return this.task.eventId;
  }
  emit(event: Event): void {
    this.task.emitAs(event, this.agentId);
  }
  once<T>(step: string, fn: () => T | Promise<T>): Promise<T> {
    return this.task.onceAs(this.agentId, step, fn);
  }
  report(activity: AgentActivity): void {
    this.task.reportAs(this.agentId, activity);
  }
}

/**
 * A trace entry for a task (built only when a trace logger is set).
 *
 * @example
 * ```ts
 * trace.log(traceEntry('agent_start', task, 'analyzer'));
 * ```
 */
export function traceEntry(type: TraceEntry['type'], t: Task, agentId: string): TraceEntry {
  const ev = t.event;
  const m = ev._meta;
  const e: TraceEntry = {
    timestamp: Date.now(),
    type,
    eventId: ev._id,
    sessionId: m.session_id ?? '',
    agentId,
    targetAgentId: m.route || ev._target,
    hopCount: m.hop_count === undefined ? 0 : hopOf(m),
    attempt: t.attempt,
  };
  if (m.parent_event !== undefined) e.parentEventId = m.parent_event;
  if (ev._source !== '') e.sourceAgentId = ev._source;
  return e;
}

/**
 * Removes `t` from a worker's active list in O(1) (swap with the last).
 *
 * @example
 * ```ts
 * untrack(worker.active, task);
 * ```
 */
export function untrack(active: Task[], t: Task): void {
  const i = t.slot;
  if (i < 0) return;
  const last = active.pop()!;
  if (last !== t) {
    active[i] = last;
    last.slot = i;
  }
  t.slot = -1;
}
