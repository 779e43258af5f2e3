/**
 * Where an agent's reported activity goes: the session trace (tool calls,
 * results, handoffs; never tokens) and the outcome bus (everything, when
 * someone listens).
 * @module
 */
import { activityDetail, type ActivityMessage, type AgentActivity } from '../core/activity.js';
import type { Logger } from '../core/logger.js';
import type { TraceLogger } from '../core/trace.js';
import type { OutcomeBus } from './outcomes.js';
import { traceEntry, type Task } from './task.js';

/**
 * The metadata key that marks a chain as streamed (`runner.stream()` sets
 * it; children inherit it): its activity is carried to other processes.
 *
 * @example
 * ```ts
 * ev.setMetadata(STREAM_META, '1');
 * ```
 */
export const STREAM_META = 'af_stream';

/**
 * Records one activity of `agentId` while `t` runs. A throwing trace logger
 * is logged, never thrown at the agent.
 *
 * @example
 * ```ts
 * reportActivity(trace, bus, logger, task, 'writer', { kind: 'token', text: 'Once' });
 * ```
 */
export function reportActivity(trace: TraceLogger | null, bus: OutcomeBus, logger: Logger, t: Task, agentId: string, a: AgentActivity): void {
  if (trace !== null && a.kind !== 'token') {
    try {
      const e = traceEntry(a.kind, t, agentId);
      e.detail = activityDetail(a);
      if (a.kind === 'tool_result') {
        e.durationMs = a.durationMs;
        if (a.error !== undefined) e.error = a.error;
      }
      trace.log(e);
    } catch (err) {
      logger.warn({ eventId: t.event._id, err }, 'trace logger threw while recording agent activity');
    }
  }
  const scope = t.scope;
  if (scope?.activity !== undefined && a.kind !== 'token') {
    try {
      scope.activity(agentId, a);
    } catch (err) {
      logger.warn({ eventId: t.event._id, err: (err as Error).message }, 'instrumentation threw while recording agent activity');
    }
  }
  if (!bus.active) return;
  const m = t.event._meta;
  const message: ActivityMessage = {
    activity: a,
    eventId: t.event._id,
    sessionId: m.session_id ?? '',
    chainId: m.chain_id ?? t.event._id,
    agentId,
    attempt: t.attempt,
    timestamp: Date.now(),
  };
  bus.publishActivity(message, m[STREAM_META] !== undefined);
}
