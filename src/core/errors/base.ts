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
import type { ErrorCode } from './codes.js';

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

/**
 * Whether a wrapped cause says retrying can help (an AgentflowError's `retryable`).
 *
 * @example
 * ```ts
 * isRetryableCause(new TimeoutError('a', 'e1', 10)); // true
 * ```
 */
export function isRetryableCause(cause: unknown): boolean {
  return cause instanceof AgentflowError ? cause.retryable : false;
}

/**
 * A short description of any value for error messages.
 *
 * @example
 * ```ts
 * describeThrown([1]); // 'an array'
 * ```
 */
export function describeThrown(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return `an object with keys [${Object.keys(v).slice(0, 5).join(', ')}]`;
  return `a ${typeof v} (${String(v).slice(0, 40)})`;
}

