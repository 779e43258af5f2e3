/**
 * Types the runner reports: outcomes, stats, run results, and the plug-in
 * points for retries and dead letters.
 * @module
 */
import type { AgentResult } from '../core/agent.js';
import type { AgentflowError, FailureReason } from '../core/errors.js';
import type { Event, EventJSON } from '../core/event.js';
import type { State } from '../core/state.js';

/**
 * How an event ended.
 *
 * @example
 * ```ts
 * const s: EventStatus = 'dead_lettered';
 * ```
 */
export type EventStatus = 'completed' | 'failed' | 'dead_lettered';

/**
 * The final outcome of one event (after its last attempt).
 *
 * @example
 * ```ts
 * runner.onOutcome((o) => { if (o.status !== 'completed') console.warn(o.eventId, o.reason, o.error?.message) });
 * ```
 */
export interface EventOutcome {
  event: Event;
  eventId: string;
  sessionId: string;
  /** The agent that ran (or would have), `""` if none was resolved. */
  agentId: string;
  status: EventStatus;
  reason?: FailureReason;
  error?: AgentflowError;
  /** The final state (output on success, input state otherwise). */
  state: State;
  agentResult?: AgentResult;
  attempts: number;
  /** Ids of events this one produced (a chained hop, broadcast copies). */
  emitted: string[];
  durationMs: number;
}

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
 * One dead-lettered event.
 *
 * @example
 * ```ts
 * const rec: DeadLetterRecord = { id: 'dl-1', event: ev.toJSON(), reason: 'no_such_agent', error: { code, message }, attempts: 1, agentId: 'x', sessionId: 's', at: Date.now() };
 * ```
 */
export interface DeadLetterRecord {
  /** The dead-letter entry id (the event id). */
  id: string;
  event: EventJSON;
  reason: FailureReason;
  error: { code: string; message: string };
  attempts: number;
  agentId: string;
  sessionId: string;
  /** Epoch ms when it was dead-lettered. */
  at: number;
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
