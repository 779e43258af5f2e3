/**
 * Calls into the configured {@link Instrumentation}, isolating the runner
 * from a tracer that throws: a broken tracer is logged and ignored, never
 * fails an event.
 * @module
 */
import type { Event } from '../core/event.js';
import type { AgentEnd, AttemptEnd, AttemptScope, Instrumentation, RunScope } from '../core/instrumentation.js';
import type { Logger } from '../core/logger.js';
import type { Task } from './task.js';

/**
 * Opens the attempt scope of `t`, or `undefined` (no `attempt` method, or it threw).
 *
 * @example
 * ```ts
 * const scope = openAttempt(ins, task, 'memory', logger);
 * ```
 */
export function openAttempt(ins: Instrumentation, t: Task, transport: string, logger: Logger): AttemptScope | undefined {
  if (ins.attempt === undefined) return undefined;
  try {
    return ins.attempt({ event: t.event, agentId: t.event._target, attempt: t.attempt, transport });
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'instrumentation threw when an attempt started; running without it');
    return undefined;
  }
}

/**
 * Opens the scope of one agent call inside `t`'s attempt, or `undefined`
 * (none, or the tracer threw: the agent runs without it, never failing).
 *
 * @example
 * ```ts
 * const scope = openAgent(task, 'writer');
 * ```
 */
export function openAgent(t: Task, agentId: string): RunScope<AgentEnd> | undefined {
  try {
    return t.scope?.agent?.(agentId);
  } catch (err) {
    t.logger.warn({ err: (err as Error).message }, 'instrumentation threw when an agent call started; running without it');
    return undefined;
  }
}

/**
 * Ends the attempt scope of `t` once.
 *
 * @example
 * ```ts
 * endAttempt(task, { status: 'completed' }, logger);
 * ```
 */
export function endAttempt(t: Task, end: AttemptEnd, logger: Logger): void {
  const s = t.scope;
  if (s === undefined) return;
  t.scope = undefined;
  try {
    s.end(end);
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'instrumentation threw when an attempt ended');
  }
}

/**
 * Lets the instrumentation see (and stamp trace context on) events about to be published.
 *
 * @example
 * ```ts
 * publishScoped(ins, children, task.scope, logger);
 * ```
 */
export function publishScoped(ins: Instrumentation | undefined, events: readonly Event[], from: AttemptScope | undefined, logger: Logger): void {
  if (ins?.publish === undefined) return;
  try {
    ins.publish(events, from);
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'instrumentation threw on publish; events published without trace context');
  }
}
