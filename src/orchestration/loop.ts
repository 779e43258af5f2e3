/**
 * Loop orchestration.
 * @module
 */
import { InvalidOptionError } from '../core/errors.js';
import type { AgentRun, DispatchContext, OrchestrationResult, Orchestrator } from '../core/orchestrator.js';
import type { State } from '../core/state.js';

/**
 * Options for {@link loop}.
 *
 * @example
 * ```ts
 * loop({ agent: 'refiner', maxIterations: 3, until: (s) => (s.get('score') as number) > 0.9 });
 * ```
 */
export interface LoopOptions {
  /** The agent to repeat. */
  agent: string;
  /** Upper bound on iterations. Default 5 (as AgenticGoKit). */
  maxIterations?: number;
  /** Extra stop condition, checked after each iteration. */
  until?: (state: State, iteration: number) => boolean;
}

/**
 * Runs one agent repeatedly, each time on its own previous output, until the
 * output says stop (data `loop_completed === true` or meta
 * `loop_completed = "true"`), the `until` predicate holds, or
 * `maxIterations` is reached. Reaching the limit is a normal completion,
 * recorded in the output meta: `loop_iterations` (how many ran) and
 * `loop_exit` = `completed` | `predicate` | `max_iterations`. A failing
 * iteration fails the event. A `route` set by the last iteration chains to
 * that agent as usual; routes set by earlier iterations are dropped.
 *
 * @example
 * ```ts
 * const runner = createRunner({ orchestrator: loop({ agent: 'refiner', maxIterations: 4 }) });
 * ```
 */
export function loop(options: LoopOptions): Orchestrator {
  const max = options.maxIterations ?? 5;
  if (!(Number.isInteger(max) && max > 0)) throw new InvalidOptionError('maxIterations', `loop maxIterations must be a positive integer, got ${max}`);
  return {
    mode: 'loop',
    async dispatch(ctx: DispatchContext, _target: string, state: State): Promise<OrchestrationResult> {
      const runs: AgentRun[] = [];
      let current = state;
      let exit = 'max_iterations';
      for (let i = 1; i <= max; i++) {
        const run = await ctx.runAgent(options.agent, current);
        runs.push(run);
        if (run.error !== undefined) {
          return { agentId: options.agent, state: current, runs, agentResult: run.result, error: run.error, reason: run.reason ?? 'agent_error' };
        }
        current = run.state;
        if (current.get('loop_completed') === true || current.getMeta('loop_completed') === 'true') {
          exit = 'completed';
          break;
        }
        if (options.until?.(current, i)) {
          exit = 'predicate';
          break;
        }
        // Only the last iteration's route leaves the loop (to chain to a next agent).
        if (i < max) current.deleteMeta('route');
      }
      current.setMeta('loop_iterations', String(runs.length));
      current.setMeta('loop_exit', exit);
      return { agentId: options.agent, state: current, runs, agentResult: runs[runs.length - 1]?.result };
    },
  };
}
