/**
 * Orchestration modes: how one event is dispatched to agents.
 * `route` is the runner's default; this module adds `collaborative`
 * (alias `parallel`), `sequential`, `loop` and `mixed`.
 * @module
 */
import { InvalidOptionError, UnknownOrchestrationModeError } from '../core/errors.js';
import { routeOrchestrator } from '../core/orchestrator.js';
import type { Orchestrator } from '../core/orchestrator.js';
import { collaborative } from './collaborative.js';
import { loop } from './loop.js';
import type { MergeFn } from './merge.js';
import { mixed } from './mixed.js';
import { sequential } from './sequential.js';

export * from './collaborative.js';
export * from './sequential.js';
export * from './loop.js';
export * from './mixed.js';
export * from './merge.js';

/**
 * The orchestration mode names agentflow knows.
 *
 * @example
 * ```ts
 * ORCHESTRATION_MODES.includes('loop'); // true
 * ```
 */
export const ORCHESTRATION_MODES = ['route', 'collaborative', 'parallel', 'sequential', 'loop', 'mixed'] as const;

/**
 * One of {@link ORCHESTRATION_MODES}.
 *
 * @example
 * ```ts
 * const mode: OrchestrationMode = 'sequential';
 * ```
 */
export type OrchestrationMode = (typeof ORCHESTRATION_MODES)[number];

/**
 * Options for {@link createOrchestrator}, named as in `[orchestration]` of agentflow.toml.
 *
 * @example
 * ```ts
 * const opts: OrchestratorOptions = { sequentialAgents: ['a', 'b'] };
 * ```
 */
export interface OrchestratorOptions {
  collaborativeAgents?: readonly string[];
  sequentialAgents?: readonly string[];
  loopAgent?: string;
  maxIterations?: number;
  merge?: MergeFn;
}

export { routeOrchestrator } from '../core/orchestrator.js';

/**
 * Builds an orchestrator from a mode name, as `[orchestration] mode` does.
 * @throws {@link UnknownOrchestrationModeError} for an unknown mode; {@link InvalidOptionError} when the mode's agents are missing
 * @example
 * ```ts
 * const runner = createRunner({ orchestrator: createOrchestrator('sequential', { sequentialAgents: ['a', 'b'] }) });
 * ```
 */
export function createOrchestrator(mode: string, options: OrchestratorOptions = {}): Orchestrator {
  switch (mode) {
    case 'route':
      return routeOrchestrator();
    case 'collaborative':
    case 'parallel':
      return collaborative({ agents: options.collaborativeAgents?.length ? options.collaborativeAgents : undefined, merge: options.merge });
    case 'sequential':
      if (!options.sequentialAgents?.length) throw new InvalidOptionError('sequentialAgents', 'sequential orchestration requires sequential agents');
      return sequential({ agents: options.sequentialAgents });
    case 'loop':
      if (!options.loopAgent) throw new InvalidOptionError('loopAgent', 'loop orchestration requires a loop agent');
      return loop({ agent: options.loopAgent, maxIterations: options.maxIterations });
    case 'mixed':
      return mixed({ collaborative: options.collaborativeAgents, sequential: options.sequentialAgents, merge: options.merge });
    default:
      throw new UnknownOrchestrationModeError(mode, ORCHESTRATION_MODES);
  }
}
