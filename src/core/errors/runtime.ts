/**
 * Runtime errors: the runner, agents, callbacks and time limits.
 * @module
 */
import { AgentflowError, describeThrown, isRetryableCause, messageOf } from './base.js';
import { ErrorCodes, type FailureReason } from './codes.js';

/**
 * Thrown by `emit`/`run` when the runner is not running.
 *
 * @example
 * ```ts
 * try { runner.emit(ev) } catch (e) { if (e instanceof RunnerNotRunningError) await runner.start() }
 * ```
 */
export class RunnerNotRunningError extends AgentflowError {
  constructor(state: string, eventId?: string) {
    super(ErrorCodes.RUNNER_NOT_RUNNING, `runner is ${state}, not running: call start() before emitting${eventId ? ` (event ${eventId})` : ''}`, {
      details: { eventId, state },
    });
  }
}

/**
 * Thrown when the runner cannot move to the requested lifecycle state.
 *
 * @example
 * ```ts
 * await runner.start();
 * await runner.start(); // throws RunnerStateError
 * ```
 */
export class RunnerStateError extends AgentflowError {
  constructor(message: string) {
    super(ErrorCodes.RUNNER_STATE, message);
  }
}

/**
 * Thrown by a non-blocking `emit` when the bounded queue is full.
 *
 * @example
 * ```ts
 * try { runner.emit(ev) } catch (e) { if (e instanceof QueueFullError) await runner.send(ev, { timeoutMs: 1000 }) }
 * ```
 */
export class QueueFullError extends AgentflowError {
  constructor(capacity: number, eventId: string) {
    super(ErrorCodes.QUEUE_FULL, `queue is full (${capacity} events): event ${eventId} was not accepted`, {
      retryable: true,
      details: { eventId, capacity },
    });
  }
}

/**
 * No agent is registered under the name an event targets.
 *
 * @example
 * ```ts
 * runner.onOutcome((o) => { if (o.error?.code === 'AF_ERR_AGENT_NOT_FOUND') console.warn(o.error.message) });
 * ```
 */
export class AgentNotFoundError extends AgentflowError {
  constructor(agentId: string, eventId: string, known: readonly string[]) {
    const hint = known.length ? `registered agents: ${known.join(', ')}` : 'no agents are registered';
    const what = agentId === '' ? `event ${eventId} has no target: give newEvent() a target agent id or set metadata "route"` : `no agent named "${agentId}" for event ${eventId}`;
    super(ErrorCodes.AGENT_NOT_FOUND, `${what} (${hint})`, {
      details: { agentId, eventId },
    });
  }
}

/**
 * An agent of this name is already registered.
 *
 * @example
 * ```ts
 * runner.registerAgent('a', h);
 * runner.registerAgent('a', h); // throws AgentExistsError
 * ```
 */
export class AgentExistsError extends AgentflowError {
  constructor(name: string) {
    super(ErrorCodes.AGENT_EXISTS, `an agent named "${name}" is already registered`, { details: { agentId: name } });
  }
}

/**
 * The targeted agent is registered but disabled (`enabled: false`).
 *
 * @example
 * ```ts
 * if (err instanceof AgentDisabledError) console.log(err.details.agentId, 'is off');
 * ```
 */
export class AgentDisabledError extends AgentflowError {
  constructor(agentId: string, eventId: string) {
    super(ErrorCodes.AGENT_DISABLED, `agent "${agentId}" is disabled; event ${eventId} was not dispatched`, {
      details: { agentId, eventId },
    });
  }
}

/**
 * `registerAgent` received something that is neither a handler nor an agent.
 *
 * @example
 * ```ts
 * runner.registerAgent('x', 42 as never); // throws InvalidAgentError
 * ```
 */
export class InvalidAgentError extends AgentflowError {
  constructor(message: string, agentId?: string) {
    super(ErrorCodes.INVALID_AGENT, message, { details: { agentId } });
  }
}

/**
 * An agent's `initialize` (on start) or `shutdown` (on stop) failed.
 *
 * @example
 * ```ts
 * await runner.start().catch((e) => e instanceof AgentLifecycleError && console.error(e.details.agentId));
 * ```
 */
export class AgentLifecycleError extends AgentflowError {
  constructor(phase: 'initialize' | 'shutdown', agentId: string, cause: unknown) {
    super(ErrorCodes.AGENT_LIFECYCLE, `agent "${agentId}" failed to ${phase}: ${messageOf(cause)}`, {
      cause,
      details: { agentId, phase },
    });
  }
}

/**
 * Wraps whatever an agent handler threw, keeping the original as `cause`.
 * Its `retryable` flag is copied from the cause when the cause says.
 *
 * @example
 * ```ts
 * if (err instanceof AgentFailedError) console.error(err.details.agentId, err.cause);
 * ```
 */
export class AgentFailedError extends AgentflowError {
  constructor(agentId: string, eventId: string, cause: unknown) {
    super(ErrorCodes.AGENT_FAILED, `agent "${agentId}" failed on event ${eventId}: ${messageOf(cause)}`, {
      cause,
      retryable: isRetryableCause(cause),
      details: { agentId, eventId },
    });
  }
}

/**
 * A handler returned something that is neither an AgentResult nor a State.
 *
 * @example
 * ```ts
 * runner.registerAgent('bad', agentHandlerFunc(() => 42 as never)); // events to it fail with this error
 * ```
 */
export class InvalidAgentResultError extends AgentflowError {
  constructor(agentId: string, eventId: string, got: unknown) {
    super(
      ErrorCodes.INVALID_AGENT_RESULT,
      `agent "${agentId}" returned ${describeThrown(got)} for event ${eventId}; expected an AgentResult ({ outputState: State }) or a State`,
      { details: { agentId, eventId } },
    );
  }
}

/**
 * A callback with the same name is already registered on the same hook, or
 * a registration is malformed.
 *
 * @example
 * ```ts
 * runner.registerCallback(HookPoint.AfterAgentRun, 'metrics', fn);
 * runner.registerCallback(HookPoint.AfterAgentRun, 'metrics', fn); // throws CallbackError
 * ```
 */
export class CallbackError extends AgentflowError {
  constructor(code: typeof ErrorCodes.CALLBACK_EXISTS | typeof ErrorCodes.INVALID_CALLBACK, message: string, hook?: string, name?: string) {
    super(code, message, { details: { hook, callbackName: name } });
  }
}

/**
 * A hook callback threw; the event stops and this is its recorded failure.
 *
 * @example
 * ```ts
 * if (err instanceof HookRejectedError) console.log(err.details.hook, err.details.callbackName);
 * ```
 */
export class HookRejectedError extends AgentflowError {
  constructor(hook: string, callbackName: string, eventId: string, cause: unknown) {
    super(ErrorCodes.HOOK_REJECTED, `callback "${callbackName}" at ${hook} rejected event ${eventId}: ${messageOf(cause)}`, {
      cause,
      retryable: isRetryableCause(cause),
      details: { hook, callbackName, eventId },
    });
  }
}

/**
 * The event's timeout elapsed while its agent ran; the agent's AbortSignal fired.
 *
 * @example
 * ```ts
 * const ev = newEvent('slow', {}, { timeout: '2s' }); // fails with TimeoutError after 2 s
 * ```
 */
export class TimeoutError extends AgentflowError {
  constructor(agentId: string, eventId: string, timeoutMs: number) {
    super(ErrorCodes.TIMEOUT, `agent "${agentId}" timed out after ${timeoutMs} ms on event ${eventId}`, {
      retryable: true,
      details: { agentId, eventId, timeoutMs },
    });
  }
}

/**
 * The event's `deadline` passed before or while it ran.
 *
 * @example
 * ```ts
 * newEvent('a', {}, { deadline: new Date(Date.now() - 1).toISOString() }); // recorded as deadline_exceeded
 * ```
 */
export class DeadlineExceededError extends AgentflowError {
  constructor(eventId: string, deadline: string, agentId?: string) {
    super(ErrorCodes.DEADLINE_EXCEEDED, `event ${eventId} passed its deadline ${deadline}${agentId ? ` (agent "${agentId}")` : ''}`, {
      details: { eventId, deadline, agentId },
    });
  }
}

/**
 * A chain went past the hop limit (a likely routing loop).
 *
 * @example
 * ```ts
 * createRunner({ maxHops: 5 }); // the 6th hop of a chain fails with HopLimitExceededError
 * ```
 */
export class HopLimitExceededError extends AgentflowError {
  constructor(eventId: string, hopCount: number, maxHops: number, agentId?: string) {
    super(
      ErrorCodes.HOP_LIMIT_EXCEEDED,
      `event ${eventId} stopped: hop count ${hopCount} exceeds the limit of ${maxHops}${agentId ? ` (route to "${agentId}")` : ''}; is there a routing loop?`,
      { details: { eventId, hopCount, maxHops, agentId } },
    );
  }
}

/**
 * The runner stopped before the event ran, or aborted it while it ran.
 *
 * @example
 * ```ts
 * await runner.stop({ timeoutMs: 100 }); // events still running after 100 ms fail with ShutdownError
 * ```
 */
export class ShutdownError extends AgentflowError {
  constructor(eventId: string, when: 'queued' | 'running') {
    super(ErrorCodes.SHUTDOWN, `runner stopped while event ${eventId} was ${when}`, { details: { eventId, when } });
  }
}

/**
 * Thrown by `runner.run(event)` when the chain it started ended in failure.
 * `reason` is the stable failure reason (see {@link FailureReason}) and
 * `cause` the underlying error.
 *
 * @example
 * ```ts
 * try { await runner.run(ev) } catch (e) { if (e instanceof EventFailedError) console.log(e.reason) }
 * ```
 */
export class EventFailedError extends AgentflowError {
  /** Stable reason, such as `agent_error` or `no_such_agent`. */
  readonly reason: FailureReason;
  constructor(eventId: string, reason: FailureReason, cause: unknown, agentId?: string) {
    super(ErrorCodes.EVENT_FAILED, `event ${eventId} failed (${reason}): ${messageOf(cause)}`, {
      cause,
      details: { eventId, agentId, reason },
    });
    this.reason = reason;
  }
}

/**
 * Thrown by a handler to say that retrying cannot help (bad input,
 * authorization). The reliability layer dead-letters such failures at once.
 *
 * @example
 * ```ts
 * agentHandlerFunc(async (ctx, ev, state) => {
 *   if (!state.get('user')) throw new UnrecoverableError('no user in input');
 *   return state;
 * });
 * ```
 */
export class UnrecoverableError extends AgentflowError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(ErrorCodes.UNRECOVERABLE, message, { cause: options.cause, retryable: false });
  }
}


/**
 * A transport failed to publish, receive or settle. The event is recorded
 * with reason `transport_error` when it cannot be handed to the transport.
 *
 * @example
 * ```ts
 * runner.onOutcome((o) => { if (o.error instanceof TransportError) console.error(o.error.message) });
 * ```
 */
export class TransportError extends AgentflowError {
  constructor(transport: string, operation: string, cause: unknown, eventId?: string) {
    super(ErrorCodes.TRANSPORT, `transport "${transport}" failed to ${operation}${eventId ? ` event ${eventId}` : ''}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
      retryable: true,
      details: { eventId, transport, operation },
    });
  }
}

/**
 * Thrown when the dead-letter file cannot be read or written (permissions,
 * disk full, a file replaced under the writer too many times in a row).
 *
 * @example
 * ```ts
 * try { store.append(record) } catch (e) { if (e instanceof DeadLetterStoreError) console.error(e.details.path) }
 * ```
 */
export class DeadLetterStoreError extends AgentflowError {
  constructor(path: string, operation: string, cause: unknown) {
    super(ErrorCodes.DEAD_LETTER_STORE, `dead-letter file ${path}: cannot ${operation}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
      details: { path, operation },
    });
  }
}
