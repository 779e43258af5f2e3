/**
 * The agentflow error registry.
 *
 * Every failure kind has its own class and a stable `code` (`AF_ERR_*`), so
 * callers branch on `err.code` rather than on message text. All classes extend
 * {@link AgentflowError}. Each error also says whether retrying the same work
 * can help (`retryable`), which the reliability layer uses to classify errors.
 *
 * @example
 * ```ts
 * import { AgentflowError, ErrorCodes } from 'agentflow';
 * try {
 *   runner.emit(event);
 * } catch (err) {
 *   if (err instanceof AgentflowError && err.code === ErrorCodes.QUEUE_FULL) {
 *     // back off and try again
 *   }
 * }
 * ```
 * @module
 */

/**
 * Every stable error code agentflow throws, by name.
 *
 * @example
 * ```ts
 * if (err.code === ErrorCodes.AGENT_NOT_FOUND) console.error('no such agent');
 * ```
 */
export const ErrorCodes = {
  /** `emit` or `run` called while the runner is not running. */
  RUNNER_NOT_RUNNING: 'AF_ERR_RUNNER_NOT_RUNNING',
  /** `start` called twice, or a runner restarted after `stop`. */
  RUNNER_STATE: 'AF_ERR_RUNNER_STATE',
  /** The bounded queue is full. */
  QUEUE_FULL: 'AF_ERR_QUEUE_FULL',
  /** No agent is registered under the event's target. */
  AGENT_NOT_FOUND: 'AF_ERR_AGENT_NOT_FOUND',
  /** An agent with this name is already registered. */
  AGENT_EXISTS: 'AF_ERR_AGENT_EXISTS',
  /** The agent is registered but disabled. */
  AGENT_DISABLED: 'AF_ERR_AGENT_DISABLED',
  /** `registerAgent` got something that is neither a handler nor an agent. */
  INVALID_AGENT: 'AF_ERR_INVALID_AGENT',
  /** An agent's `initialize` or `shutdown` failed. */
  AGENT_LIFECYCLE: 'AF_ERR_AGENT_LIFECYCLE',
  /** An agent handler threw or returned an error. */
  AGENT_FAILED: 'AF_ERR_AGENT_FAILED',
  /** A handler returned something that is not an AgentResult or a State. */
  INVALID_AGENT_RESULT: 'AF_ERR_INVALID_AGENT_RESULT',
  /** A callback with this name is already registered on this hook. */
  CALLBACK_EXISTS: 'AF_ERR_CALLBACK_EXISTS',
  /** A callback registration is malformed (empty name, no function, unknown hook). */
  INVALID_CALLBACK: 'AF_ERR_INVALID_CALLBACK',
  /** A hook callback threw, which stops the event. */
  HOOK_REJECTED: 'AF_ERR_HOOK_REJECTED',
  /** The event's timeout elapsed while its agent ran. */
  TIMEOUT: 'AF_ERR_TIMEOUT',
  /** The event's deadline had passed. */
  DEADLINE_EXCEEDED: 'AF_ERR_DEADLINE_EXCEEDED',
  /** A chain exceeded the hop limit. */
  HOP_LIMIT_EXCEEDED: 'AF_ERR_HOP_LIMIT_EXCEEDED',
  /** The runner stopped before or while the event ran. */
  SHUTDOWN: 'AF_ERR_SHUTDOWN',
  /** Event data or state holds a value that is not plain JSON, or a forbidden key. */
  INVALID_EVENT_DATA: 'AF_ERR_INVALID_EVENT_DATA',
  /** Event metadata holds a non-string value or a forbidden key. */
  INVALID_METADATA: 'AF_ERR_INVALID_METADATA',
  /** A serialized event does not have the expected shape. */
  INVALID_EVENT_JSON: 'AF_ERR_INVALID_EVENT_JSON',
  /** The event's payload is larger than the configured limit. */
  PAYLOAD_TOO_LARGE: 'AF_ERR_PAYLOAD_TOO_LARGE',
  /** A duration string such as `"30s"` could not be parsed. */
  INVALID_DURATION: 'AF_ERR_INVALID_DURATION',
  /** A runner or component option is invalid. */
  INVALID_OPTION: 'AF_ERR_INVALID_OPTION',
  /** An event ended in failure (thrown by `runner.run`). */
  EVENT_FAILED: 'AF_ERR_EVENT_FAILED',
  /** An orchestration mode name is unknown. */
  UNKNOWN_ORCHESTRATION_MODE: 'AF_ERR_UNKNOWN_ORCHESTRATION_MODE',
  /** A circuit breaker is open and fails fast. */
  CIRCUIT_OPEN: 'AF_ERR_CIRCUIT_OPEN',
  /** An error a handler marked as not worth retrying. */
  UNRECOVERABLE: 'AF_ERR_UNRECOVERABLE',
  /** A configuration file or object is invalid. */
  CONFIG_INVALID: 'AF_ERR_CONFIG_INVALID',
  /** A configuration file cannot be read. */
  CONFIG_NOT_FOUND: 'AF_ERR_CONFIG_NOT_FOUND',
  /** The LLM server could not be reached. */
  LLM_UNREACHABLE: 'AF_ERR_LLM_UNREACHABLE',
  /** The LLM server does not have the requested model. */
  LLM_MODEL_NOT_FOUND: 'AF_ERR_LLM_MODEL_NOT_FOUND',
  /** The LLM server answered with an error or a malformed response. */
  LLM_RESPONSE: 'AF_ERR_LLM_RESPONSE',
  /** The LLM server rate-limited the request. */
  LLM_RATE_LIMITED: 'AF_ERR_LLM_RATE_LIMITED',
  /** No LLM provider is registered under this name. */
  LLM_UNKNOWN_PROVIDER: 'AF_ERR_LLM_UNKNOWN_PROVIDER',
} as const;

/**
 * One of the stable error codes in {@link ErrorCodes}.
 *
 * @example
 * ```ts
 * const code: ErrorCode = 'AF_ERR_TIMEOUT';
 * ```
 */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/**
 * Extra, machine-readable facts attached to an error: which event, agent,
 * hook, key or file it concerns.
 *
 * @example
 * ```ts
 * const details: ErrorDetails = { eventId: ev.getId(), agentId: 'analyzer' };
 * ```
 */
export interface ErrorDetails {
  eventId?: string;
  agentId?: string;
  sessionId?: string;
  hook?: string;
  callbackName?: string;
  path?: string;
  file?: string;
  line?: number;
  column?: number;
  key?: string;
  [extra: string]: unknown;
}

/**
 * Base class of every error agentflow throws or records.
 *
 * @example
 * ```ts
 * if (err instanceof AgentflowError) console.log(err.code, err.details);
 * ```
 */
export class AgentflowError extends Error {
  /** Stable code, see {@link ErrorCodes}. */
  readonly code: ErrorCode;
  /** Whether retrying the same work may succeed. */
  readonly retryable: boolean;
  /** What the error concerns (event id, agent, key, file, ...). */
  readonly details: ErrorDetails;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; retryable?: boolean; details?: ErrorDetails } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? {};
  }

  /** A plain JSON form, safe to store in traces and dead-letter records. */
  toJSON(): { name: string; code: ErrorCode; message: string; retryable: boolean; details: ErrorDetails } {
    return { name: this.name, code: this.code, message: this.message, retryable: this.retryable, details: this.details };
  }
}

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
      `agent "${agentId}" returned ${describe(got)} for event ${eventId}; expected an AgentResult ({ outputState: State }) or a State`,
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
 * Event data or state holds something that is not a plain JSON value, or a
 * forbidden key such as `__proto__`. The `path` says where.
 *
 * @example
 * ```ts
 * newEvent('a', { fn: () => 1 } as never); // throws InvalidEventDataError at path "data.fn"
 * ```
 */
export class InvalidEventDataError extends AgentflowError {
  constructor(path: string, problem: string, eventId?: string) {
    super(ErrorCodes.INVALID_EVENT_DATA, `invalid value at ${path}${eventId ? ` of event ${eventId}` : ''}: ${problem}`, {
      details: { path, eventId },
    });
  }
}

/**
 * Event metadata holds a non-string value or a forbidden key.
 *
 * @example
 * ```ts
 * newEvent('a', {}, { priority: 1 as never }); // throws InvalidMetadataError naming "priority"
 * ```
 */
export class InvalidMetadataError extends AgentflowError {
  constructor(key: string, problem: string, eventId?: string) {
    super(ErrorCodes.INVALID_METADATA, `invalid metadata "${key}"${eventId ? ` of event ${eventId}` : ''}: ${problem}`, {
      details: { key, eventId },
    });
  }
}

/**
 * `Event.fromJSON` received something that is not a serialized event.
 *
 * @example
 * ```ts
 * Event.fromJSON({ id: 1 }); // throws InvalidEventJsonError naming "id"
 * ```
 */
export class InvalidEventJsonError extends AgentflowError {
  constructor(field: string, problem: string) {
    super(ErrorCodes.INVALID_EVENT_JSON, `not a serialized event: field "${field}" ${problem}`, { details: { key: field } });
  }
}

/**
 * The event's serialized payload is larger than `maxPayloadBytes`.
 *
 * @example
 * ```ts
 * createRunner({ maxPayloadBytes: 1024 }).emit(bigEvent); // throws PayloadTooLargeError
 * ```
 */
export class PayloadTooLargeError extends AgentflowError {
  constructor(eventId: string, bytes: number, limit: number) {
    super(ErrorCodes.PAYLOAD_TOO_LARGE, `event ${eventId} payload is ${bytes} bytes, over the limit of ${limit} bytes`, {
      details: { eventId, bytes, limit },
    });
  }
}

/**
 * A duration string could not be parsed.
 *
 * @example
 * ```ts
 * parseDuration('ten seconds'); // throws InvalidDurationError
 * ```
 */
export class InvalidDurationError extends AgentflowError {
  constructor(value: string, where: string) {
    super(ErrorCodes.INVALID_DURATION, `invalid duration "${value}" in ${where}: expected a number with a unit, like "500ms", "30s", "1m30s" or "2h"`, {
      details: { key: where, value },
    });
  }
}

/**
 * A runner or component option has a wrong value.
 *
 * @example
 * ```ts
 * createRunner({ queueSize: -1 }); // throws InvalidOptionError naming "queueSize"
 * ```
 */
export class InvalidOptionError extends AgentflowError {
  constructor(key: string, problem: string) {
    super(ErrorCodes.INVALID_OPTION, `invalid option "${key}": ${problem}`, { details: { key } });
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
 * An orchestration mode name is not one agentflow knows.
 *
 * @example
 * ```ts
 * createOrchestrator('paralel'); // throws UnknownOrchestrationModeError
 * ```
 */
export class UnknownOrchestrationModeError extends AgentflowError {
  constructor(mode: string, known: readonly string[]) {
    super(ErrorCodes.UNKNOWN_ORCHESTRATION_MODE, `unknown orchestration mode "${mode}": expected one of ${known.join(', ')}`, {
      details: { key: 'mode', value: mode },
    });
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
 * Why an event did not complete. Stable strings, recorded in traces, outcomes
 * and dead-letter records.
 *
 * @example
 * ```ts
 * const r: FailureReason = 'no_such_agent';
 * ```
 */
export type FailureReason =
  | 'agent_error'
  | 'no_such_agent'
  | 'agent_disabled'
  | 'invalid_result'
  | 'timeout'
  | 'hook_rejected'
  | 'deadline_exceeded'
  | 'hop_limit_exceeded'
  | 'shutdown'
  | 'retries_exhausted'
  | 'circuit_open'
  | 'invalid_event';

/**
 * The message of any thrown value, even one that is not an Error.
 *
 * @example
 * ```ts
 * messageOf(new Error('x')); // 'x'
 * messageOf('plain');        // 'plain'
 * ```
 */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}

function isRetryableCause(cause: unknown): boolean {
  return cause instanceof AgentflowError ? cause.retryable : false;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return `an object with keys [${Object.keys(v).slice(0, 5).join(', ')}]`;
  return `a ${typeof v} (${String(v).slice(0, 40)})`;
}
