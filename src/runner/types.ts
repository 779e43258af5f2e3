/**
 * Types the runner reports: outcomes, stats, run results, and the plug-in
 * points for retries and dead letters.
 * @module
 */
import type { AgentflowError } from '../core/errors.js';
import type { Event } from '../core/event.js';
import type { DeadLetterRecord, EventOutcome, EventStatus } from '../core/outcome.js';

export type { DeadLetterRecord, EventOutcome, EventStatus };
import type { State } from '../core/state.js';



/**
 * What `await runner.run(event)` resolves to: the end of the chain the event
 * started.
 *
 * @example
 * ```ts
 * const { state, events } = await runner.run(newEvent('data_processor', { data: 'x' }));
 * state.get('final_result');
 * ```
 */
export interface RunResult {
  /** The final state of the last event of the chain to finish. */
  state: State;
  /** That last event's id and agent. */
  eventId: string;
  agentId: string;
  sessionId: string;
  /** Every outcome in the chain, in completion order. */
  outcomes: EventOutcome[];
  /** How many events the chain ran. */
  events: number;
}

/**
 * Counters since the runner was created. At rest (nothing queued or in
 * flight) `emitted === completed + failed + deadLettered`.
 *
 * @example
 * ```ts
 * const s = runner.stats();
 * console.log(`${s.completed}/${s.emitted} done, ${s.inFlight} running`);
 * ```
 */
export interface RunnerStats {
  emitted: number;
  completed: number;
  failed: number;
  deadLettered: number;
  /** Retry attempts scheduled (an event retried twice counts 2). */
  retried: number;
  inFlight: number;
  queued: number;
  /** Retries waiting for their backoff delay. */
  retryPending: number;
  /** Errors thrown by AgentError / AfterEventHandling callbacks (recorded, not fatal). */
  callbackErrors: number;
}

/**
 * Decides whether a failed attempt is retried. Return the delay in ms before
 * the next attempt, or a negative number to give up.
 *
 * @example
 * ```ts
 * const retryTwice: RetryDecider = { delayFor: (err, attempt) => (err.retryable && attempt < 3 ? 100 * attempt : -1) };
 * ```
 */
export interface RetryDecider {
  delayFor(error: AgentflowError, attempt: number, event: Event, agentId: string): number;
}


/**
 * Receives dead-lettered events (a bounded queue, a file, an agent...).
 *
 * @example
 * ```ts
 * const sink: DeadLetterSink = { add: (rec) => console.error('dead letter', rec.id, rec.reason) };
 * createRunner({ deadLetter: sink });
 * ```
 */
export interface DeadLetterSink {
  add(record: DeadLetterRecord): void;
}

/**
 * Lifecycle states of a runner: `idle` → `starting` → `running` →
 * `stopping` → `stopped` (and `start()` again from `stopped`).
 *
 * @example
 * ```ts
 * if (runner.getStatus() !== 'running') await runner.start();
 * ```
 */
export type RunnerStatus = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';
