/**
 * How collaborative results are merged.
 * @module
 */
import type { AgentRun } from '../core/orchestrator.js';
import { State } from '../core/state.js';

/**
 * Combines the successful runs of a collaborative event into one state.
 * Receives the runs in agent-list order (never completion order) and the
 * event's input state.
 *
 * @example
 * ```ts
 * const keepFirst: MergeFn = (runs, input) => runs[0]?.state ?? input;
 * collaborative({ merge: keepFirst });
 * ```
 */
export type MergeFn = (runs: readonly AgentRun[], input: State) => State;

/**
 * The default merge rule: start from the input state; apply each successful
 * agent's output in agent-list order, so on a conflicting data key or
 * metadata key the agent later in the list wins. Independent of the order in
 * which the agents finished. The output meta `route` is dropped unless every
 * successful agent agrees on it.
 *
 * @example
 * ```ts
 * const merged = mergeInListOrder(runs, input);
 * ```
 */
export function mergeInListOrder(runs: readonly AgentRun[], input: State): State {
  const out = input.clone();
  const routes = new Set<string>();
  for (const run of runs) {
    if (run.error !== undefined) continue;
    const s = run.state;
    for (const k of s.keys()) out.set(k, s.get(k)!);
    for (const k of s.metaKeys()) out.setMeta(k, s.getMeta(k)!);
    routes.add(s.getMeta('route') ?? '');
  }
  if (routes.size !== 1) out.deleteMeta('route');
  return out;
}
