/**
 * The Runner: intake (emit, send, run), lifecycle (start, stop, drain) and
 * one in-process {@link Worker} that dispatches events to agents through the
 * pipeline. See `docs/architecture.md` for the journey of one event.
 * @module
 */
import type { Agent, AgentHandler } from '../core/agent.js';
import { ChainCancelledError, type AgentflowError, InvalidEventDataError, InvalidOptionError, QueueFullError, RunnerNotRunningError, RunnerStateError } from '../core/errors.js';
import { Event } from '../core/event.js';
import { CallbackRegistry, type HookPoint, type CallbackFunc } from '../core/hooks.js';
import { createLogger, type Logger } from '../core/logger.js';
import type { ActivityMessage } from '../core/activity.js';
import type { EventOutcome } from '../core/outcome.js';
import { MAX_TIMER_MS } from '../core/timers.js';
import { InMemoryTraceLogger, type TraceEntry, type TraceLogger } from '../core/trace.js';
import { InMemoryTransport } from '../transport/memory/index.js';
import { isLocalQueue, type Transport } from '../transport/types.js';
import { AgentTable } from './agents.js';
import { defaultRunnerConfig, validateRunnerConfig, type RunnerConfig } from './config.js';
import { OutcomeBus, type RunnerHost } from './outcomes.js';
import type { RunResult, RunnerStats, RunnerStatus } from './types.js';
import { cancelChain, remoteCancel, streamChain, type StreamPart } from './stream.js';
import { SpaceWaiters } from './space-waiters.js';
import { submitChain } from './submit.js';
import { Waits } from './waiters.js';
import { Worker } from './worker.js';
export type { RunnerStatus };

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
 * 7. `AfterEventHandling`; the verdict is settled with the transport together with the children (ack, retry or dead), then the outcome is published.
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
export class Runner implements RunnerHost {
  readonly config: Readonly<RunnerConfig>;
  /** The runner's logger (pino-compatible). */
  readonly logger: Logger;
  private status: RunnerStatus = 'idle';
  private readonly transport: Transport;
  private readonly registry = new CallbackRegistry();
  private readonly agents: AgentTable;
  private readonly bus: OutcomeBus;
  private readonly worker: Worker;
  private trace: TraceLogger | null;
  private readonly waits: Waits;
  private readonly space = new SpaceWaiters();
  private starting: Promise<void> | undefined;
  private channelOff: (() => void) | undefined;
  private stopping: Promise<void> | undefined;

  constructor(config: Partial<RunnerConfig> = {}) {
    const c: RunnerConfig = { ...defaultRunnerConfig(), ...stripUndefined(config) };
    validateRunnerConfig(c);
    this.config = c;
    this.logger = c.logger ?? createLogger();
    this.transport = c.transport ?? new InMemoryTransport({ capacity: c.queueSize, sessionOrdering: c.sessionOrdering });
    if (c.sessionOrdering && this.transport.capabilities.ordering !== 'session') {
      throw new InvalidOptionError('sessionOrdering', `transport "${this.transport.name}" does not order by session; create it with session ordering (e.g. new InMemoryTransport({ sessionOrdering: true }))`);
    }
    this.trace = c.traceLogger === undefined ? new InMemoryTraceLogger() : c.traceLogger;
    this.agents = new AgentTable(c.middleware ?? [], this.logger);
    this.bus = new OutcomeBus(this.logger);
    this.waits = new Waits(this.bus);
    this.bus.onRemoteCancel = (id, msg) => remoteCancel(this.worker, id, msg);
    this.worker = new Worker({ transport: this.transport, agents: this.agents, registry: this.registry, config: c, logger: this.logger, bus: this.bus, trace: this.trace });
  }

  /**
   * Registers an agent under `name`: a handler (`{ run(ctx, event, state) }`,
   * see `agentHandlerFunc`), a bare function, or a full {@link Agent} (has
   * `handleEvent`). A full agent's `initialize` runs on `start()` (at once if
   * the runner is already running) and `shutdown` on `stop()`.
   * @throws {@link AgentExistsError}, {@link InvalidAgentError}
   */
  registerAgent(name: string, handler: AgentHandler | Agent | AgentHandler['run']): void {
    this.agents.register(name, handler, this.status === 'running', this.config.stopTimeoutMs);
  }

  /** Removes an agent. Returns whether one was registered. Its `shutdown` is not called. */
  unregisterAgent(name: string): boolean {
    return this.agents.unregister(name);
  }

  /** Registered agent names, in registration order. */
  agentNames(): string[] {
    return this.agents.names();
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
    this.worker.setTrace(logger);
  }

  /** One session's trace entries, oldest first (`[]` when unknown or tracing is off). */
  dumpTrace(sessionId: string): TraceEntry[] {
    return this.trace ? this.trace.getTrace(sessionId) : [];
  }

  /**
   * Subscribes to final outcomes (after the last attempt), from the outcome
   * bus. Returns an unsubscribe function.
   */
  onOutcome(fn: (o: EventOutcome) => void): () => void {
    return this.bus.subscribe((m) => {
      if (m.type === 'outcome') fn(m.outcome);
    });
  }

  /** Subscribes to agents' activity (tokens, tool calls and results, handoffs). Returns an unsubscribe function. */
  onActivity(fn: (m: ActivityMessage) => void): () => void {
    return this.bus.subscribe((m) => {
      if (m.type === 'activity') fn(m.message);
    });
  }

  /** The outcome bus (for plugins that also follow published events). */ getOutcomeBus(): OutcomeBus {
    return this.bus;
  }
  /** The transport events wait in. */ getTransport(): Transport {
    return this.transport;
  }

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
  start(): Promise<void> {
    if (this.status === 'running' || this.status === 'starting') return Promise.reject(new RunnerStateError(`runner is already ${this.status}`));
    if (this.status === 'stopping') return Promise.reject(new RunnerStateError('runner is stopping; await stop() before starting again'));
    this.status = 'starting';
    this.starting = this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<void> {
    try {
      await this.transport.open?.();
      await this.agents.initAll(this.config.stopTimeoutMs);
    } catch (err) {
      this.status = 'idle';
      throw err;
    } finally {
      this.starting = undefined;
    }
    this.stopping = undefined;
    this.status = 'running';
    this.logger.debug({ agents: this.agents.size }, 'runner started');
    if (this.transport.outcomes !== undefined && this.channelOff === undefined) this.channelOff = this.bus.connect(this.transport.outcomes);
    // A process reading every outcome is registered before start() resolves (else workers may skip writing them).
    await this.transport.outcomes?.ready?.().catch((err: unknown) => this.logger.warn({ err }, 'outcome channel not ready'));
    this.worker.start();
  }

  /**
   * Stops gracefully: refuses new `emit`s, lets queued and in-flight work
   * (including chained hops) finish for up to `timeoutMs`, then aborts what
   * is left; every event still queued or running then ends with reason
   * `shutdown` (dead-lettered when a dead-letter sink is set). Work in a
   * shared (non-local) transport is left there for other workers. Finally
   * full agents are shut down (each bounded by the same timeout) and the
   * transport is closed. Calling it again returns the same promise; calling
   * it during `start()` stops once started.
   *
   * @param options.timeoutMs - grace period (default `stopTimeoutMs`, 30 s)
   * @param options.drain - `false` to fail queued events at once instead of running them
   */
  stop(options: { timeoutMs?: number; drain?: boolean } = {}): Promise<void> {
    if (this.stopping) return this.stopping;
    if (this.status === 'starting' && this.starting !== undefined) {
      return this.starting.then(
        () => this.stop(options),
        () => undefined,
      );
    }
    if (this.status !== 'running') return Promise.resolve();
    this.stopping = this.doStop(options.timeoutMs ?? this.config.stopTimeoutMs, options.drain ?? true);
    return this.stopping;
  }

  private async doStop(timeoutMs: number, drain: boolean): Promise<void> {
    const started = Date.now();
    this.status = 'stopping';
    this.worker.state = 'stopping';
    if (!drain) this.worker.failQueued();
    if (!this.worker.isIdle()) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        this.worker.whenIdle().then(() => false),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(true), Math.min(timeoutMs, MAX_TIMER_MS));
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        this.logger.warn({ inFlight: this.worker.inFlight, queued: this.stats().queued }, 'stop timed out; aborting remaining work');
        this.worker.halt();
      }
    }
    this.status = 'stopped';
    this.worker.stopped();
    const left = Math.max(1, timeoutMs - (Date.now() - started));
    const errors = await this.agents.shutdownAll(left);
    this.channelOff?.();
    this.channelOff = undefined;
    await this.transport.close();
    this.logger.debug({ ...this.stats() }, 'runner stopped');
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} agents failed to shut down`);
  }

  /**
   * Queues an event and returns at once. An event without `session_id`
   * metadata gets its own id as session id.
   * @throws {@link RunnerNotRunningError}, {@link QueueFullError}, {@link PayloadTooLargeError}
   */
  emit(event: Event): void {
    if (this.status !== 'running') throw new RunnerNotRunningError(this.status, event instanceof Event ? event._id : undefined);
    this.accept(event);
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
        await this.space.wait(left, (wake) => (this.worker.onSpace = wake));
      }
    }
  }

  /**
   * Emits `event` and resolves when the chain it starts has finished (every
   * hop, broadcast copy, `ctx.emit` child and retry), with the final state.
   * Rejects with {@link EventFailedError} if any event of the chain failed.
   * Several `run()` calls for the same chain all settle.
   */
  run(event: Event): Promise<RunResult> {
    if (this.status !== 'running') return Promise.reject(new RunnerNotRunningError(this.status, event instanceof Event ? event._id : undefined));
    if (!(event instanceof Event)) return Promise.reject(new InvalidEventDataError('event', 'run() needs an Event created with newEvent()'));
    const chainId = event._meta.chain_id ?? event._id;
    const p = this.waits.chain(chainId, event._id);
    submitChain(this.transport, this.waits, event, chainId, p, () => this.submit(event, chainId));
    return p;
  }

  /**
   * Runs `event` like {@link Runner.run} and yields the chain's progress as
   * it happens: tokens, tool calls and results, handoffs, hops, outcomes and
   * finally `done`. Breaking out of the loop cancels the chain. See {@link StreamPart}.
   */
  stream(event: Event, options: { signal?: AbortSignal } = {}): AsyncGenerator<StreamPart, void, undefined> {
    return streamChain({ bus: this.bus, run: (e) => this.run(e), cancel: (id, err) => this.cancel(id, err) }, event, options);
  }

  /** Cancels a chain (here, and on the workers of a shared transport): its running events are aborted, the rest end `cancelled`. Returns whether a `run()` here waited on it. */
  cancel(chainId: string, reason: AgentflowError = new ChainCancelledError(chainId, 'runner.cancel() was called')): boolean {
    this.bus.broadcastCancel(chainId, reason.message);
    return cancelChain(this.worker, this.waits, chainId, reason);
  }

  private submit(event: Event, chainId: string): void {
    try {
      this.accept(event);
    } catch (err) {
      this.waits.failChain(chainId, err);
    }
  }

  /** Resolves when nothing is queued, in flight or waiting to retry. */
  drain(): Promise<void> {
    return this.worker.whenIdle();
  }

  /** Resolves when the session has no event queued, in flight or waiting to retry. */
  waitForSession(sessionId: string): Promise<void> {
    const pending: string[] = [];
    const t = this.transport;
    if (isLocalQueue(t)) {
      t.forEach((ev) => {
        if (ev._meta.session_id === sessionId) pending.push(ev._id);
      });
    }
    for (const task of this.worker.active) if (task.event._meta.session_id === sessionId) pending.push(task.event._id);
    if (pending.length === 0) return Promise.resolve();
    return this.waits.session(sessionId, pending);
  }

  /** Counters; see {@link RunnerStats}. */
  stats(): RunnerStats {
    const t = this.transport;
    const local = isLocalQueue(t);
    const held = local ? t.held() : { parked: 0, retrying: 0 };
    return {
      ...this.worker.counters,
      inFlight: this.worker.inFlight,
      queued: local ? t.size() + held.parked : 0,
      retryPending: held.retrying,
    };
  }

  /** Validates, stamps the session, publishes. */
  private accept(event: Event): void {
    this.worker.checkEvent(event);
    const meta = event._meta;
    // Metadata copied by assignment before a key is added (~0.5 µs on an exact-shape copy, see cloneObject); the size bound served the check above.
    if (meta.session_id === undefined) {
      (event._meta = Object.assign({}, meta)).session_id = event._id;
      event._boundMeta = undefined;
    } else if (meta.session_id === '') {
      meta.session_id = event._id;
      event._bound = -1;
    }
    const r = this.worker.publish([event], false);
    if (r instanceof Promise) r.catch((err: unknown) => this.worker.recordUnpublished(event, err));
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
