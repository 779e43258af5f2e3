/**
 * Small conversions the pipeline stages share: handler results, thrown
 * values and input states.
 * @module
 */
import type { AgentResult, AgentResultInit } from '../../core/agent.js';
import { AgentFailedError, AgentflowError, ErrorCodes, InvalidAgentResultError, failureReasonOf, type FailureReason } from '../../core/errors.js';
import type { Event, Metadata } from '../../core/event.js';
import { cloneRecord } from '../../core/json.js';
import { State } from '../../core/state.js';
import type { Task } from '../task.js';
import { NO_CHILDREN, type Verdict } from './env.js';

/**
 * A thrown `undefined` or `null` still has to count as a failure.
 *
 * @example
 * ```ts
 * thrownValue(undefined) instanceof Error; // true
 * ```
 */
export function thrownValue(err: unknown): unknown {
  return err ?? new Error(`handler threw ${String(err)}`);
}

/**
 * Any thrown value as an {@link AgentflowError} (non-agentflow errors are
 * wrapped in `AgentFailedError`).
 *
 * @example
 * ```ts
 * asAgentflowError(new Error('x'), 'a', 'e1').code; // 'AF_ERR_AGENT_FAILED'
 * ```
 */
export function asAgentflowError(err: unknown, agentId: string, eventId: string): AgentflowError {
  if (err instanceof AgentflowError) return err;
  return new AgentFailedError(agentId, eventId, err);
}

/**
 * The failure reason for a thrown value (from the error table).
 *
 * @example
 * ```ts
 * reasonOf(new Error('x'), 'agent_error'); // 'agent_error'
 * ```
 */
export const reasonOf: (err: unknown, fallback: FailureReason) => FailureReason = failureReasonOf;

/**
 * The input state's metadata: the event's, minus `route` (so an agent that
 * clones its input does not route to itself).
 *
 * @example
 * ```ts
 * inputMeta({ route: 'a', session_id: 's' }); // { session_id: 's' }
 * ```
 */
export function inputMeta(m: Metadata): Metadata {
  const out: Metadata = {};
  for (const k in m) if (k !== 'route') out[k] = m[k]!;
  return out;
}

/**
 * The event's input state (a copy of its data), or an empty state when the
 * data cannot be copied (used for failure outcomes).
 *
 * @example
 * ```ts
 * inputStateOf(event).get('name');
 * ```
 */
export function inputStateOf(ev: Event): State {
  try {
    return borrowInput(ev);
  } catch {
    return new State();
  }
}

/**
 * The event's input state, borrowing the event's data when it is flat (no
 * nested object an agent could change through `get`) and its metadata when
 * it has no `route`; either is copied on the state's first write
 * (copy-on-write). Throws when the data cannot be copied.
 *
 * @example
 * ```ts
 * const input = borrowInput(event);
 * input.set('seen', true); // the event's data is untouched
 * ```
 */
export function borrowInput(ev: Event): State {
  const d = ev._data;
  const flat = ev._bound >= 0 || State._isFlat(d) ? 1 : 0; // (a bound is known only for flat data)
  const m = ev._meta;
  const bare = m.route === undefined ? 2 : 0;
  return State._borrow(flat === 1 ? d : cloneRecord(d, 'data', ev._id), bare === 2 ? m : inputMeta(m), flat | bare);
}

/**
 * What a handler returned, as an {@link AgentResult}; throws
 * `InvalidAgentResultError` for anything else.
 *
 * @example
 * ```ts
 * normalizeResult(state, 'a', event, Date.now()).outputState === state; // true
 * ```
 */
export function normalizeResult(v: unknown, agentId: string, event: Event, started: number): AgentResult {
  if (v instanceof State) {
    const end = Date.now();
    return { outputState: v, startTime: started, endTime: end, duration: end - started };
  }
  if (v === null || typeof v !== 'object' || !((v as AgentResultInit).outputState instanceof State)) {
    throw new InvalidAgentResultError(agentId, event._id, v);
  }
  const r = v as AgentResultInit;
  const end = Date.now();
  const startTime = typeof r.startTime === 'number' ? r.startTime : started;
  const endTime = typeof r.endTime === 'number' ? r.endTime : end;
  return {
    outputState: r.outputState,
    startTime,
    endTime,
    duration: typeof r.duration === 'number' ? r.duration : endTime - startTime,
    error: r.error,
  };
}

/**
 * A failed verdict for a task, with the children it produced so far.
 *
 * @example
 * ```ts
 * done(t, failed(t, 'hop_limit_exceeded', err, inputStateOf(t.event)));
 * ```
 */
export function failed(t: Task, reason: FailureReason, error: AgentflowError, state: State, agentResult?: AgentResult): Verdict {
  return { status: 'failed', agentId: t.agentId, state, reason, error, agentResult, children: t.children ?? NO_CHILDREN };
}

/**
 * Whether an error is a callback's rejection (not a timeout or abort that
 * happened while a callback ran): a rejected event is not retried.
 *
 * @example
 * ```ts
 * isRejection(new HookRejectedError('BeforeEventHandling', 'guard', 'e1', new Error('no'))); // true
 * ```
 */
export function isRejection(err: unknown): boolean {
  return err instanceof AgentflowError && err.code === ErrorCodes.HOOK_REJECTED;
}
