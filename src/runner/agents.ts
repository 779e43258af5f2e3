/**
 * The agent table: registration, middleware wrapping and lifecycle
 * (`initialize` on start, `shutdown` on stop, each bounded in time).
 * @module
 */
import { isAgent, type Agent, type AgentHandler } from '../core/agent.js';
import { AgentExistsError, AgentLifecycleError, InvalidAgentError, TimeoutError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { AgentInvoke, AgentMiddleware } from './config.js';

/**
 * One registered agent as the pipeline sees it.
 *
 * @example
 * ```ts
 * const entry = table.get('analyzer');
 * if (entry?.ready === undefined) entry?.invoke(ctx, event, state);
 * ```
 */
export interface AgentEntry {
  readonly name: string;
  /** The full agent (with lifecycle), when one was registered. */
  readonly agent: Agent | undefined;
  /** What was registered. */
  readonly raw: AgentHandler | Agent;
  /** The handler wrapped in middleware. */
  readonly invoke: AgentInvoke;
  /** Pending `initialize` of an agent registered while running. */
  ready: Promise<void> | undefined;
  initialized: boolean;
}

/**
 * Agents by name, in registration order.
 *
 * @example
 * ```ts
 * const table = new AgentTable([], logger);
 * table.register('echo', (ctx, ev, state) => state);
 * ```
 */
export class AgentTable {
  private readonly map = new Map<string, AgentEntry>();
  constructor(
    private readonly middleware: readonly AgentMiddleware[],
    private readonly logger: Logger,
  ) {}

  /** Adds an agent; when `initNow`, a full agent's `initialize` starts at once. */
  register(name: string, handler: AgentHandler | Agent | AgentHandler['run'], initNow: boolean, initTimeoutMs: number): void {
    if (typeof name !== 'string' || name.length === 0) throw new InvalidAgentError('an agent needs a non-empty name');
    if (this.map.has(name)) throw new AgentExistsError(name);
    const raw: AgentHandler | Agent = typeof handler === 'function' ? { run: handler } : handler;
    let invoke: AgentInvoke;
    let agent: Agent | undefined;
    if (isAgent(raw)) {
      agent = raw;
      invoke = (ctx, ev, st) => raw.handleEvent(ctx, ev, st);
    } else if (raw !== null && typeof raw === 'object' && typeof (raw as AgentHandler).run === 'function') {
      const h = raw as AgentHandler;
      invoke = (ctx, ev, st) => h.run(ctx, ev, st);
    } else {
      throw new InvalidAgentError(`agent "${name}" must be a function, an object with run(ctx, event, state), or an Agent with handleEvent(ctx, event, state)`, name);
    }
    for (let i = this.middleware.length - 1; i >= 0; i--) invoke = this.middleware[i]!(name, invoke);
    const entry: AgentEntry = { name, agent, raw, invoke, ready: undefined, initialized: false };
    this.map.set(name, entry);
    if (initNow && agent?.initialize) {
      const ready = this.init(entry, initTimeoutMs).then(
        () => {
          entry.ready = undefined;
        },
        (err: unknown) => {
          this.logger.error({ err, agentId: name }, 'agent initialize failed');
          throw err;
        },
      );
      ready.catch(() => undefined);
      entry.ready = ready;
    }
  }

  unregister(name: string): boolean {
    if (name === this.lastName) this.lastName = this.lastEntry = undefined;
    return this.map.delete(name);
  }

  get(name: string): AgentEntry | undefined {
    // Most events name the agent the previous one did: one string comparison instead of a hash lookup.
    if (name === this.lastName) return this.lastEntry;
    const e = this.map.get(name);
    if (e !== undefined) {
      this.lastName = name;
      this.lastEntry = e;
    }
    return e;
  }
  private lastName: string | undefined = undefined;
  private lastEntry: AgentEntry | undefined = undefined;

  has(name: string): boolean {
    return this.map.has(name);
  }

  names(): string[] {
    return [...this.map.keys()];
  }

  get size(): number {
    return this.map.size;
  }

  /** Initializes every full agent in order; on failure shuts down those already initialized and throws. */
  async initAll(timeoutMs: number): Promise<void> {
    const done: AgentEntry[] = [];
    try {
      for (const e of this.map.values()) {
        if (e.agent?.initialize && !e.initialized) {
          await this.init(e, timeoutMs);
          done.push(e);
        }
      }
    } catch (err) {
      for (const e of done.reverse()) await this.shutdown(e, timeoutMs).catch(() => undefined);
      throw err;
    }
  }

  /** Shuts down every initialized agent in reverse order; returns the errors. */
  async shutdownAll(timeoutMs: number): Promise<unknown[]> {
    const errors: unknown[] = [];
    for (const e of [...this.map.values()].reverse()) {
      if (e.initialized) await this.shutdown(e, timeoutMs).catch((err: unknown) => errors.push(err));
    }
    return errors;
  }

  private async init(e: AgentEntry, timeoutMs: number): Promise<void> {
    const agent = e.agent;
    if (agent?.initialize === undefined) return;
    try {
      await bounded(timeoutMs, e.name, (signal) => agent.initialize!({ signal, logger: this.logger.child({ agentId: e.name }) }));
      e.initialized = true;
    } catch (err) {
      throw new AgentLifecycleError('initialize', e.name, err);
    }
  }

  private async shutdown(e: AgentEntry, timeoutMs: number): Promise<void> {
    e.initialized = false;
    const agent = e.agent;
    if (agent?.shutdown === undefined) return;
    try {
      await bounded(timeoutMs, e.name, (signal) => agent.shutdown!({ signal, logger: this.logger.child({ agentId: e.name }) }));
    } catch (err) {
      throw new AgentLifecycleError('shutdown', e.name, err);
    }
  }
}

/** Runs a lifecycle call with an abort signal and a bound: a call that never settles fails with TimeoutError. */
function bounded(timeoutMs: number, agentId: string, fn: (signal: AbortSignal) => void | Promise<void>): Promise<void> {
  const ms = timeoutMs > 0 ? timeoutMs : 30_000;
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new TimeoutError(agentId, 'lifecycle', ms);
      ac.abort(err);
      reject(err);
    }, ms);
  });
  return Promise.race([Promise.resolve().then(() => fn(ac.signal)), limit]).finally(() => clearTimeout(timer));
}
