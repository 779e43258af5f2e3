/**
 * Reporting a final outcome: counters, the `event_end` trace entry, a debug
 * log line for failures, and the outcome on the bus.
 * @module
 */
import { ErrorCodes, type FailureReason } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { hopOf } from '../core/meta.js';
import type { DeadLetterRecord, EventOutcome, EventStatus } from '../core/outcome.js';
import { InMemoryTraceLogger, toTraceError, type TraceLogger } from '../core/trace.js';
import type { OutcomeBus } from './outcomes.js';
import type { Verdict } from './pipeline/env.js';
import type { Task } from './task.js';

/**
 * What reporting needs from the worker.
 *
 * @example
 * ```ts
 * const w: ReportingWorker = { counters, trace: null, debug: false, logger };
 * ```
 */
export interface ReportingWorker {
  readonly counters: { completed: number; failed: number; deadLettered: number };
  readonly trace: TraceLogger | null;
  readonly debug: boolean;
  readonly logger: Logger;
}

/**
 * Records one final outcome (after the transport settled the delivery).
 *
 * @example
 * ```ts
 * reportOutcome(worker, bus, task, verdict, 'completed', undefined);
 * ```
 */
export function reportOutcome(w: ReportingWorker, bus: OutcomeBus, t: Task, v: Verdict, status: EventStatus, reason: FailureReason | undefined, prebuilt?: () => EventOutcome, announced = false): void {
  const ev = t.event;
  if (status === 'completed') w.counters.completed++;
  else if (status === 'failed') w.counters.failed++;
  else w.counters.deadLettered++;
  let now = t.endedAt;
  // A fresh reading of the runner's clock (after every callback ran): the task dispatched next may start at it.
  if (now === 0) t.endedAt = t.clockAt = now = Date.now();
  const trace = w.trace;
  if (trace !== null) {
    const m = ev._meta;
    // A first attempt waited since the event's creation; a retry's wait is in its `retry` entry.
    const wait = t.attempt === 1 ? Math.max(0, t.startedAt - ev.getTimestampMs()) : NaN;
    try {
      if (trace instanceof InMemoryTraceLogger && !trace.filtered) {
        trace.logEventEnd(now, ev, m.session_id ?? '', t.agentId, now - t.startedAt, status, reason, v.error === undefined ? undefined : toTraceError(v.error), m.parent_event, m.route || ev._target, ev._source === '' ? undefined : ev._source, m.hop_count === undefined ? 0 : hopOf(m), t.attempt, wait);
      } else {
        // One literal with every field: no hidden-class transitions on the hot path.
        trace.log({
          timestamp: now,
          type: 'event_end',
          eventId: ev._id,
          sessionId: m.session_id ?? '',
          agentId: t.agentId,
          durationMs: now - t.startedAt,
          queueWaitMs: Number.isNaN(wait) ? undefined : wait,
          status,
          reason,
          error: v.error === undefined ? undefined : toTraceError(v.error),
          parentEventId: m.parent_event,
          targetAgentId: m.route || ev._target,
          sourceAgentId: ev._source === '' ? undefined : ev._source,
          hopCount: m.hop_count === undefined ? 0 : hopOf(m),
          attempt: t.attempt,
        });
      }
    } catch (err) {
      w.logger.error({ eventId: ev._id, err }, 'trace logger threw; the outcome is still recorded');
    }
  }
  if (status !== 'completed' && w.debug) w.logger.debug({ eventId: ev._id, reason, err: v.error?.message }, 'event failed');
  if (bus.active) {
    const built = prebuilt?.(); // the one a transport announced (unless the status changed since: a dead-letter sink that threw)
    const m = { type: 'outcome' as const, outcome: built !== undefined && built.status === status ? built : outcomeOf(t, v, status, reason, now) };
    // A transport that announced the outcome with the settlement (atomically) already told the other processes.
    if (announced) bus.deliver(m);
    else bus.publish(m);
  }
}

/**
 * The final outcome of a task, as subscribers receive it.
 *
 * @example
 * ```ts
 * const o = outcomeOf(task, verdict, 'completed', undefined, Date.now());
 * ```
 */
export function outcomeOf(t: Task, v: Verdict, status: EventStatus, reason: FailureReason | undefined, now = t.endedAt !== 0 ? t.endedAt : Date.now()): EventOutcome {
  const ev = t.event;
  return {
    event: ev,
    eventId: ev._id,
    sessionId: ev._meta.session_id ?? '',
    agentId: t.agentId,
    status,
    reason,
    error: v.error,
    state: v.state,
    agentResult: v.agentResult,
    attempts: t.attempt,
    emitted: v.children.map((c) => c._id),
    durationMs: now - t.startedAt,
  };
}

/**
 * {@link outcomeOf}, built on first call and the same object afterwards.
 *
 * @example
 * ```ts
 * const outcome = lazyOutcome(task, verdict, 'completed', undefined);
 * outcome() === outcome(); // true
 * ```
 */
export function lazyOutcome(t: Task, v: Verdict, status: EventStatus, reason: FailureReason | undefined): () => EventOutcome {
  let o: EventOutcome | undefined;
  return () => (o ??= outcomeOf(t, v, status, reason));
}

/**
 * The dead-letter record of a task that failed for good.
 *
 * @example
 * ```ts
 * const record = deadRecordOf(task, verdict, 'retries_exhausted');
 * ```
 */
export function deadRecordOf(t: Task, v: Verdict, reason: FailureReason): DeadLetterRecord {
  const ev = t.event;
  return {
    id: ev._id,
    event: ev.toJSON(),
    reason,
    error: { code: v.error?.code ?? ErrorCodes.AGENT_FAILED, message: v.error?.message ?? reason },
    attempts: t.attempt,
    agentId: t.agentId,
    sessionId: ev._meta.session_id ?? '',
    at: Date.now(),
  };
}
