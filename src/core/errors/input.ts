/**
 * Input errors: event data and metadata, payloads, durations, options.
 * @module
 */
import { AgentflowError } from './base.js';
import { ErrorCodes } from './codes.js';

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

