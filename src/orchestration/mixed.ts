/**
 * Mixed orchestration: a collaborative phase, then a sequential phase.
 * @module
 */
import { InvalidOptionError } from '../core/errors.js';
import type { DispatchContext, OrchestrationResult, Orchestrator } from '../core/orchestrator.js';
import type { State } from '../core/state.js';
import { combine } from './collaborative.js';
import { mergeInListOrder, type MergeFn } from './merge.js';
import { runPipeline } from './sequential.js';

/**
 * Options for {@link mixed}.
 *
 * @example
 * ```ts
 * mixed({ collaborative: ['researcher', 'critic'], sequential: ['writer', 'editor'] });
 * ```
 */
export interface MixedOptions {
  collaborative?: readonly string[];
  sequential?: readonly string[];
  merge?: MergeFn;
}

/**
 * As AgenticGoKit's mixed mode: the collaborative agents run at once on the
 * event (the phase fails only if all of them fail), then the sequential
 * agents run in order on the merged output (the first failure stops it).
 * Either list may be empty, not both.
 *
 * @example
 * ```ts
 * const runner = createRunner({ orchestrator: mixed({ collaborative: ['a', 'b'], sequential: ['c'] }) });
 * ```
 */
export function mixed(options: MixedOptions): Orchestrator {
  const collab = [...(options.collaborative ?? [])];
  const seq = [...(options.sequential ?? [])];
  if (collab.length === 0 && seq.length === 0) throw new InvalidOptionError('agents', 'mixed orchestration needs collaborative or sequential agents');
  const merge = options.merge ?? mergeInListOrder;
  return {
    mode: 'mixed',
    async dispatch(ctx: DispatchContext, _target: string, state: State): Promise<OrchestrationResult> {
      let current = state;
      let first: OrchestrationResult | undefined;
      if (collab.length > 0) {
        const runs = await Promise.all(collab.map((a) => ctx.runAgent(a, state)));
        first = combine(collab, runs, state, merge, ctx.event.getId());
        if (first.error !== undefined || seq.length === 0) return first;
        current = first.state;
        current.deleteMeta('route');
      }
      const second = await runPipeline(ctx, seq, current);
      return { ...second, runs: [...(first?.runs ?? []), ...(second.runs ?? [])] };
    },
  };
}
