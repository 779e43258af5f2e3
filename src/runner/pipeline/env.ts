/**
 * What the pipeline needs from the worker that runs it, and what it
 * returns: a {@link Verdict}.
 * @module
 */
import type { AgentResult } from '../../core/agent.js';
import type { AgentflowError, FailureReason } from '../../core/errors.js';
import type { Event } from '../../core/event.js';
import type { CallbackRegistry } from '../../core/hooks.js';
import type { Logger } from '../../core/logger.js';
import type { Orchestrator } from '../../core/orchestrator.js';
import type { State } from '../../core/state.js';
import type { TraceLogger } from '../../core/trace.js';
import type { AgentTable } from '../agents.js';
import type { RunnerConfig } from '../config.js';
import type { ExpiryClock } from '../expiry-clock.js';
import type { Task } from '../task.js';

/**
 * The pipeline's result for one delivery: what happened, with the state
 * and the children to publish when the delivery is settled. The dispatcher
 * turns it into a settlement (ack, retry or dead) and an outcome.
 *
 * @example
 * ```ts
 * const v: Verdict = { status: 'completed', agentId: 'a', state, children: [] };
 * ```
 */
export interface Verdict {
  status: 'completed' | 'failed';
  /** The agent credited (for collaborative: a comma-joined list; `""` if none was resolved). */
  agentId: string;
  /** Output state on success, input state otherwise. */
  state: State;
  reason?: FailureReason;
  error?: AgentflowError;
  agentResult?: AgentResult;
  /** Events this delivery produced (route hop, broadcast copies, ctx.emit). */
  children: readonly Event[];
  /** The failure ends the event without consulting the retry policy (admission checks, a `BeforeEventHandling` rejection). */
  final?: boolean;
}

/**
 * Counters the pipeline updates.
 *
 * @example
 * ```ts
 * env.counters.callbackErrors++;
 * ```
 */
export interface PipelineCounters {
  callbackErrors: number;
}

/**
 * The worker as the pipeline sees it.
 *
 * @example
 * ```ts
 * runPipeline(env, task, (t, verdict) => worker.settle(t, verdict));
 * ```
 */
export interface PipelineEnv {
  readonly config: Readonly<RunnerConfig>;
  readonly agents: AgentTable;
  readonly registry: CallbackRegistry;
  readonly orchestrator: Orchestrator | undefined;
  readonly clock: ExpiryClock<Task>;
  readonly logger: Logger;
  readonly counters: PipelineCounters;
  /** The trace logger (`null` when tracing is off). */
  readonly trace: TraceLogger | null;
  /** The trace logger when `traceDetail` is `full`, else `null`. */
  readonly traceFull: TraceLogger | null;
  /** Whether the runner is running (not stopping). */
  running(): boolean;
  /** Validates an event before it becomes a child (payload limit); throws a typed error. */
  checkEvent(event: Event): void;
  /** Cancelled chains (chain id → the error their events end with); usually empty. */
  readonly cancelled: ReadonlyMap<string, AgentflowError>;
}

/**
 * The continuation a pipeline calls exactly once per task, possibly synchronously.
 *
 * @example
 * ```ts
 * const done: Done = (t, v) => console.log(t.eventId, v.status);
 * ```
 */
export type Done = (t: Task, v: Verdict) => void;

/**
 * The shared empty children list (no allocation per childless verdict).
 *
 * @example
 * ```ts
 * const v: Verdict = { status: 'completed', agentId: 'a', state, children: NO_CHILDREN };
 * ```
 */
export const NO_CHILDREN: readonly Event[] = Object.freeze([]);
