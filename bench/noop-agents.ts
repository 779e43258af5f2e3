/** The agents module of the worker-process benchmarks: one no-op agent. */
import type { AgentContext, Event, State } from '../src/index.js';

export function noop(_ctx: AgentContext, _event: Event, state: State): State {
  return state;
}
