/**
 * Sequential (pipeline) orchestration.
 * @module
 */
import { AgentflowError, type FailureReason } from '../core/errors.js';
import type { AgentRun, DispatchContext, OrchestrationResult, Orchestrator } from '../core/orchestrator.js';
import type { State } from '../core/state.js';

/**
 * A step of a sequential pipeline failed; the pipeline stopped there.
 *
 * @example
 * ```ts
 * if (err.cause instanceof SequentialStepError) console.log(err.cause.step, err.cause.agentId);
 * ```
 */
export class SequentialStepError extends AgentflowError {
  readonly agentId: string;
  /** 0-based index of the failing step. */
  readonly step: number;
  constructor(agentId: string, step: number, total: number, cause: AgentflowError) {
    super(cause.code, `sequential agent "${agentId}" (step ${step + 1} of ${total}) failed: ${cause.message}`, {
      cause,
      retryable: cause.retryable,
      details: { ...cause.details, agentId, step },
    });
    this.agentId = agentId;
    this.step = step;
  }
}

/**
 * Options for {@link sequential}.
 *
 * @example
 * ```ts
 * sequential({ agents: ['extract', 'summarize', 'format'] });
 * ```
 */
export interface SequentialOptions {
  /** The pipeline, in order. */
  agents: readonly string[];
}

/**
 * Runs the agents in order, each on the previous one's output state. The
 * first failure stops the pipeline at that agent: the event fails with a
 * {@link SequentialStepError} naming the agent and step, keeping the original
 * error's code and reason; later agents do not run.
 *
 * @example
 * ```ts
 * const runner = createRunner({ orchestrator: sequential({ agents: ['a', 'b', 'c'] }) });
 * ```
 */
export function sequential(options: SequentialOptions): Orchestrator {
  const agents = [...options.agents];
  return {
    mode: 'sequential',
    async dispatch(ctx: DispatchContext, _target: string, state: State): Promise<OrchestrationResult> {
      return runPipeline(ctx, agents, state);
    },
  };
}

/**
 * Runs agents in order on each other's output; stops at the first failure.
 * Shared by sequential and mixed.
 *
 * @example
 * ```ts
 * const result = await runPipeline(ctx, ['extract', 'summarize'], state);
 * ```
 */
export async function runPipeline(ctx: DispatchContext, agents: readonly string[], state: State): Promise<OrchestrationResult> {
  const runs: AgentRun[] = [];
  let current = state;
  for (let i = 0; i < agents.length; i++) {
    const run = await ctx.runAgent(agents[i]!, current);
    runs.push(run);
    if (run.error !== undefined) {
      const reason: FailureReason = run.reason ?? 'agent_error';
      return { agentId: run.agentId, state: current, runs, agentResult: run.result, error: new SequentialStepError(run.agentId, i, agents.length, run.error), reason };
    }
    current = run.state;
    // A step's route is for the pipeline, not for the runner.
    if (i < agents.length - 1) current.deleteMeta('route');
  }
  const last = runs[runs.length - 1];
  return { agentId: last?.agentId ?? '', state: current, runs, agentResult: last?.result };
}
