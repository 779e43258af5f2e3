/**
 * Reporting a final outcome: counters, the `event_end` trace entry, a debug
 * log line for failures, and the outcome on the bus.
 * @module
 */
import type { FailureReason } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { hopOf } from '../core/meta.js';
import type { EventOutcome, EventStatus } from '../core/outcome.js';
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
export function reportOutcome(w: ReportingWorker, bus: OutcomeBus, t: Task, v: Verdict, status: EventStatus, reason: FailureReason | undefined): void {
  const ev = t.event;
  if (status === 'completed') w.counters.completed++;
  else if (status === 'failed') w.counters.failed++;
  else w.counters.deadLettered++;
  const now = t.endedAt !== 0 ? t.endedAt : Date.now();
  const trace = w.trace;
  if (trace !== null) {
    const m = ev._meta;
    // A first attempt waited since the event's creation; a retry's wait is in its `retry` entry.
    const wait = t.attempt === 1 ? Math.max(0, t.startedAt - ev.getTimestampMs()) : NaN;
    try {
      if (trace instanceof InMemoryTraceLogger && !trace.filtered) {
        trace.logEventEnd(now, ev._id, m.session_id ?? '', t.agentId, now - t.startedAt, status, reason, v.error === undefined ? undefined : toTraceError(v.error), m.parent_event, m.route || ev._target, ev._source === '' ? undefined : ev._source, m.hop_count === undefined ? 0 : hopOf(m), t.attempt, wait);
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
    const o: EventOutcome = {
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
    bus.publish({ type: 'outcome', outcome: o });
  }
}
