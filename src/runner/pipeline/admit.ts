/**
 * Stage 1 and 2 of the pipeline: the limits that apply before anything
 * runs (hop limit, deadline, timeout) and the input state.
 * @module
 */
import { parseDuration } from '../../core/duration.js';
import { DeadlineExceededError, HopLimitExceededError, InvalidDurationError, InvalidEventDataError, PayloadTooLargeError, type AgentflowError } from '../../core/errors.js';
import { Event } from '../../core/event.js';
import { PRIMITIVE_JSON_BOUND } from '../../core/json.js';
import { hopOf } from '../../core/meta.js';
import { State } from '../../core/state.js';
import type { AgentEntry } from '../agents.js';
import type { Task } from '../task.js';
import type { PipelineEnv, Verdict } from './env.js';
import { borrowInput, failed as failedVerdict, inputStateOf } from './results.js';

const failed: typeof failedVerdict = (...args) => ({ ...failedVerdict(...args), final: true });

/**
 * Checks the hop limit and the event's deadline, arms the expiry (the
 * shortest of the runner's timeout, the event's `timeout` and its
 * `deadline`; an event may shorten its time but `timeout: "0s"` does not
 * remove the runner's bound) and builds the input state. Returns the state,
 * or a failed verdict.
 *
 * @example
 * ```ts
 * const input = admit(env, task);
 * if (!(input instanceof State)) return done(task, input);
 * ```
 */
export function admit(env: PipelineEnv, t: Task): State | Verdict {
  const ev = t.event;
  const meta = ev._meta;
  if (env.cancelled.size !== 0) {
    const c = env.cancelled.get(meta.chain_id ?? ev._id);
    if (c !== undefined) return failed(t, 'cancelled', c, inputStateOf(ev));
  }
  const hops = meta.hop_count === undefined ? 0 : hopOf(meta);
  if (hops > env.config.maxHops) {
    return failed(t, 'hop_limit_exceeded', new HopLimitExceededError(ev._id, hops, env.config.maxHops, meta.route ?? ev._target), inputStateOf(ev));
  }
  let timeoutMs = env.config.timeoutMs;
  if (meta.timeout !== undefined || meta.deadline !== undefined) {
    try {
      if (meta.timeout !== undefined) {
        const own = parseDuration(meta.timeout, `metadata "timeout" of event ${ev._id}`);
        if (own > 0 && (timeoutMs === 0 || own < timeoutMs)) timeoutMs = own;
      }
      if (meta.deadline !== undefined) {
        const d = Date.parse(meta.deadline);
        if (Number.isNaN(d)) throw new InvalidDurationError(meta.deadline, `metadata "deadline" of event ${ev._id} (expected RFC 3339)`);
        if (d <= Date.now()) return failed(t, 'deadline_exceeded', new DeadlineExceededError(ev._id, meta.deadline), inputStateOf(ev));
        t.expiry = d;
        t.expiryIsDeadline = true;
      }
    } catch (err) {
      return failed(t, 'invalid_event', err as AgentflowError, inputStateOf(ev));
    }
  }
  if (timeoutMs > 0) {
    const at = t.startedAt + timeoutMs;
    if (t.expiry === 0 || at < t.expiry) {
      t.expiry = at;
      t.expiryIsDeadline = false;
      t.expiryTimeoutMs = timeoutMs;
    }
  }
  if (t.expiry !== 0) env.clock.watch(t);
  try {
    return borrowInput(ev);
  } catch (err) {
    return failed(t, 'invalid_event', err as AgentflowError, new State());
  }
}

/**
 * Arms the agent's own timeout when it is shorter than what is armed.
 *
 * @example
 * ```ts
 * applyAgentTimeout(env, task, env.agents.get('slow')!);
 * ```
 */
export function applyAgentTimeout(env: PipelineEnv, t: Task, entry: AgentEntry): void {
  const agentTimeout = entry.agent?.timeoutMs;
  if (agentTimeout === undefined || !(agentTimeout > 0)) return;
  const at = Date.now() + agentTimeout;
  if (t.expiry === 0 || at < t.expiry) {
    t.expiry = at;
    t.expiryIsDeadline = false;
    t.expiryTimeoutMs = agentTimeout;
    env.clock.watch(t);
  }
}

/**
 * Checks an event a caller or a handler emits: it must be an {@link Event}
 * and its data plus metadata must fit in `limit` JSON bytes (0: no limit).
 *
 * @example
 * ```ts
 * checkEmitted(ev, 1_048_576); // throws PayloadTooLargeError naming the event
 * ```
 */
export function checkEmitted(event: Event, limit: number): void {
  if (!(event instanceof Event)) throw new InvalidEventDataError('event', 'emit() needs an Event created with newEvent()');
  // Hot path: a cheap upper bound of the JSON size clears almost every event without serialising it.
  // (The bound is known when newEvent copied flat data and the metadata is the one it copied.)
  if (limit > 0 && (event._bound >= 0 && event._boundMeta === event._meta ? limit - event._bound : sizeLeft(event._meta, sizeLeft(event._data, limit))) < 0) {
    const bytes = Buffer.byteLength(JSON.stringify(event._data)) + Buffer.byteLength(JSON.stringify(event._meta));
    if (bytes > limit) throw new PayloadTooLargeError(event._id, bytes, limit);
  }
}

/**
 * `left` minus an upper bound of `v`'s UTF-8 JSON size (a UTF-16 unit is at
 * most 6 bytes, escaped); stops early once negative.
 */
function sizeLeft(v: unknown, left: number): number {
  if (typeof v === 'string') return left - 6 * v.length - 2;
  if (typeof v !== 'object' || v === null) return left - PRIMITIVE_JSON_BOUND;
  left -= 2;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length && left >= 0; i++) left = sizeLeft(v[i], left - 1);
    return left;
  }
  for (const k in v) {
    left = sizeLeft((v as Record<string, unknown>)[k], left - 6 * k.length - 4);
    if (left < 0) return left;
  }
  return left;
}
