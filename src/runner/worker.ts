/**
 * A worker: the agent table, the dispatcher (receive → pipeline → settle)
 * and outcome reporting, with no intake API. The in-process runner is
 * intake plus one worker over the memory transport; a distributed worker
 * process is this over a shared transport.
 * @module
 */
import { AgentflowError, TransportError, RunnerNotRunningError, ShutdownError, DeadlineExceededError, TimeoutError, type FailureReason } from '../core/errors.js';
import { Event } from '../core/event.js';
import type { AgentActivity } from '../core/activity.js';
import type { CallbackRegistry } from '../core/hooks.js';
import type { AttemptScope, Instrumentation } from '../core/instrumentation.js';
import type { Logger } from '../core/logger.js';
import { MemoryStepStore, type StepStore } from '../core/steps.js';
import type { Orchestrator } from '../core/orchestrator.js';
import { routeOrchestrator } from '../core/orchestrator.js';
import type { EventStatus } from '../core/outcome.js';
import { InMemoryTraceLogger, toTraceError, type TraceLogger } from '../core/trace.js';
import { isLocalQueue, type Delivery, type LocalQueue, type Settlement, type Transport } from '../transport/types.js';
import type { AgentTable } from './agents.js';
import type { RunnerConfig } from './config.js';
import { reportActivity } from './activity.js';
import { ExpiryClock } from './expiry-clock.js';
import { endAttempt, openAttempt, publishScoped } from './instrument.js';
import type { OutcomeBus } from './outcomes.js';
import { checkEmitted } from './pipeline/admit.js';
import { runPipeline, type PipelineEnv, type Verdict } from './pipeline/index.js';
import { failed, inputStateOf } from './pipeline/results.js';
import { deadRecordOf, lazyOutcome, reportOutcome } from './report.js';
import { Task, traceEntry, untrack, type TaskHost } from './task.js';
import type { WorkerCounters, WorkerOptions } from './worker-types.js';

const MAX_SYNC_DISPATCH = 512;
const ACK: Settlement = { kind: 'ack' };
const FORCE = { force: true } as const;

export type { WorkerCounters, WorkerOptions } from './worker-types.js';

/**
 * Receives deliveries, runs each through the pipeline and settles it with
 * its children; reports outcomes on the bus.
 *
 * @example
 * ```ts
 * const worker = new Worker({ transport, agents, registry, config, logger, bus, trace: null });
 * worker.start();
 * ```
 */
export class Worker implements PipelineEnv, TaskHost {
  readonly config: Readonly<RunnerConfig>;
  readonly agents: AgentTable;
  readonly registry: CallbackRegistry;
  readonly orchestrator: Orchestrator | undefined;
  readonly clock: ExpiryClock<Task>;
  readonly logger: Logger;
  readonly counters: WorkerCounters;
  readonly transport: Transport;
  /** The transport when it is a local queue (its pending count tells whether the worker is idle). */ private readonly local: (Transport & LocalQueue) | undefined;
  readonly instrumentation: Instrumentation | undefined;
  readonly deterministicChildIds: boolean;
  readonly steps: StepStore;
  trace: TraceLogger | null;
  traceFull: TraceLogger | null;
  /** The trace runs no user code per entry (none, or the in-memory ring unfiltered). */ private leanTrace = false;
  /** Called once per received delivery (the runner wakes a `send()` waiting for room). */
  onSpace: (() => void) | undefined;
  state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  inFlight = 0;
  readonly active: Task[] = [];
  readonly cancelled = new Map<string, AgentflowError>();
  private readonly bus: OutcomeBus;
  readonly debug: boolean;
  private pumping = false;
  private receiving = false;
  private kickScheduled = false;
  private idleWaiters: (() => void)[] = [];
  private halted = false; // a stop timed out: nothing new starts

  constructor(o: WorkerOptions) {
    this.config = o.config;
    this.agents = o.agents;
    this.registry = o.registry;
    this.transport = o.transport;
    this.local = isLocalQueue(o.transport) ? o.transport : undefined;
    this.instrumentation = o.config.instrumentation;
    this.deterministicChildIds = !o.transport.capabilities.local;
    this.steps = o.transport.steps ?? new MemoryStepStore();
    this.logger = o.logger;
    this.bus = o.bus;
    this.counters = o.counters ?? { emitted: 0, completed: 0, failed: 0, deadLettered: 0, retried: 0, callbackErrors: 0 };
    this.trace = this.traceFull = null;
    this.setTrace(o.trace);
    const orch = o.config.orchestrator;
    this.orchestrator = orch === undefined || orch === routeOrchestrator() ? undefined : orch;
    this.debug = this.logger.isLevelEnabled('debug');
    this.clock = new ExpiryClock<Task>(
      () => this.active,
      (t) =>
        t.abort(
          t.expiryIsDeadline
            ? new DeadlineExceededError(t.event._id, t.event._meta.deadline ?? new Date(t.expiry).toISOString(), t.agentId || undefined)
            : new TimeoutError(t.agentId, t.event._id, t.expiryTimeoutMs),
        ),
    );
    this.transport.onAvailable?.(() => this.kick());
  }

  running(): boolean {
    return this.state === 'running';
  }
  setTrace(trace: TraceLogger | null): void {
    this.trace = trace;
    this.leanTrace = trace === null || (trace instanceof InMemoryTraceLogger && !trace.filtered);
    this.traceFull = this.config.traceDetail === 'full' ? trace : null;
  }

  start(): void {
    this.state = 'running';
    this.halted = false;
    this.kick();
  }
  // ───────────── dispatch ─────────────
  kick(): void {
    if (this.kickScheduled || this.pumping) return;
    this.kickScheduled = true;
    queueMicrotask(this.pumpBound);
  }

  private readonly pumpBound = (): void => {
    this.kickScheduled = false;
    this.pump();
  };

  private pump(): void {
    if (this.pumping || this.receiving || this.halted) return;
    if (this.state !== 'running' && this.state !== 'stopping') return;
    this.pumping = true;
    let n = 0;
    try {
      const limit = this.config.concurrency;
      const one = this.transport.receiveOne;
      while (this.inFlight < limit) {
        if (one !== undefined) {
          const d = one.call(this.transport);
          if (d === undefined) break;
          this.dispatch(d);
          if (++n >= MAX_SYNC_DISPATCH) {
            setImmediate(() => this.kick());
            break;
          }
          continue;
        }
        const r = this.transport.receive(limit - this.inFlight);
        if (r instanceof Promise) {
          this.receiving = true;
          r.then(
            (ds) => {
              this.receiving = false;
              this.dispatchAll(ds);
              if (ds.length === 0) setTimeout(() => this.kick(), 20).unref();
              else this.kick();
            },
            (err: unknown) => {
              this.receiving = false;
              this.logger.error({ err }, 'transport receive failed; retrying');
              setTimeout(() => this.kick(), 200).unref();
            },
          );
          break;
        }
        if (r.length === 0) break;
        this.dispatchAll(r);
        n += r.length;
        if (n >= MAX_SYNC_DISPATCH) {
          setImmediate(() => this.kick());
          break;
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private dispatchAll(ds: readonly Delivery[]): void {
    for (let i = 0; i < ds.length; i++) this.dispatch(ds[i]!);
  }

  private dispatch(d: Delivery): void {
    if (this.onSpace !== undefined) this.onSpace();
    this.inFlight++;
    const t = new Task(this, d, this.clockHint !== 0 ? this.clockHint : Date.now());
    this.clockHint = 0;
    t.slot = this.active.length;
    this.active.push(t);
    const scope = this.instrumentation === undefined ? undefined : openAttempt(this.instrumentation, t, this.transport.name, this.logger);
    if (scope === undefined) return runPipeline(this, t, this.settleBound);
    t.scope = scope;
    scope.run(() => runPipeline(this, t, this.settleBound));
  }

  // ───────────── settle ─────────────
  private readonly settleBound = (t: Task, v: Verdict): void => this.settle(t, v);
  /** Turns a verdict into a settlement (ack, retry or dead) and, once settled, an outcome. */
  settle(t: Task, v: Verdict): void {
    if (t.finished) return;
    t.finished = true;
    untrack(this.active, t);
    const children = v.children;
    if (v.status === 'completed') return this.commit(t, v, 'completed', undefined, children.length === 0 ? ACK : { kind: 'ack', children });
    let reason: FailureReason = v.reason ?? 'agent_error';
    const retry = this.config.retry;
    if (retry !== undefined && v.final !== true && reason !== 'shutdown' && this.state === 'running') {
      let delay = -1;
      try {
        delay = retry.delayFor(v.error!, t.attempt, t.event, t.agentId);
      } catch (err) {
        this.logger.warn({ err: (err as Error).message }, 'retry policy threw; not retrying');
      }
      if (delay >= 0) return this.commit(t, v, undefined, reason, { kind: 'retry', delayMs: delay, children });
    }
    if (retry !== undefined && t.attempt > 1 && reason !== 'shutdown') reason = 'retries_exhausted';
    if (this.config.deadLetter !== undefined) {
      const record = deadRecordOf(t, v, reason);
      return this.commit(t, v, 'dead_lettered', reason, { kind: 'dead', record, children });
    }
    this.commit(t, v, 'failed', reason, children.length === 0 ? ACK : { kind: 'ack', children });
  }

  /** Settles the delivery with the transport; `status` undefined means a retry (no outcome yet). */
  private commit(t: Task, v: Verdict, status: EventStatus | undefined, reason: FailureReason | undefined, s: Settlement): void {
    if (this.instrumentation?.publish !== undefined && v.children.length !== 0) publishScoped(this.instrumentation, v.children, t.scope, this.logger);
    // A shared transport may announce the final outcome in the same atomic step as the settlement (built once, if asked).
    if (status !== undefined && this.transport.outcomes !== undefined) (s = Object.assign({}, s)).outcome = lazyOutcome(t, v, status, reason); // (not a spread: see cloneObject)
    let r: boolean | Promise<boolean>;
    try {
      r = this.transport.settle(t.delivery, s);
    } catch (err) {
      return this.settleFailed(t, err);
    }
    if (r instanceof Promise) {
      r.then(
        (ok) => ((t.clockAt = 0), ok ? this.settled(t, v, status, reason, s) : this.settleFailed(t, undefined)), // (the clock moved)
        (err: unknown) => this.settleFailed(t, err),
      );
    } else if (r) this.settled(t, v, status, reason, s);
    else this.settleFailed(t, undefined);
  }

  /** The transport could not settle (connection or lease lost, or the delivery went to another consumer): it will come again; no outcome here. */
  private settleFailed(t: Task, err: unknown): void {
    if (err === undefined) this.logger.warn({ eventId: t.event._id }, 'settle refused: the delivery is no longer ours; no outcome recorded here');
    else this.logger.error({ eventId: t.event._id, err }, 'transport settle failed; the event will be delivered again');
    endAttempt(t, { status: 'unsettled', reason: 'transport_error' }, this.logger);
    this.inFlight--;
    this.afterTask();
  }

  /** After the transport accepted the settlement: side effects, children, outcome. Bookkeeping always runs. */
  private settled(t: Task, v: Verdict, status: EventStatus | undefined, reason: FailureReason | undefined, s: Settlement): void {
    try {
      const ev = t.event;
      if (s.kind === 'retry') {
        this.counters.retried++;
        if (this.trace !== null) {
          const e = traceEntry('retry', t, t.agentId);
          e.error = toTraceError(v.error);
          e.reason = reason;
          e.detail = { delayMs: s.delayMs, nextAttempt: t.attempt + 1 };
          this.trace.log(e);
        }
      } else if (s.kind === 'dead') {
        try {
          this.config.deadLetter!.add(s.record);
        } catch (err) {
          status = 'failed';
          this.logger.error({ eventId: ev._id, err: (err as Error).message }, 'dead-letter sink failed; event recorded as failed');
        }
      }
      const children = s.suppressed === undefined ? v.children : v.children.filter((c) => !s.suppressed!.includes(c._id));
      if (children.length !== 0) {
        this.counters.emitted += children.length;
        // A transport that announced the settlement told the other processes already: deliver here only.
        if (this.bus.active) (s.announced === true ? this.bus.deliver : this.bus.publish).call(this.bus, { type: 'published', parentId: ev._id, events: children });
      }
      if (status !== undefined) reportOutcome(this, this.bus, t, v, status, reason, s.outcome, s.announced === true);
      if (t.scope !== undefined) endAttempt(t, { status: status ?? 'retry', reason, errorCode: v.error?.code, errorMessage: v.error?.message, retryDelayMs: s.kind === 'retry' ? s.delayMs : undefined }, this.logger);
    } catch (err) {
      this.logger.error({ eventId: t.event._id, err }, 'trace logger threw while recording an outcome; counters kept');
    } finally {
      this.inFlight--;
      // The runner's last clock reading (the agent's end, or the outcome's) starts the next task dispatched now, if only bookkeeping ran since.
      this.afterTask(status === 'completed' && t.endedAt !== 0 && t.clockAt !== 0 && t.scope === undefined && this.leanTrace && !this.bus.active ? t.clockAt : 0);
    }
  }

  /** A clock reading for the next dispatch of the current pump only (saves a `Date.now()` per event); 0 when none. */ private clockHint = 0;
  private afterTask(now = 0): void {
    if (this.inFlight === 0 && this.isIdle()) this.clock.idle();
    if (this.idleWaiters.length !== 0 && this.isIdle()) {
      const ws = this.idleWaiters;
      this.idleWaiters = [];
      for (const r of ws) r();
    }
    if (this.pumping) return;
    this.clockHint = now;
    this.pump();
    this.clockHint = 0;
  }

  // ───────────── host services ─────────────
  report(t: Task, agentId: string, a: AgentActivity): void {
    reportActivity(this.trace, this.bus, this.logger, t, agentId, a);
  }
  checkEvent(event: Event): void {
    checkEmitted(event, this.config.maxPayloadBytes);
  }

  publishLate(parent: Task, child: Event): void {
    if (this.state !== 'running' && this.state !== 'stopping') throw new RunnerNotRunningError(this.state, child._id);
    this.publish([child], true, parent.scope);
  }

  /** Publishes events (intake or late children), counts them and tells the bus. */
  publish(events: Event[], force: boolean, from?: AttemptScope): void | Promise<void> {
    if (this.instrumentation !== undefined) publishScoped(this.instrumentation, events, from, this.logger);
    const r = this.transport.publish(events, force ? FORCE : undefined);
    if (r instanceof Promise) return r.then(() => this.published(events));
    this.published(events);
  }

  private published(events: Event[]): void {
    this.counters.emitted += events.length;
    if (this.bus.active) this.bus.publish({ type: 'published', parentId: undefined, events });
    this.kick();
  }

  /** An event the transport refused asynchronously: it ends failed with reason `transport_error`. */
  recordUnpublished(event: Event, err: unknown): void {
    this.counters.emitted++;
    const d: Delivery = { event, receipt: event._id, deliveryCount: 1 };
    const t = new Task(this, d);
    t.finished = true;
    const error = err instanceof AgentflowError ? err : new TransportError(this.transport.name, 'publish', err, event._id);
    this.inFlight++;
    this.settled(t, failed(t, 'transport_error', error, inputStateOf(event)), 'failed', 'transport_error', ACK);
  }

  // ───────────── rest, drain and stop ─────────────

  /** Nothing in flight, and (for a local transport) nothing queued, parked or waiting to retry. */
  isIdle(): boolean {
    if (this.inFlight !== 0) return false;
    return this.local === undefined || this.local.pending() === 0;
  }

  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Ends every event still waiting in a local queue with reason `shutdown`. */
  failQueued(): void {
    const t = this.transport;
    if (!isLocalQueue(t)) return;
    for (const d of t.takeAll()) {
      const task = new Task(this, d);
      this.inFlight++;
      task.slot = this.active.length;
      this.active.push(task);
      this.settle(task, failed(task, 'shutdown', new ShutdownError(d.event._id, 'queued'), inputStateOf(d.event)));
    }
  }

  /**
   * A stop timed out: start nothing new, abort and end every running event,
   * then end everything queued (including children the aborted events
   * produced) with reason `shutdown`.
   */
  halt(): void {
    this.halted = true;
    this.abortActive();
    const t = this.transport;
    for (let i = 0; i < 100 && isLocalQueue(t) && t.pending() !== 0; i++) this.failQueued();
  }

  /** Aborts every running event and ends it with reason `shutdown`. */
  abortActive(): void {
    for (const t of this.active.slice()) {
      const err = new ShutdownError(t.event._id, 'running');
      t.abort(err);
      this.settle(t, failed(t, 'shutdown', err, inputStateOf(t.event)));
    }
  }

  stopped(): void {
    this.state = 'stopped';
    this.clock.stop();
  }
}
