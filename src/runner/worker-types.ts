/**
 * The types a worker is assembled from and reports.
 * @module
 */
import type { CallbackRegistry } from '../core/hooks.js';
import type { Logger } from '../core/logger.js';
import type { TraceLogger } from '../core/trace.js';
import type { Transport } from '../transport/types.js';
import type { AgentTable } from './agents.js';
import type { RunnerConfig } from './config.js';
import type { OutcomeBus } from './outcomes.js';

/**
 * Counters a worker keeps (the runner's `stats()` reads them).
 *
 * @example
 * ```ts
 * const c: WorkerCounters = { emitted: 0, completed: 0, failed: 0, deadLettered: 0, retried: 0, callbackErrors: 0 };
 * ```
 */
export interface WorkerCounters {
  emitted: number;
  completed: number;
  failed: number;
  deadLettered: number;
  retried: number;
  callbackErrors: number;
}

/**
 * What a worker is assembled from.
 *
 * @example
 * ```ts
 * const w = new Worker({ transport, agents, registry, config, logger, bus, trace: new InMemoryTraceLogger() });
 * ```
 */
export interface WorkerOptions {
  readonly transport: Transport;
  readonly agents: AgentTable;
  readonly registry: CallbackRegistry;
  readonly config: Readonly<RunnerConfig>;
  readonly logger: Logger;
  readonly bus: OutcomeBus;
  readonly trace: TraceLogger | null;
  readonly counters?: WorkerCounters;
}

