/**
 * Agents and handlers: what the runner dispatches events to.
 * @module
 */
import type { AgentActivity } from './activity.js';
import type { Event } from './event.js';
import type { Logger } from './logger.js';
import type { State } from './state.js';

/**
 * What a handler gets besides the event and state: a cancellation signal, a
 * logger, and a way to emit further events.
 *
 * @example
 * ```ts
 * const slow = agentHandlerFunc(async (ctx, event, state) => {
 *   await fetch(url, { signal: ctx.signal }); // aborted on timeout, deadline or stop
 *   ctx.logger.debug({ event: event.getId() }, 'fetched');
 *   return state.clone().set('fetched', true);
 * });
 * ```
 */
export interface AgentContext {
  /** Fires on the event's timeout or deadline, and when the runner stops. */
  readonly signal: AbortSignal;
  /** A logger bound to this agent and event. */
  readonly logger: Logger;
  /** The agent being run. */
  readonly agentId: string;
  /** The event being handled. */
  readonly eventId: string;
  /** The event's session. */
  readonly sessionId: string;
  /** Delivery attempt, 1 for the first. */
  readonly attempt: number;
  /**
   * A key for exactly-once effects in external systems: the event id, stable
   * across retries, crash redeliveries and dead-letter replays (pass it as an
   * API's idempotency key).
   */
  readonly idempotencyKey: string;
  /**
   * Emits an event from this agent. Unless set already, it inherits the
   * session, chain, deadline and timeout, gets `parent_event` and the next
   * `hop_count`, and its source is this agent.
   */
  emit(event: Event): void;
  /**
   * Runs a side-effecting step once per event: the first delivery runs `fn`
   * and stores its (JSON) result under the event's idempotency key, the
   * agent and `step`; a retry, a redelivery after a crash or a dead-letter
   * replay gets the stored result without running `fn` again. Shared across
   * processes on the Redis transport.
   *
   * @example
   * ```ts
   * const receipt = await ctx.once('charge-card', () => payments.charge(order));
   * ```
   */
  once<T>(step: string, fn: () => T | Promise<T>): Promise<T>;
  /**
   * Reports what the agent is doing: streamed tokens, tool calls and
   * results, handoffs. Tool calls, results and handoffs are written to the
   * session trace; everything reaches `runner.stream()` and
   * `runner.onActivity()`. Cheap when nobody listens.
   *
   * @example
   * ```ts
   * ctx.report({ kind: 'token', text: piece });
   * ```
   */
  report(activity: AgentActivity): void;
}

/**
 * What a handler returns. Times are epoch milliseconds; the runner fills in
 * any that are missing.
 *
 * @example
 * ```ts
 * const r: AgentResultInit = { outputState: state.clone().set('analyzed', true) };
 * ```
 */
export interface AgentResultInit {
  outputState: State;
  startTime?: number;
  endTime?: number;
  duration?: number;
  /** A failure reported with a (partial) output instead of throwing. */
  error?: unknown;
}

/**
 * A completed agent run, as hooks and outcomes see it.
 *
 * @example
 * ```ts
 * runner.registerCallback(HookPoint.AfterAgentRun, 'timing', (ctx, args) => {
 *   console.log(args.agentId, args.agentResult?.duration, 'ms');
 * });
 * ```
 */
export interface AgentResult {
  outputState: State;
  /** Epoch ms. */
  startTime: number;
  /** Epoch ms. */
  endTime: number;
  /** Milliseconds. */
  duration: number;
  error?: unknown;
}

/**
 * A handler's function form: receives the context, the event and the input
 * state, returns an {@link AgentResultInit} or (shorthand) the output State.
 * Throw to fail.
 *
 * @example
 * ```ts
 * const fn: AgentHandlerFn = (ctx, event, state) => state.clone().set('seen', true);
 * ```
 */
export type AgentHandlerFn = (ctx: AgentContext, event: Event, state: State) => AgentResultInit | State | Promise<AgentResultInit | State>;

/**
 * The lightweight agent form: one `run` method.
 *
 * @example
 * ```ts
 * const h: AgentHandler = { run: async (ctx, event, state) => ({ outputState: state.clone() }) };
 * runner.registerAgent('echo', h);
 * ```
 */
export interface AgentHandler {
  run(ctx: AgentContext, event: Event, state: State): AgentResultInit | State | Promise<AgentResultInit | State>;
}

/**
 * Wraps a function as an {@link AgentHandler} (the seed's `AgentHandlerFunc`).
 *
 * @example
 * ```ts
 * runner.registerAgent('processor', agentHandlerFunc(async (ctx, event, state) => {
 *   const out = state.clone();
 *   out.set('processed', true);
 *   return { outputState: out };
 * }));
 * ```
 */
export function agentHandlerFunc(fn: AgentHandlerFn): AgentHandler {
  return { run: fn };
}

/**
 * LLM settings resolved for an agent (from `[llm]` and `[agents.NAME.llm]`).
 *
 * @example
 * ```ts
 * const llm: ResolvedLLMConfig = { provider: 'ollama', model: 'gemma3:1b', temperature: 0.7 };
 * ```
 */
export interface ResolvedLLMConfig {
  provider: string;
  model: string;
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  baseUrl?: string;
  timeoutMs?: number;
  [extra: string]: unknown;
}

/**
 * The full agent form, with identity and a lifecycle: `initialize` runs on
 * `runner.start()`, `shutdown` on `runner.stop()`, and the runner does not
 * dispatch to an agent whose `enabled` is false. `handleEvent` is what the
 * runner calls; {@link BaseAgent} implements it by delegating to `run`.
 *
 * @example
 * ```ts
 * class DataProcessorAgent extends BaseAgent {
 *   constructor() { super({ name: 'data_processor', role: 'processor', capabilities: ['data_processing'] }) }
 *   async run(ctx: AgentContext, input: State) {
 *     return input.clone().set('processed', true).setMeta('route', 'data_analyzer');
 *   }
 * }
 * runner.registerAgent('data_processor', new DataProcessorAgent());
 * ```
 */
export interface Agent {
  readonly name: string;
  readonly role: string;
  readonly description: string;
  readonly capabilities: readonly string[];
  readonly systemPrompt: string;
  /** Per-agent timeout in ms; overrides the runner default, loses to the event's own `timeout`. */
  readonly timeoutMs?: number;
  readonly enabled: boolean;
  readonly llmConfig?: ResolvedLLMConfig;
  initialize?(ctx: { signal: AbortSignal; logger: Logger }): void | Promise<void>;
  shutdown?(ctx: { signal: AbortSignal; logger: Logger }): void | Promise<void>;
  run(ctx: AgentContext, inputState: State): State | Promise<State>;
  handleEvent(ctx: AgentContext, event: Event, state: State): AgentResultInit | State | Promise<AgentResultInit | State>;
}

/**
 * Options for {@link BaseAgent}.
 *
 * @example
 * ```ts
 * const opts: AgentOptions = { name: 'writer', role: 'writer', systemPrompt: 'You write.' };
 * ```
 */
export interface AgentOptions {
  name: string;
  role?: string;
  description?: string;
  capabilities?: string[];
  systemPrompt?: string;
  timeoutMs?: number;
  enabled?: boolean;
  llmConfig?: ResolvedLLMConfig;
}

/**
 * A convenient base for full agents: supplies the identity fields and a
 * `handleEvent` that delegates to `run` and times it, as the seed's
 * `DataProcessorAgent` does by hand.
 *
 * @example
 * ```ts
 * class Analyzer extends BaseAgent {
 *   constructor() { super({ name: 'analyzer', role: 'analyzer' }) }
 *   run(ctx: AgentContext, input: State) { return input.clone().set('analyzed', true) }
 * }
 * ```
 */
export abstract class BaseAgent implements Agent {
  readonly name: string;
  readonly role: string;
  readonly description: string;
  readonly capabilities: readonly string[];
  readonly systemPrompt: string;
  readonly timeoutMs?: number;
  enabled: boolean;
  readonly llmConfig?: ResolvedLLMConfig;

  constructor(opts: AgentOptions) {
    this.name = opts.name;
    this.role = opts.role ?? opts.name;
    this.description = opts.description ?? '';
    this.capabilities = opts.capabilities ?? [];
    this.systemPrompt = opts.systemPrompt ?? '';
    this.timeoutMs = opts.timeoutMs;
    this.enabled = opts.enabled ?? true;
    this.llmConfig = opts.llmConfig;
  }

  /** Called once by `runner.start()`; override to open resources. */
  initialize(_ctx: { signal: AbortSignal; logger: Logger }): void | Promise<void> {}

  /** Called once by `runner.stop()`; override to release resources. */
  shutdown(_ctx: { signal: AbortSignal; logger: Logger }): void | Promise<void> {}

  abstract run(ctx: AgentContext, inputState: State): State | Promise<State>;

  async handleEvent(ctx: AgentContext, _event: Event, state: State): Promise<AgentResultInit> {
    const startTime = Date.now();
    const outputState = await this.run(ctx, state);
    const endTime = Date.now();
    return { outputState, startTime, endTime, duration: endTime - startTime };
  }
}

/**
 * Whether `v` is a full {@link Agent} (it has `handleEvent`), as opposed to
 * an {@link AgentHandler}.
 *
 * @example
 * ```ts
 * isAgent(new Analyzer()); // true
 * isAgent(agentHandlerFunc(fn)); // false
 * ```
 */
export function isAgent(v: unknown): v is Agent {
  return typeof v === 'object' && v !== null && typeof (v as Agent).handleEvent === 'function';
}
