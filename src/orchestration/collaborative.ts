/**
 * Collaborative (fan-out) orchestration.
 * @module
 */
import { AgentFailedError, AgentflowError, ErrorCodes } from '../core/errors.js';
import type { AgentRun, DispatchContext, OrchestrationResult, Orchestrator } from '../core/orchestrator.js';
import type { State } from '../core/state.js';
import { mergeInListOrder, type MergeFn } from './merge.js';

/**
 * Options for {@link collaborative}.
 *
 * @example
 * ```ts
 * collaborative({ agents: ['researcher', 'critic'], merge: mergeInListOrder });
 * ```
 */
export interface CollaborativeOptions {
  /** The collaborating agents, in merge order. Default: every registered agent, in registration order. */
  agents?: readonly string[];
  /** How successful outputs are combined. Default {@link mergeInListOrder}. */
  merge?: MergeFn;
}

/**
 * Every event runs on all collaborating agents at once; each gets its own
 * copy of the input state, and BeforeAgentRun / AgentError / AfterAgentRun
 * fire once per agent. The successful outputs are merged (deterministically,
 * see {@link mergeInListOrder}). The event fails only if every agent fails;
 * otherwise it succeeds, and the failed agents are listed in the output meta
 * `failed_agents` (comma-separated) and in `OrchestrationResult.runs`, each
 * with its error; the trace has one `agent_end` entry per agent with its
 * error.
 *
 * @example
 * ```ts
 * const runner = createRunner({ orchestrator: collaborative({ agents: ['a', 'b', 'c'] }) });
 * ```
 */
export function collaborative(options: CollaborativeOptions = {}): Orchestrator {
  const merge = options.merge ?? mergeInListOrder;
  return {
    mode: 'collaborative',
    async dispatch(ctx: DispatchContext, _target: string, state: State): Promise<OrchestrationResult> {
      const agents = options.agents ?? ctx.agentNames();
      const runs = await Promise.all(agents.map((a) => ctx.runAgent(a, state)));
      return combine(agents, runs, state, merge, ctx.event.getId());
    },
  };
}

/**
 * Combines collaborative runs: fails only when every run failed, else merges
 * the successful ones and lists the failed agents in meta `failed_agents`.
 * Shared by collaborative and mixed.
 *
 * @example
 * ```ts
 * const result = combine(['a', 'b'], runs, input, mergeInListOrder, event.getId());
 * ```
 */
export function combine(agents: readonly string[], runs: AgentRun[], input: State, merge: MergeFn, eventId: string): OrchestrationResult {
  const ok = runs.filter((r) => r.error === undefined);
  const failed = runs.filter((r) => r.error !== undefined);
  const agentId = agents.join(',');
  if (runs.length === 0) {
    return { agentId, state: input, runs, error: new AgentFailedError('(none)', eventId, new Error('no collaborating agents are registered')), reason: 'no_such_agent' };
  }
  if (ok.length === 0) {
    const error = new CollaborationFailedError(eventId, failed);
    return { agentId, state: input, runs, error, reason: failed.every((r) => r.reason === failed[0]!.reason) ? failed[0]!.reason : 'agent_error' };
  }
  let merged: State;
  try {
    merged = merge(ok, input);
  } catch (err) {
    return { agentId, state: input, runs, error: new AgentFailedError(agentId, eventId, err), reason: 'agent_error' };
  }
  if (failed.length > 0) merged.setMeta('failed_agents', failed.map((r) => r.agentId).join(','));
  const last = ok[ok.length - 1]!;
  return { agentId, state: merged, runs, agentResult: last.result };
}

/**
 * Every agent of a collaborative event failed. `failures` keeps each agent's
 * error.
 *
 * @example
 * ```ts
 * if (err.cause instanceof CollaborationFailedError) for (const f of err.cause.failures) console.log(f.agentId, f.error.message);
 * ```
 */
export class CollaborationFailedError extends AgentflowError {
  readonly failures: { agentId: string; error: AgentflowError }[];
  constructor(eventId: string, failed: readonly AgentRun[]) {
    super(ErrorCodes.AGENT_FAILED, `all ${failed.length} collaborating agents failed on event ${eventId}: ${failed.map((r) => `${r.agentId}: ${r.error!.message}`).join('; ')}`, {
      retryable: failed.some((r) => r.error!.retryable),
      details: { eventId, agents: failed.map((r) => r.agentId).join(',') },
    });
    this.failures = failed.map((r) => ({ agentId: r.agentId, error: r.error! }));
  }
}
