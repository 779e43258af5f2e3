/**
 * The orchestrator interface: how one event is dispatched to agents. The
 * runner's default is `route` (one agent, chosen by metadata `route` or the
 * target id); `agentflow/orchestration` provides collaborative, sequential,
 * loop and mixed.
 * @module
 */
import type { AgentResult } from './agent.js';
import type { AgentflowError, FailureReason } from './errors.js';
import type { Event } from './event.js';
import type { Logger } from './logger.js';
import type { State } from './state.js';

/**
 * The outcome of running one agent inside an orchestration.
 *
 * @example
 * ```ts
 * const run = await ctx.runAgent('analyzer', state);
 * if (run.error) console.log(run.agentId, run.reason, run.error.message);
 * ```
 */
export interface AgentRun {
  agentId: string;
  /** The agent's output state (after AfterAgentRun callbacks), or its input state when it failed. */
  state: State;
  result?: AgentResult;
  error?: AgentflowError;
  reason?: FailureReason;
}

/**
 * What an orchestrator may do while dispatching one event.
 *
 * @example
 * ```ts
 * const runs = await Promise.all(ctx.agentNames().map((a) => ctx.runAgent(a, state)));
 * ```
 */
export interface DispatchContext {
  readonly event: Event;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** Registered agent names, in registration order. */
  agentNames(): string[];
  hasAgent(name: string): boolean;
  /**
   * Runs one agent on a private copy of `state`. BeforeAgentRun, AgentError
   * (on failure) and AfterAgentRun fire once for this agent. Never throws:
   * failures come back in the result.
   */
  runAgent(agentId: string, state: State): Promise<AgentRun>;
}

/**
 * The result of dispatching one event.
 *
 * @example
 * ```ts
 * const r: OrchestrationResult = { agentId: 'a', state: out };
 * ```
 */
export interface OrchestrationResult {
  /** The final state; its meta `route`, if any, chains to the next agent. */
  state: State;
  /** The agent credited with the result (for collaborative: a comma-joined list). */
  agentId: string;
  agentResult?: AgentResult;
  error?: AgentflowError;
  reason?: FailureReason;
  /** Every agent run, in completion order, with its error if it failed. */
  runs?: AgentRun[];
}

/**
 * A dispatch strategy.
 *
 * @example
 * ```ts
 * const firstOnly: Orchestrator = {
 *   mode: 'first',
 *   async dispatch(ctx, target, state) {
 *     const run = await ctx.runAgent(ctx.agentNames()[0]!, state);
 *     return { agentId: run.agentId, state: run.state, error: run.error, reason: run.reason, agentResult: run.result };
 *   },
 * };
 * createRunner({ orchestrator: firstOnly });
 * ```
 */
export interface Orchestrator {
  readonly mode: string;
  /** `target` is the event's resolved target: metadata `route` or the target agent id. */
  dispatch(ctx: DispatchContext, target: string, state: State): Promise<OrchestrationResult>;
}

const ROUTE: Orchestrator = {
  mode: 'route',
  async dispatch(ctx, target, state) {
    const run = await ctx.runAgent(target, state);
    return { agentId: run.agentId, state: run.state, agentResult: run.result, error: run.error, reason: run.reason, runs: [run] };
  },
};

/**
 * The route orchestrator: the runner's built-in default, as an object. The
 * runner recognises this exact object and uses its own route dispatch (and
 * fast path); any other orchestrator, whatever its `mode`, is used as given.
 *
 * @example
 * ```ts
 * createRunner({ orchestrator: routeOrchestrator() });
 * ```
 */
export function routeOrchestrator(): Orchestrator {
  return ROUTE;
}
