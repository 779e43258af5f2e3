/**
 * What the runtime reports about a finished event: its status, outcome and
 * dead-letter record. Plain data, so an outcome can cross a process boundary
 * (the outcome bus) and a record can be stored (dead-letter stores).
 * @module
 */
import type { ActivityMessage } from './activity.js';
import type { AgentResult } from './agent.js';
import type { AgentflowError, FailureReason } from './errors.js';
import type { Event, EventJSON } from './event.js';
import type { State } from './state.js';

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
  /**
   * Set when another process produced this outcome (it came through the
   * transport's outcome channel). A remote outcome's `event` carries the
   * event's id, time, agents and metadata but not its data (that was in the
   * published event). Per-process consumers (metrics, error routing) skip
   * remote outcomes: the process that ran the event already counted it.
   */
  remote?: true;
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
  /**
   * Which write of this id the record is, set when a durable store keeps
   * it: an event dead-lettered again after a replay has a new `rev`, so
   * removing the old write never removes the new one.
   */
  rev?: string;
}

/**
 * A message on the outcome bus:
 * - `published`: events now exist in the transport (an `emit`, or the
 *   children a settled delivery produced, with their parent's id);
 * - `outcome`: an event's final outcome (after its last attempt);
 * - `activity`: something an agent did while running (a token, a tool call
 *   or result, a handoff): see {@link ActivityMessage};
 * - `cancel`: a chain was cancelled in another process (`runner.cancel`, a
 *   stream the caller stopped reading); workers abort its events.
 *
 * @example
 * ```ts
 * runner.getOutcomeBus().subscribe((m) => { if (m.type === 'outcome') console.log(m.outcome.status) });
 * ```
 */
export type BusMessage =
  | { readonly type: 'published'; readonly parentId: string | undefined; readonly events: readonly Event[]; readonly remote?: true }
  | { readonly type: 'outcome'; readonly outcome: EventOutcome }
  | { readonly type: 'activity'; readonly message: ActivityMessage }
  | { readonly type: 'cancel'; readonly chainId: string; readonly message: string };
