/**
 * The Runner: queues events, dispatches them to agents through the hook
 * pipeline, chains agents by `route`, and records every outcome.
 * @module
 */
import { isAgent, type Agent, type AgentHandler, type AgentResult, type AgentResultInit } from '../core/agent.js';
import {
  AgentDisabledError,
  AgentExistsError,
  AgentFailedError,
  AgentflowError,
  AgentLifecycleError,
  AgentNotFoundError,
  DeadlineExceededError,
  EventFailedError,
  HookRejectedError,
  HopLimitExceededError,
  InvalidAgentError,
  InvalidAgentResultError,
  InvalidDurationError,
  InvalidEventDataError,
  PayloadTooLargeError,
  QueueFullError,
  RunnerNotRunningError,
  RunnerStateError,
  ShutdownError,
  TimeoutError,
  type FailureReason,
} from '../core/errors.js';
import { Event, type Metadata } from '../core/event.js';
import { parseDuration } from '../core/duration.js';
import { CallbackRegistry, HookPoint, type CallbackArgs, type CallbackFunc } from '../core/hooks.js';
import { cloneRecord } from '../core/json.js';
import { createLogger, type Logger } from '../core/logger.js';
import type { AgentRun, DispatchContext, OrchestrationResult, Orchestrator } from '../core/orchestrator.js';
import { State } from '../core/state.js';
import { InMemoryTraceLogger, toTraceError, type TraceEntry, type TraceLogger } from '../core/trace.js';
import { InMemoryTransport } from '../transport/memory.js';
import type { Transport } from '../transport/types.js';
import { defaultRunnerConfig, validateRunnerConfig, type AgentInvoke, type RunnerConfig } from './config.js';
import type { EventOutcome, EventStatus, RunResult, RunnerStats } from './types.js';
import { uuidv4 } from '../core/id.js';

/**
 * Lifecycle states of a runner: `idle` → `starting` → `running` →
 * `stopping` → `stopped` (and `start()` again from `stopped`).
 *
 * @example
 * ```ts
 * if (runner.getStatus() !== 'running') await runner.start();
 * ```
 */
export type RunnerStatus = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

interface AgentEntry {
  readonly name: string;
  readonly agent: Agent | undefined;
  readonly raw: AgentHandler | Agent;
  invoke: AgentInvoke;
  ready: Promise<void> | undefined;
  initialized: boolean;
}

const MAX_SYNC_DISPATCH = 512;
const ROUTE = 'route';
/** Metadata keys the runner recomputes on every chained event. */
const NOT_INHERITED = new Set(['route', 'broadcast', 'broadcast_targets', 'attempt']);

/**
 * Per-event context handed to handlers and callbacks. One per event; the
 * AbortController and child logger are created only if someone asks.
 * @internal
 */
class Task {
  readonly runner: Runner;
  readonly event: Event;
  agentId = '';
  attempt: number;
  readonly startedAt: number;
  /** Epoch ms when the event must be aborted; 0 for never. */
  expiry = 0;
  /** What the expiry is: the event's deadline, else a timeout of `expiryTimeoutMs` (errors are built only if it fires). */
  expiryIsDeadline = false;
  expiryTimeoutMs = 0;
  controller: AbortController | undefined;
  raceReject: ((err: unknown) => void) | undefined;
  /** Set once the task was aborted; later waits fail at once with it. */
  aborted: AgentflowError | undefined;
  /** Fast path: the agent's outcome has been taken (handler settled or expiry fired). */
  settled = false;
  finished = false;
  /** Index in runner.active (swap-remove). */
  slot = -1;
  emittedIds: string[] | undefined;
  private _logger: Logger | undefined;

  constructor(runner: Runner, event: Event, attempt: number) {
    this.runner = runner;
    this.event = event;
    this.attempt = attempt;
    this.startedAt = Date.now();
  }
  get signal(): AbortSignal {
    if (this.controller === undefined) this.controller = new AbortController();
    return this.controller.signal;
  }
  get logger(): Logger {
    if (this._logger === undefined) this._logger = this.runner.logger.child({ eventId: this.event._id, agentId: this.agentId || undefined });
    return this._logger;
  }
  get eventId(): string {
    return this.event._id;
  }
  get sessionId(): string {
    return this.event._meta.session_id ?? '';
  }
  emit(event: Event): void {
    this.runner._emitFrom(this, event);
  }
  /** Fires the signal and breaks the wait on the handler. */
  abort(err: AgentflowError): void {
    if (this.aborted === undefined) this.aborted = err;
    if (this.controller !== undefined && !this.controller.signal.aborted) this.controller.abort(err);
    const r = this.raceReject;
    if (r !== undefined) {
      this.raceReject = undefined;
      r(err);
    }
  }
}

/** A context for one agent inside a multi-agent orchestration. */
class AgentScopedContext {
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
  emit(event: Event): void {
    this.task.emit(event);
  }
}

/**
 * One timer for all in-flight deadlines, instead of one per event. The timer
 * is armed for the earliest expiry and re-armed only when a sooner one
 * arrives, so steady traffic with a fixed timeout costs no timer operations.
 * While nothing is in flight the timer is unref'd (it must not keep the
 * process alive) rather than cleared.
 */
class ExpiryClock {
  private timer: NodeJS.Timeout | undefined;
  private armedAt = Infinity;
  private refed = false;
  constructor(
    private readonly tasks: () => readonly Task[],
    private readonly onExpire: (t: Task) => void,
  ) {}
  watch(t: Task): void {
    if (t.expiry < this.armedAt) this.arm(t.expiry);
    else if (!this.refed) {
      this.timer!.ref();
      this.refed = true;
    }
  }
  /** Nothing in flight: let the process exit if it wants to. */
  idle(): void {
    if (this.refed) {
      this.timer!.unref();
      this.refed = false;
    }
  }
  /** Stops the timer for good (runner stopped). */
  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedAt = Infinity;
    this.refed = false;
  }
  /** Whether a timer is pending and keeping the process alive (for leak checks). */
  isActive(): boolean {
    return this.refed;
  }
  private arm(at: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.armedAt = at;
    this.timer = setTimeout(this.fire, Math.max(0, at - Date.now()));
    this.refed = true;
  }
  private readonly fire = (): void => {
    this.timer = undefined;
    this.refed = false;
    this.armedAt = Infinity;
    const now = Date.now();
    let next = Infinity;
    for (const t of this.tasks().slice()) {
      if (t.expiry === 0 || t.finished) continue;
      if (t.expiry <= now) this.onExpire(t);
      else if (t.expiry < next) next = t.expiry;
    }
    if (next !== Infinity) this.arm(next);
  };
}

interface ChainWaiter {
  pending: number;
  outcomes: EventOutcome[];
  last: EventOutcome | undefined;
  failure: EventOutcome | undefined;
  resolve: (r: RunResult) => void;
  reject: (e: unknown) => void;
}

interface SessionWaiter {
  pending: number;
  resolvers: (() => void)[];
}

/**
 * The event-processing engine.
 *
 * Pipeline per event (each hook fires once):
 * 1. deadline and hop-limit checks (fail with `deadline_exceeded` / `hop_limit_exceeded`);
 * 2. the input state is built from the event's data and metadata (minus `route`);
 * 3. `BeforeEventHandling` (agent id `""`): may replace the state, change the event's metadata or target, or throw to reject;
 * 4. the target is resolved: metadata `route`, else the target agent id; a `broadcast` event is copied to each of its targets instead;
 * 5. the orchestrator runs the agent(s): `BeforeAgentRun` → agent → `AgentError` on failure → `AfterAgentRun`;
 * 6. if the output state's meta has `route`, the next event is queued (same session, `parent_event`, `chain_id`, `hop_count`+1);
 * 7. `AfterEventHandling`; then the outcome is recorded (completed, failed or dead-lettered), or a retry is scheduled.
 *
 * @example
 * ```ts
 * const runner = createRunner();
 * runner.registerAgent('greeter', agentHandlerFunc((ctx, ev, state) => state.clone().set('greeting', `hi ${ev.getData().name}`)));
 * await runner.start();
 * const { state } = await runner.run(newEvent('greeter', { name: 'Ada' }));
 * console.log(state.get('greeting')); // 'hi Ada'
 * await runner.stop();
 * ```
 */
export class Runner {
  readonly config: Readonly<RunnerConfig>;
  /** The runner's logger (pino-compatible). */
  readonly logger: Logger;
  private status: RunnerStatus = 'idle';
  private readonly transport: Transport;
  private readonly registry = new CallbackRegistry();
  private readonly agents = new Map<string, AgentEntry>();
  private trace: TraceLogger | null;
  /** The trace logger when traceDetail is `full`, else null. */
  private traceFull: TraceLogger | null;
  private readonly orchestrator: Orchestrator | undefined;
  private readonly debug: boolean;

  private inFlight = 0;
  private readonly active: Task[] = [];
  private readonly clock: ExpiryClock;
  private pumping = false;
  private kickScheduled = false;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly retryEvents = new Map<NodeJS.Timeout, Event>();
  private readonly parked = new Map<string, Event[]>();
  /** With sessionOrdering: retried events waiting to run again, still holding their session's turn. */
  private readonly retrying = new Set<Event>();
  private parkedCount = 0;

  private readonly counters = { emitted: 0, completed: 0, failed: 0, deadLettered: 0, retried: 0, callbackErrors: 0 };
  private readonly outcomeListeners: ((o: EventOutcome) => void)[] = [];
  private readonly chainWaiters = new Map<string, ChainWaiter>();
  private readonly sessionWaiters = new Map<string, SessionWaiter>();
  private drainWaiters: (() => void)[] = [];
  private readonly spaceWaiters: (() => void)[] = [];
  private stopping: Promise<void> | undefined;

  constructor(config: Partial<RunnerConfig> = {}) {
    const c: RunnerConfig = { ...defaultRunnerConfig(), ...stripUndefined(config) };
    validateRunnerConfig(c);
    this.config = c;
    this.logger = c.logger ?? createLogger();
    this.debug = this.logger.isLevelEnabled('debug');
    this.transport = c.transport ?? new InMemoryTransport({ capacity: c.queueSize });
    this.transport.onAvailable?.(() => this.kick());
    this.trace = c.traceLogger === undefined ? new InMemoryTraceLogger() : c.traceLogger;
    this.traceFull = c.traceDetail === 'full' ? this.trace : null;
    this.orchestrator = c.orchestrator && c.orchestrator.mode !== 'route' ? c.orchestrator : undefined;
    this.clock = new ExpiryClock(
      () => this.active,
      (t) =>
        t.abort(
          t.expiryIsDeadline
            ? new DeadlineExceededError(t.event._id, t.event._meta.deadline ?? new Date(t.expiry).toISOString(), t.agentId || undefined)
            : new TimeoutError(t.agentId, t.event._id, t.expiryTimeoutMs),
        ),
    );
  }

  // ───────────────────────────── agents and callbacks ─────────────────────────────

  /**
   * Registers an agent under `name`: a handler (`{ run(ctx, event, state) }`,
   * see `agentHandlerFunc`), a bare function, or a full {@link Agent} (has
   * `handleEvent`). A full agent's `initialize` runs on `start()` (at once if
   * the runner is already running) and `shutdown` on `stop()`.
   * @throws {@link AgentExistsError}, {@link InvalidAgentError}
   */
  registerAgent(name: string, handler: AgentHandler | Agent | AgentHandler['run']): void {
    if (typeof name !== 'string' || name.length === 0) throw new InvalidAgentError('an agent needs a non-empty name');
    if (this.agents.has(name)) throw new AgentExistsError(name);
    let raw: AgentHandler | Agent;
    if (typeof handler === 'function') raw = { run: handler };
    else raw = handler;
    let base: AgentInvoke;
    let agent: Agent | undefined;
    if (isAgent(raw)) {
      agent = raw;
      const a = raw;
      base = (ctx, ev, st) => a.handleEvent(ctx, ev, st);
    } else if (raw !== null && typeof raw === 'object' && typeof (raw as AgentHandler).run === 'function') {
      const h = raw as AgentHandler;
      base = (ctx, ev, st) => h.run(ctx, ev, st);
    } else {
      throw new InvalidAgentError(`agent "${name}" must be a function, an object with run(ctx, event, state), or an Agent with handleEvent(ctx, event, state)`, name);
    }
    let invoke = base;
    const mw = this.config.middleware ?? [];
    for (let i = mw.length - 1; i >= 0; i--) invoke = mw[i]!(name, invoke);
    const entry: AgentEntry = { name, agent, raw, invoke, ready: undefined, initialized: false };
    this.agents.set(name, entry);
    if (this.status === 'running' && agent?.initialize) {
      entry.ready = this.initAgent(entry).then(
        () => {
          entry.ready = undefined;
        },
        (err) => {
          this.logger.error({ err, agentId: name }, 'agent initialize failed');
          throw err;
        },
      );
      entry.ready.catch(() => undefined);
    }
  }

  /** Removes an agent. Returns whether one was registered. Its `shutdown` is not called. */
  unregisterAgent(name: string): boolean {
    return this.agents.delete(name);
  }

  /** Registered agent names, in registration order. */
  agentNames(): string[] {
    return [...this.agents.keys()];
  }

  /** The object registered under `name`. */
  getAgent(name: string): AgentHandler | Agent | undefined {
    return this.agents.get(name)?.raw;
  }

  /**
   * Adds a named callback at a hook point (see {@link HookPoint}).
   * @throws {@link CallbackError} on a duplicate name on the same hook, an empty name or a missing function
   */
  registerCallback(hook: HookPoint, name: string, fn: CallbackFunc): void {
    this.registry.register(hook, name, fn);
  }

  /** Removes a named callback; unknown names are ignored. */
  unregisterCallback(hook: HookPoint, name: string): void {
    this.registry.unregister(hook, name);
  }

  /** The callback registry (for `registerTraceHooks` and plugins). */
  getCallbackRegistry(): CallbackRegistry {
    return this.registry;
  }

  /** The trace logger (`null` when tracing is off). */
  getTraceLogger(): TraceLogger | null {
    return this.trace;
  }

  /** Replaces the trace logger; `null` turns tracing off. */
  setTraceLogger(logger: TraceLogger | null): void {
    this.trace = logger;
    this.traceFull = this.config.traceDetail === 'full' ? logger : null;
  }

  /** One session's trace entries, oldest first (`[]` when unknown or tracing is off). */
  dumpTrace(sessionId: string): TraceEntry[] {
    return this.trace ? this.trace.getTrace(sessionId) : [];
  }

  /**
   * Subscribes to final outcomes (after the last attempt). Returns an
   * unsubscribe function.
   */
  onOutcome(fn: (o: EventOutcome) => void): () => void {
    this.outcomeListeners.push(fn);
    return () => {
      const i = this.outcomeListeners.indexOf(fn);
      if (i >= 0) this.outcomeListeners.splice(i, 1);
    };
  }

  // ───────────────────────────── lifecycle ─────────────────────────────

  /** The lifecycle state. */
  getStatus(): RunnerStatus {
    return this.status;
  }

  /**
   * Initializes full agents (in registration order) and starts dispatching.
   * If an agent fails to initialize, the ones already initialized are shut
   * down and the error is thrown.
   * @throws {@link RunnerStateError} when already running, {@link AgentLifecycleError}
   */
  async start(): Promise<void> {
    if (this.status === 'running' || this.status === 'starting') throw new RunnerStateError(`runner is already ${this.status}`);
    if (this.status === 'stopping') throw new RunnerStateError('runner is stopping; await stop() before starting again');
    this.status = 'starting';
    const done: AgentEntry[] = [];
    try {
      for (const e of this.agents.values()) {
        if (e.agent?.initialize && !e.initialized) {
          await this.initAgent(e);
          done.push(e);
        }
      }
    } catch (err) {
      for (const e of done.reverse()) await this.shutdownAgent(e).catch(() => undefined);
      this.status = 'idle';
      throw err;
    }
    this.stopping = undefined;
    this.status = 'running';
    this.logger.debug({ agents: this.agents.size }, 'runner started');
    this.kick();
  }

  /**
   * Stops gracefully: refuses new `emit`s, lets queued and in-flight work
   * (including chained hops) finish for up to `timeoutMs`, then aborts what
   * is left; every event still queued or running then ends with reason
   * `shutdown` (dead-lettered when a dead-letter sink is set). Finally full
   * agents are shut down. Calling it again returns the same promise.
   *
   * @param options.timeoutMs - grace period (default `stopTimeoutMs`, 30 s)
   * @param options.drain - `false` to fail queued events at once instead of running them
   */
  stop(options: { timeoutMs?: number; drain?: boolean } = {}): Promise<void> {
    if (this.stopping) return this.stopping;
    if (this.status !== 'running') return Promise.resolve();
    this.stopping = this.doStop(options.timeoutMs ?? this.config.stopTimeoutMs, options.drain ?? true);
    return this.stopping;
  }

  private async doStop(timeoutMs: number, drain: boolean): Promise<void> {
    this.status = 'stopping';
    if (!drain) this.failQueued();
    if (!this.isIdle()) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        this.drain().then(() => false),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(true), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        this.logger.warn({ inFlight: this.inFlight, queued: this.queuedCount() }, 'stop timed out; aborting remaining work');
        this.failQueued();
        for (const t of this.active.slice()) {
          const err = new ShutdownError(t.event._id, 'running');
          t.abort(err);
          this.finish(t, 'failed', 'shutdown', err, this.inputStateOf(t), undefined);
        }
      }
    }
    this.status = 'stopped';
    this.clock.stop();
    const errors: unknown[] = [];
    for (const e of [...this.agents.values()].reverse()) {
      if (e.initialized) await this.shutdownAgent(e).catch((err) => errors.push(err));
    }
    this.logger.debug({ ...this.stats() }, 'runner stopped');
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} agents failed to shut down`);
  }

  private failQueued(): void {
    const queued = this.transport.takeAll();
    for (const list of this.parked.values()) queued.push(...list);
    this.parked.clear();
    this.parkedCount = 0;
    for (const [timer, ev] of this.retryEvents) {
      clearTimeout(timer);
      queued.push(ev);
    }
    this.retryEvents.clear();
    this.retryTimers.clear();
    this.retrying.clear();
    for (const ev of queued) {
      const t = new Task(this, ev, attemptOf(ev));
      this.inFlight++;
      this.track(t);
      this.finish(t, 'failed', 'shutdown', new ShutdownError(ev._id, 'queued'), this.inputStateOf(t), undefined);
    }
  }

  private async initAgent(e: AgentEntry): Promise<void> {
    try {
      await e.agent!.initialize!({ signal: new AbortController().signal, logger: this.logger.child({ agentId: e.name }) });
      e.initialized = true;
    } catch (err) {
      throw new AgentLifecycleError('initialize', e.name, err);
    }
  }

  private async shutdownAgent(e: AgentEntry): Promise<void> {
    e.initialized = false;
    if (!e.agent?.shutdown) return;
    try {
      await e.agent.shutdown({ signal: AbortSignal.timeout(this.config.stopTimeoutMs || 30_000), logger: this.logger.child({ agentId: e.name }) });
    } catch (err) {
      throw new AgentLifecycleError('shutdown', e.name, err);
    }
  }

  // ───────────────────────────── intake ─────────────────────────────

  /**
   * Queues an event and returns at once. An event without `session_id`
   * metadata gets its own id as session id.
   * @throws {@link RunnerNotRunningError}, {@link QueueFullError}, {@link PayloadTooLargeError}
   */
  emit(event: Event): void {
    if (this.status !== 'running') throw new RunnerNotRunningError(this.status, event instanceof Event ? event._id : undefined);
    this.accept(event, false);
  }

  /**
   * Like {@link Runner.emit} but waits for room when the queue is full, up to
   * `timeoutMs` (default 30 s), then throws {@link QueueFullError}.
   */
  async send(event: Event, options: { timeoutMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    for (;;) {
      try {
        this.emit(event);
        return;
      } catch (err) {
        if (!(err instanceof QueueFullError)) throw err;
        const left = deadline - Date.now();
        if (left <= 0) throw err;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, left);
          function done(): void {
            clearTimeout(timer);
            resolve();
          }
          this.spaceWaiters.push(done);
        });
      }
    }
  }

  /**
   * Emits `event` and resolves when the chain it starts has finished (every
   * hop, broadcast copy and retry), with the final state. Rejects with
   * {@link EventFailedError} if any event of the chain failed.
   */
  run(event: Event): Promise<RunResult> {
    if (this.status !== 'running') return Promise.reject(new RunnerNotRunningError(this.status, event instanceof Event ? event._id : undefined));
    return new Promise<RunResult>((resolve, reject) => {
      const chainId = event._meta.chain_id ?? event._id;
      const w: ChainWaiter = { pending: 1, outcomes: [], last: undefined, failure: undefined, resolve, reject };
      this.chainWaiters.set(chainId, w);
      try {
        this.accept(event, false);
      } catch (err) {
        this.chainWaiters.delete(chainId);
        reject(err);
      }
    });
  }

  /** Resolves when nothing is queued, in flight or waiting to retry. */
  drain(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((r) => this.drainWaiters.push(r));
  }

  /** Resolves when the session has no event queued, in flight or waiting to retry. */
  waitForSession(sessionId: string): Promise<void> {
    let pending = 0;
    const count = (ev: Event): void => {
      if (ev._meta.session_id === sessionId) pending++;
    };
    this.transport.forEach(count);
    for (const list of this.parked.values()) list.forEach(count);
    for (const ev of this.retryEvents.values()) count(ev);
    for (const t of this.active) count(t.event);
    if (pending === 0) return Promise.resolve();
    return new Promise((resolve) => {
      let w = this.sessionWaiters.get(sessionId);
      if (!w) {
        w = { pending, resolvers: [] };
        this.sessionWaiters.set(sessionId, w);
      }
      w.resolvers.push(resolve);
    });
  }

  /** Counters; see {@link RunnerStats}. */
  stats(): RunnerStats {
    return {
      ...this.counters,
      inFlight: this.inFlight,
      queued: this.queuedCount(),
      retryPending: this.retryEvents.size,
    };
  }

  private queuedCount(): number {
    return this.transport.size() + this.parkedCount;
  }

  private isIdle(): boolean {
    return this.inFlight === 0 && this.transport.size() === 0 && this.parkedCount === 0 && this.retryEvents.size === 0;
  }

  /** Validates, stamps the session, queues. `force` skips the capacity check (runner-made events). */
  private accept(event: Event, force: boolean): void {
    if (!(event instanceof Event)) throw new InvalidEventDataError('event', 'emit() needs an Event created with newEvent()');
    const meta = event._meta;
    if (meta.session_id === undefined || meta.session_id === '') meta.session_id = event._id;
    const limit = this.config.maxPayloadBytes;
    if (limit > 0) {
      const bytes = Buffer.byteLength(JSON.stringify(event._data)) + Buffer.byteLength(JSON.stringify(meta));
      if (bytes > limit) throw new PayloadTooLargeError(event._id, bytes, limit);
    }
    if (!this.transport.offer(event, force)) throw new QueueFullError(this.transport.capacity, event._id);
    this.counters.emitted++;
    if (this.sessionWaiters.size !== 0) {
      const w = this.sessionWaiters.get(meta.session_id!);
      if (w) w.pending++;
    }
    this.kick();
  }

  /** @internal Emit from inside a handler or callback: inherits chain metadata. */
  _emitFrom(task: Task, child: Event): void {
    if (this.status !== 'running' && this.status !== 'stopping') throw new RunnerNotRunningError(this.status, child._id);
    this.linkChild(task, child, task.agentId);
    this.accept(child, true);
    this.countChild(task, child);
  }

  /** Sets the chain metadata a child event inherits from its parent's task. */
  private linkChild(task: Task, child: Event, source: string): void {
    const pm = task.event._meta;
    const cm = child._meta;
    if (cm.session_id === undefined) cm.session_id = pm.session_id!;
    cm.parent_event = task.event._id;
    cm.chain_id = pm.chain_id ?? task.event._id;
    cm.hop_count = String(hopOf(pm) + 1);
    if (pm.deadline !== undefined && cm.deadline === undefined) cm.deadline = pm.deadline;
    if (pm.timeout !== undefined && cm.timeout === undefined) cm.timeout = pm.timeout;
    if (child._source === '') child._source = source;
  }

  private countChild(task: Task, child: Event): void {
    (task.emittedIds ??= []).push(child._id);
    if (this.chainWaiters.size !== 0) {
      const w = this.chainWaiters.get(child._meta.chain_id!);
      if (w) w.pending++;
    }
  }

  // ───────────────────────────── dispatch loop ─────────────────────────────

  private kick(): void {
    if (this.kickScheduled || this.pumping) return;
    this.kickScheduled = true;
    queueMicrotask(this.pumpBound);
  }

  private readonly pumpBound = (): void => {
    this.kickScheduled = false;
    this.pump();
  };

  private pump(): void {
    if (this.pumping) return;
    if (this.status !== 'running' && this.status !== 'stopping') return;
    this.pumping = true;
    let n = 0;
    try {
      const limit = this.config.concurrency;
      while (this.inFlight < limit) {
        const ev = this.transport.poll();
        if (ev === undefined) break;
        if (this.spaceWaiters.length !== 0) this.spaceWaiters.shift()!();
        // A retry keeps its session's turn: it is not parked behind later events.
        if (this.config.sessionOrdering && !this.retrying.delete(ev) && this.park(ev)) continue;
        this.inFlight++;
        void this.process(new Task(this, ev, attemptOf(ev)));
        if (++n >= MAX_SYNC_DISPATCH) {
          // Yield to I/O; continue on the next macrotask.
          setImmediate(() => this.kick());
          break;
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Session ordering: holds an event back while its session has one in flight. */
  private park(ev: Event): boolean {
    const s = ev._meta.session_id!;
    const q = this.parked.get(s);
    if (q !== undefined) {
      q.push(ev);
      this.parkedCount++;
      return true;
    }
    this.parked.set(s, []);
    return false;
  }

  private unpark(ev: Event): Event | undefined {
    const s = ev._meta.session_id!;
    const q = this.parked.get(s);
    if (q === undefined) return undefined;
    const next = q.shift();
    if (next === undefined) this.parked.delete(s);
    else this.parkedCount--;
    return next;
  }

  private track(t: Task): void {
    t.slot = this.active.length;
    this.active.push(t);
  }

  private untrack(t: Task): void {
    const i = t.slot;
    if (i < 0) return;
    const last = this.active.pop()!;
    if (last !== t) {
      this.active[i] = last;
      last.slot = i;
    }
    t.slot = -1;
  }

  private inputStateOf(t: Task): State {
    try {
      return State._adopt(cloneRecord(t.event._data, 'data', t.event._id), inputMeta(t.event._meta));
    } catch {
      return new State();
    }
  }

  /**
   * The per-event pipeline. Every path ends in finish() or a scheduled retry;
   * anything unexpected still ends the event with a recorded failure.
   *
   * Runners with no callbacks, no orchestrator and a plain target agent take
   * a fast path with no async frames: the handler's promise continues
   * straight into {@link Runner.agentSettled}, and an expiry calls the same
   * continuation (no race promise). Everything else goes through
   * {@link Runner.processHooked}.
   */
  private process(t: Task): void {
    this.track(t);
    try {
      const ev = t.event;
      const meta = ev._meta;
      const traceFull = this.traceFull;
      if (traceFull !== null) traceFull.log(this.entry('event_start', t, ''));

      // 1. Limits that apply before anything runs.
      const hops = meta.hop_count === undefined ? 0 : hopOf(meta);
      if (hops > this.config.maxHops) {
        return this.finish(t, 'failed', 'hop_limit_exceeded', new HopLimitExceededError(ev._id, hops, this.config.maxHops, meta.route ?? ev._target), this.inputStateOf(t), undefined);
      }
      let timeoutMs = this.config.timeoutMs;
      if (meta.timeout !== undefined || meta.deadline !== undefined) {
        try {
          if (meta.timeout !== undefined) timeoutMs = parseDuration(meta.timeout, `metadata "timeout" of event ${ev._id}`);
          if (meta.deadline !== undefined) {
            const d = Date.parse(meta.deadline);
            if (Number.isNaN(d)) throw new InvalidDurationError(meta.deadline, `metadata "deadline" of event ${ev._id} (expected RFC 3339)`);
            if (d <= Date.now()) {
              return this.finish(t, 'failed', 'deadline_exceeded', new DeadlineExceededError(ev._id, meta.deadline), this.inputStateOf(t), undefined);
            }
            t.expiry = d;
            t.expiryIsDeadline = true;
          }
        } catch (err) {
          return this.finish(t, 'failed', 'invalid_event', err as AgentflowError, this.inputStateOf(t), undefined);
        }
      }
      if (timeoutMs > 0) {
        const at = t.startedAt + timeoutMs;
        if (t.expiry === 0 || at < t.expiry) {
          t.expiry = at;
          t.expiryIsDeadline = false;
          t.expiryTimeoutMs = timeoutMs;
        }
      }
      if (t.expiry !== 0) this.clock.watch(t);

      // 2. Input state.
      let state: State;
      try {
        state = State._adopt(cloneRecord(ev._data, 'data', ev._id), inputMeta(meta));
      } catch (err) {
        return this.finish(t, 'failed', 'invalid_event', err as AgentflowError, new State(), undefined);
      }

      // Fast path: no callbacks, route mode, a ready and enabled agent.
      if (this.orchestrator === undefined && this.registry.isEmpty() && meta.broadcast !== 'true') {
        const target = meta.route || ev._target;
        const entry = this.agents.get(target);
        if (entry !== undefined && entry.ready === undefined && entry.agent?.enabled !== false) {
          t.agentId = target;
          if (this.traceFull !== null) this.traceFull.log(this.entry('agent_start', t, target));
          this.applyAgentTimeout(t, entry);
          const started = t.startedAt;
          let r: ReturnType<AgentInvoke>;
          try {
            r = entry.invoke(t, ev, state);
          } catch (err) {
            return this.agentSettled(t, state, undefined, thrownValue(err), started);
          }
          if (!(r instanceof Promise)) return this.agentSettled(t, state, r, undefined, started);
          if (t.expiry !== 0 || this.status !== 'running') t.raceReject = (err) => this.agentSettled(t, state, undefined, err, started);
          r.then(
            (v) => this.agentSettled(t, state, v, undefined, started),
            (e) => this.agentSettled(t, state, undefined, thrownValue(e), started),
          );
          return;
        }
      }
      void this.processHooked(t, state);
    } catch (err) {
      this.internalError(t, err);
    }
  }

  /** The fast path's continuation: the handler settled, timed out or was aborted (whichever came first). */
  private agentSettled(t: Task, state: State, value: unknown, err: unknown, started: number): void {
    if (t.settled || t.finished) return;
    t.settled = true;
    t.raceReject = undefined;
    try {
      const run = this.settleRun(t, t.agentId, state, value, err, started, this.traceFull);
      const result: OrchestrationResult = { agentId: t.agentId, state: run.state, agentResult: run.result, error: run.error, reason: run.reason };
      this.routeNext(t, result);
      this.conclude(t, result, result.state);
    } catch (e) {
      this.internalError(t, e);
    }
  }

  private internalError(t: Task, err: unknown): void {
    this.logger.error({ eventId: t.event._id, err }, 'internal error while processing event');
    this.finish(t, 'failed', 'agent_error', asAgentflowError(err, t.agentId, t.event._id), this.inputStateOf(t), undefined);
  }

  /** The pipeline from BeforeEventHandling on, with callbacks and orchestrators. */
  private async processHooked(t: Task, input: State): Promise<void> {
    const ev = t.event;
    const meta = ev._meta;
    let state = input;
    try {
      // 3. BeforeEventHandling.
      const reg = this.registry;
      if (reg.count(HookPoint.BeforeEventHandling) !== 0) {
        const args: CallbackArgs = { hook: HookPoint.BeforeEventHandling, event: ev, state, agentId: '' };
        try {
          const r = reg.invoke(t, args);
          state = r instanceof Promise ? await this.race(t, r) : r;
        } catch (err) {
          return this.finish(t, 'failed', reasonOf(err, 'hook_rejected'), asAgentflowError(err, '', ev._id), state, undefined);
        }
        if (t.finished) return;
      }

      // 4. Broadcast, or resolve the target.
      if (meta.broadcast === 'true' && meta.broadcast_targets !== undefined) return this.broadcast(t, state);
      const target = meta.route || ev._target;

      // 5. Dispatch.
      let result: OrchestrationResult;
      if (this.orchestrator === undefined) {
        const run = await this.runAgent(t, target, state, true);
        if (t.finished) return;
        result = { agentId: run.agentId, state: run.state, agentResult: run.result, error: run.error, reason: run.reason };
      } else {
        try {
          result = await this.orchestrator.dispatch(this.dispatchContext(t), target, state);
        } catch (err) {
          result = { agentId: target, state, error: asAgentflowError(err, target, ev._id), reason: 'agent_error' };
        }
        if (t.finished) return;
      }
      t.agentId = result.agentId;

      // 6. Chain to the next agent.
      this.routeNext(t, result);

      // 7. AfterEventHandling (observational: its errors are recorded, the outcome stands).
      let finalState = result.state;
      if (reg.count(HookPoint.AfterEventHandling) !== 0) {
        const args: CallbackArgs = {
          hook: HookPoint.AfterEventHandling,
          event: ev,
          state: finalState,
          agentId: result.agentId,
          agentResult: result.agentResult,
          error: result.error,
        };
        const r = this.observe(t, args);
        finalState = r instanceof Promise ? await r : r;
        if (t.finished) return;
      }
      this.conclude(t, result, finalState);
    } catch (err) {
      this.internalError(t, err);
    }
  }

  /** Step 6: if the output routes on, queue the next hop (a failure to do so fails this event). */
  private routeNext(t: Task, result: OrchestrationResult): void {
    if (result.error !== undefined) return;
    const next = result.state._meta.route;
    if (next === undefined || next === '') return;
    try {
      this.chain(t, result.state, next);
    } catch (err) {
      result.error = asAgentflowError(err, result.agentId, t.event._id);
      result.reason = 'invalid_event';
    }
  }

  /** The last step: completed, or a failure (retried or finished). */
  private conclude(t: Task, result: OrchestrationResult, finalState: State): void {
    if (result.error !== undefined) this.fail(t, result.reason ?? 'agent_error', result.error, finalState, result.agentResult);
    else this.finish(t, 'completed', undefined, undefined, finalState, result.agentResult);
  }

  /** Arms the agent's own timeout when the event has none. */
  private applyAgentTimeout(t: Task, entry: AgentEntry): void {
    const agentTimeout = entry.agent?.timeoutMs;
    if (agentTimeout === undefined || agentTimeout <= 0 || t.event._meta.timeout !== undefined) return;
    const at = Date.now() + agentTimeout;
    if (t.expiry === 0 || at < t.expiry) {
      t.expiry = at;
      t.expiryIsDeadline = false;
      t.expiryTimeoutMs = agentTimeout;
      this.clock.watch(t);
    }
  }

  /** Turns what a handler returned or threw into an AgentRun, and traces `agent_end`. */
  private settleRun(t: Task, agentId: string, state: State, value: unknown, thrown: unknown, started: number, trace: TraceLogger | null): AgentRun {
    const ev = t.event;
    let result: AgentResult | undefined;
    let error: AgentflowError | undefined;
    let reason: FailureReason | undefined;
    if (thrown === undefined) {
      try {
        result = normalizeResult(value, agentId, ev._id, started);
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
    if (trace !== null) {
      const e = this.entry('agent_end', t, agentId);
      e.durationMs = result.duration;
      if (error !== undefined) e.error = toTraceError(error);
      trace.log(e);
    }
    return { agentId, state: error === undefined ? result.outputState : state, result, error, reason };
  }

  /** Runs AgentError / AfterEventHandling callbacks: a throw is recorded, not fatal. */
  private observe(t: Task, args: CallbackArgs): State | Promise<State> {
    try {
      const r = this.registry.invoke(t, args);
      return r instanceof Promise ? r.catch((err) => this.callbackFailed(t, args, err)) : r;
    } catch (err) {
      return this.callbackFailed(t, args, err);
    }
  }

  private callbackFailed(t: Task, args: CallbackArgs, err: unknown): State {
    {
      this.counters.callbackErrors++;
      const e = err as HookRejectedError;
      if (this.trace !== null) {
        const entry = this.entry('callback_error', t, args.agentId);
        entry.hook = args.hook;
        entry.error = toTraceError(e);
        this.trace.log(entry);
      }
      this.logger.warn({ eventId: t.event._id, hook: args.hook, err: e.message }, 'callback failed; event outcome unchanged');
      return args.state;
    }
  }

  /**
   * Runs one agent with BeforeAgentRun / AgentError / AfterAgentRun.
   * `own` is true for the event's single route-mode agent (sets task.agentId).
   */
  private async runAgent(t: Task, agentId: string, input: State, own: boolean): Promise<AgentRun> {
    const ev = t.event;
    if (own) t.agentId = agentId;
    const entry = this.agents.get(agentId);
    const reg = this.registry;
    let error: AgentflowError | undefined;
    let reason: FailureReason | undefined;
    if (entry === undefined) {
      error = new AgentNotFoundError(agentId, ev._id, this.agentNames());
      reason = 'no_such_agent';
    } else if (entry.agent !== undefined && entry.agent.enabled === false) {
      error = new AgentDisabledError(agentId, ev._id);
      reason = 'agent_disabled';
    }
    const ctx = own ? t : (new AgentScopedContext(t, agentId) as unknown as Task);
    let state = input;
    if (error === undefined && reg.count(HookPoint.BeforeAgentRun) !== 0) {
      const args: CallbackArgs = { hook: HookPoint.BeforeAgentRun, event: ev, state, agentId };
      try {
        const r = reg.invoke(ctx, args);
        state = r instanceof Promise ? await this.race(t, r) : r;
      } catch (err) {
        return { agentId, state, error: asAgentflowError(err, agentId, ev._id), reason: reasonOf(err, 'hook_rejected') };
      }
    }

    let result: AgentResult | undefined;
    if (error === undefined) {
      if (this.traceFull !== null) this.traceFull.log(this.entry('agent_start', t, agentId));
      const started = Date.now();
      let value: unknown;
      let thrown: unknown;
      try {
        if (entry!.ready !== undefined) await entry!.ready;
        this.applyAgentTimeout(t, entry!);
        const r = entry!.invoke(ctx, ev, state);
        value = r instanceof Promise ? await (t.expiry !== 0 ? this.race(t, r) : r) : r;
      } catch (err) {
        thrown = thrownValue(err);
      }
      const run = this.settleRun(t, agentId, state, value, thrown, started, own ? this.traceFull : this.trace);
      result = run.result;
      error = run.error;
      reason = run.reason;
      if (t.finished) return { agentId, state, error: error ?? new ShutdownError(ev._id, 'running'), reason: reason ?? 'shutdown', result };
    }
    if (error !== undefined) reason ??= reasonOf(error, 'agent_error');

    // AgentError (observational), then AfterAgentRun (may replace the output or reject).
    if (error !== undefined && reg.count(HookPoint.AgentError) !== 0) {
      const r = this.observe(ctx, { hook: HookPoint.AgentError, event: ev, state, agentId, agentResult: result, error });
      if (r instanceof Promise) await r;
    }
    let out = error === undefined ? result!.outputState : state;
    if (result !== undefined && reg.count(HookPoint.AfterAgentRun) !== 0) {
      const args: CallbackArgs = { hook: HookPoint.AfterAgentRun, event: ev, state: out, agentId, agentResult: result, error };
      try {
        const r = reg.invoke(ctx, args);
        out = r instanceof Promise ? await this.race(t, r) : r;
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

  /** Waits for `p`, or for the task's abort (timeout, deadline, stop). */
  private race<T>(t: Task, p: Promise<T>): Promise<T> {
    if (t.aborted !== undefined) {
      p.catch(() => undefined);
      return Promise.reject(t.aborted);
    }
    if (t.expiry === 0 && this.status === 'running') return p;
    // Settles with p, or with the abort error (a late reject after p settled is a no-op).
    return new Promise<T>((resolve, reject) => {
      t.raceReject = reject;
      p.then(resolve, reject);
    });
  }

  private dispatchContext(t: Task): DispatchContext {
    return {
      event: t.event,
      get signal() {
        return t.signal;
      },
      get logger() {
        return t.logger;
      },
      agentNames: () => this.agentNames(),
      hasAgent: (n) => this.agents.has(n),
      runAgent: (agentId, state) => {
        let copy: State;
        try {
          copy = state.clone();
        } catch (err) {
          return Promise.resolve({ agentId, state, error: asAgentflowError(err, agentId, t.event._id), reason: 'invalid_event' as const });
        }
        return this.runAgent(t, agentId, copy, false);
      },
    };
  }

  /** Queues the next hop: output state as data, meta carried, chain metadata maintained. */
  private chain(t: Task, out: State, next: string): void {
    const ev = t.event;
    const pm = ev._meta;
    const meta: Metadata = {};
    for (const k in out._meta) if (k !== ROUTE) meta[k] = out._meta[k]!;
    meta.session_id = pm.session_id!;
    meta.route = next;
    meta.parent_event = ev._id;
    meta.chain_id = pm.chain_id ?? ev._id;
    meta.hop_count = String(hopOf(pm) + 1);
    meta.status = 'success';
    if (pm.deadline !== undefined && meta.deadline === undefined) meta.deadline = pm.deadline;
    if (pm.timeout !== undefined && meta.timeout === undefined) meta.timeout = pm.timeout;
    if (pm.priority !== undefined && meta.priority === undefined) meta.priority = pm.priority;
    delete meta.attempt;
    const child = new Event(uuidv4(), Date.now(), next, t.agentId, cloneRecord(out._data, 'state', ev._id), meta);
    this.accept(child, true);
    this.countChild(t, child);
    if (this.traceFull !== null) {
      const e = this.entry('event_emitted', t, t.agentId);
      e.targetAgentId = next;
      e.detail = { childEventId: child._id, hopCount: Number(meta.hop_count) };
      this.traceFull.log(e);
    }
  }

  private async broadcast(t: Task, state: State): Promise<void> {
    const ev = t.event;
    const targets = ev._meta.broadcast_targets!.split(',').map((s) => s.trim()).filter((s) => s !== '');
    for (const agent of targets) {
      const meta: Metadata = {};
      for (const k in ev._meta) if (!NOT_INHERITED.has(k)) meta[k] = ev._meta[k]!;
      meta.route = agent;
      meta.broadcast_id = ev._id;
      meta.broadcast_mode = 'individual';
      const child = new Event(uuidv4(), Date.now(), agent, ev._source, cloneRecord(state._data, 'data', ev._id), meta);
      this.linkChild(t, child, ev._source);
      this.accept(child, true);
      this.countChild(t, child);
      if (this.traceFull !== null) {
        const e = this.entry('event_emitted', t, '');
        e.targetAgentId = agent;
        e.detail = { childEventId: child._id, broadcast: true };
        this.traceFull.log(e);
      }
    }
    let finalState = state;
    if (this.registry.count(HookPoint.AfterEventHandling) !== 0) {
      const r = this.observe(t, { hook: HookPoint.AfterEventHandling, event: ev, state, agentId: '' });
      finalState = r instanceof Promise ? await r : r;
    }
    this.finish(t, 'completed', undefined, undefined, finalState, undefined);
  }

  /** A failure: retried if the retry policy says so, else finished (dead-lettered when a sink is set). */
  private fail(t: Task, reason: FailureReason, error: AgentflowError, state: State, agentResult: AgentResult | undefined): void {
    const retry = this.config.retry;
    if (retry !== undefined && this.status === 'running' && !t.finished) {
      let delay = -1;
      try {
        delay = retry.delayFor(error, t.attempt, t.event, t.agentId);
      } catch (err) {
        this.logger.warn({ err: (err as Error).message }, 'retry policy threw; not retrying');
      }
      if (delay >= 0) return this.scheduleRetry(t, delay, error, reason);
    }
    this.finish(t, 'failed', retry !== undefined && t.attempt > 1 ? 'retries_exhausted' : reason, error, state, agentResult);
  }

  private scheduleRetry(t: Task, delay: number, error: AgentflowError, reason: FailureReason): void {
    t.finished = true;
    this.untrack(t);
    this.counters.retried++;
    const ev = t.event;
    ev._meta.attempt = String(t.attempt + 1);
    if (this.trace !== null) {
      const e = this.entry('retry', t, t.agentId);
      e.error = toTraceError(error);
      e.reason = reason;
      e.detail = { delayMs: delay, nextAttempt: t.attempt + 1 };
      this.trace.log(e);
    }
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.retryEvents.delete(timer);
      if (this.config.sessionOrdering) this.retrying.add(ev);
      this.transport.offer(ev, true);
      this.kick();
    }, delay);
    this.retryTimers.add(timer);
    this.retryEvents.set(timer, ev);
    this.inFlight--;
    this.afterTask(ev, false);
  }

  /** Records the final outcome. Idempotent. */
  private finish(
    t: Task,
    status: EventStatus,
    reason: FailureReason | undefined,
    error: AgentflowError | undefined,
    state: State,
    agentResult: AgentResult | undefined,
  ): void {
    if (t.finished) return;
    t.finished = true;
    this.untrack(t);
    const ev = t.event;
    if (status === 'failed' && this.config.deadLetter !== undefined) {
      status = 'dead_lettered';
      try {
        this.config.deadLetter.add({
          id: ev._id,
          event: ev.toJSON(),
          reason: reason!,
          error: { code: error!.code, message: error!.message },
          attempts: t.attempt,
          agentId: t.agentId,
          sessionId: ev._meta.session_id ?? '',
          at: Date.now(),
        });
      } catch (err) {
        status = 'failed';
        this.logger.error({ eventId: ev._id, err: (err as Error).message }, 'dead-letter sink failed; event recorded as failed');
      }
    }
    if (status === 'completed') this.counters.completed++;
    else if (status === 'failed') this.counters.failed++;
    else this.counters.deadLettered++;

    const trace = this.trace;
    const now = Date.now();
    if (trace !== null) {
      // One literal with every field: no hidden-class transitions on the hot path.
      const m = ev._meta;
      trace.log({
        timestamp: now,
        type: 'event_end',
        eventId: ev._id,
        sessionId: m.session_id ?? '',
        agentId: t.agentId,
        durationMs: now - t.startedAt,
        status,
        reason,
        error: error === undefined ? undefined : toTraceError(error),
        parentEventId: m.parent_event,
        targetAgentId: m.route || ev._target,
        sourceAgentId: ev._source === '' ? undefined : ev._source,
        hopCount: m.hop_count === undefined ? 0 : hopOf(m),
        attempt: t.attempt,
      });
    }
    if (status !== 'completed' && this.debug) this.logger.debug({ eventId: ev._id, reason, err: error?.message }, 'event failed');

    if (this.outcomeListeners.length !== 0 || this.chainWaiters.size !== 0) {
      const o: EventOutcome = {
        event: ev,
        eventId: ev._id,
        sessionId: ev._meta.session_id ?? '',
        agentId: t.agentId,
        status,
        reason,
        error,
        state,
        agentResult,
        attempts: t.attempt,
        emitted: t.emittedIds ?? [],
        durationMs: now - t.startedAt,
      };
      for (const fn of this.outcomeListeners) {
        try {
          fn(o);
        } catch (err) {
          this.logger.warn({ err: (err as Error).message }, 'outcome listener threw');
        }
      }
      if (this.chainWaiters.size !== 0) this.settleChain(o);
    }
    this.inFlight--;
    this.transport.ack?.(ev);
    this.afterTask(ev, true);
  }

  private settleChain(o: EventOutcome): void {
    const chainId = o.event._meta.chain_id ?? o.eventId;
    const w = this.chainWaiters.get(chainId);
    if (w === undefined) return;
    w.outcomes.push(o);
    w.last = o;
    if (o.status !== 'completed' && w.failure === undefined) w.failure = o;
    if (--w.pending > 0) return;
    this.chainWaiters.delete(chainId);
    if (w.failure !== undefined) {
      const f = w.failure;
      w.reject(new EventFailedError(f.eventId, f.reason ?? 'agent_error', f.error, f.agentId));
    } else {
      w.resolve({ state: o.state, eventId: o.eventId, agentId: o.agentId, sessionId: o.sessionId, outcomes: w.outcomes, events: w.outcomes.length });
    }
  }

  /** Bookkeeping after an event leaves a worker slot (finished or waiting to retry). */
  private afterTask(ev: Event, final: boolean): void {
    if (final && this.sessionWaiters.size !== 0) {
      const s = ev._meta.session_id!;
      const w = this.sessionWaiters.get(s);
      if (w !== undefined && --w.pending <= 0) {
        this.sessionWaiters.delete(s);
        for (const r of w.resolvers) r();
      }
    }
    if (this.config.sessionOrdering && final) {
      const next = this.unpark(ev);
      if (next !== undefined) {
        this.inFlight++;
        void this.process(new Task(this, next, attemptOf(next)));
      }
    }
    if (this.inFlight === 0 && this.transport.size() === 0) this.clock.idle();
    if (this.drainWaiters.length !== 0 && this.isIdle()) {
      const ws = this.drainWaiters;
      this.drainWaiters = [];
      for (const r of ws) r();
    }
    if (!this.pumping) this.pump();
  }

  private entry(type: TraceEntry['type'], t: Task, agentId: string): TraceEntry {
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
}

/**
 * Creates a runner (the seed's `NewRunnerWithConfig`). Options not given
 * take their defaults from {@link defaultRunnerConfig}.
 *
 * @example
 * ```ts
 * const runner = createRunner({ concurrency: 4, timeoutMs: 10_000 });
 * runner.registerAgent('echo', agentHandlerFunc((ctx, ev, state) => state));
 * await runner.start();
 * ```
 */
export function createRunner(config: Partial<RunnerConfig> = {}): Runner {
  return new Runner(config);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/** A thrown `undefined` or `null` still has to count as a failure. */
function thrownValue(err: unknown): unknown {
  return err ?? new Error(`handler threw ${String(err)}`);
}

function hopOf(m: Metadata): number {
  const h = m.hop_count;
  if (h === undefined) return 0;
  const n = parseInt(h, 10);
  return n >= 0 ? n : 0;
}

function attemptOf(ev: Event): number {
  const a = ev._meta.attempt;
  if (a === undefined) return 1;
  const n = parseInt(a, 10);
  return n >= 1 ? n : 1;
}

/** The input state's metadata: the event's, minus `route` (so an agent that clones its input does not route to itself). */
function inputMeta(m: Metadata): Metadata {
  const out: Metadata = {};
  for (const k in m) if (k !== ROUTE) out[k] = m[k]!;
  return out;
}

function normalizeResult(v: unknown, agentId: string, eventId: string, started: number): AgentResult {
  if (v instanceof State) {
    const end = Date.now();
    return { outputState: v, startTime: started, endTime: end, duration: end - started };
  }
  if (v === null || typeof v !== 'object' || !((v as AgentResultInit).outputState instanceof State)) {
    throw new InvalidAgentResultError(agentId, eventId, v);
  }
  const r = v as AgentResultInit;
  const end = Date.now();
  const startTime = typeof r.startTime === 'number' ? r.startTime : started;
  const endTime = typeof r.endTime === 'number' ? r.endTime : end;
  return {
    outputState: r.outputState,
    startTime,
    endTime,
    duration: typeof r.duration === 'number' ? r.duration : endTime - startTime,
    error: r.error,
  };
}

function asAgentflowError(err: unknown, agentId: string, eventId: string): AgentflowError {
  if (err instanceof AgentflowError) return err;
  return new AgentFailedError(agentId, eventId, err);
}

function reasonOf(err: unknown, fallback: FailureReason): FailureReason {
  if (!(err instanceof AgentflowError)) return fallback;
  switch (err.code) {
    case 'AF_ERR_TIMEOUT':
      return 'timeout';
    case 'AF_ERR_DEADLINE_EXCEEDED':
      return 'deadline_exceeded';
    case 'AF_ERR_SHUTDOWN':
      return 'shutdown';
    case 'AF_ERR_INVALID_AGENT_RESULT':
      return 'invalid_result';
    case 'AF_ERR_CIRCUIT_OPEN':
      return 'circuit_open';
    case 'AF_ERR_HOOK_REJECTED':
      return 'hook_rejected';
    case 'AF_ERR_INVALID_EVENT_DATA':
    case 'AF_ERR_INVALID_METADATA':
      return 'invalid_event';
    default:
      return fallback;
  }
}
