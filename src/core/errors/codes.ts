/**
 * Error codes: every stable `AF_ERR_*` code and the one table that says,
 * for each, which failure reason it records, whether retrying can help and
 * its category. The runner and `classifyError` both read this table.
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
  /** The transport failed to publish, receive or settle (connection lost, lease lost). */
  TRANSPORT: 'AF_ERR_TRANSPORT',
  /** The dead-letter file could not be read or written. */
  DEAD_LETTER_STORE: 'AF_ERR_DEAD_LETTER_STORE',
  /** The chain was cancelled (a `runner.stream()` caller stopped reading, or `runner.cancel()`). */
  CANCELLED: 'AF_ERR_CANCELLED',
  /** A tool definition is invalid (name, schema, function), or an agent names a tool that is not registered. */
  TOOL_INVALID: 'AF_ERR_TOOL_INVALID',
  /** A tool failed with an error worth retrying (network, rate limit): the agent fails and the retry policy applies. */
  TOOL_FAILED: 'AF_ERR_TOOL_FAILED',
  /** A tool call took longer than its timeout. */
  TOOL_TIMEOUT: 'AF_ERR_TOOL_TIMEOUT',
  /** The model kept calling tools past `maxToolRounds`, or kept naming agents it may not hand off to. */
  TOOL_ROUNDS_EXCEEDED: 'AF_ERR_TOOL_ROUNDS_EXCEEDED',
  /** An MCP server could not be started, reached or used. */
  MCP: 'AF_ERR_MCP',
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
  | 'invalid_event'
  | 'transport_error'
  | 'cancelled';


/**
 * Every failure reason, in one list (for checking user input such as
 * `agentflow dlq list --reason`).
 *
 * @example
 * ```ts
 * FAILURE_REASONS.includes('timeout'); // true
 * ```
 */
export const FAILURE_REASONS = [
  'agent_error',
  'no_such_agent',
  'agent_disabled',
  'invalid_result',
  'timeout',
  'hook_rejected',
  'deadline_exceeded',
  'hop_limit_exceeded',
  'shutdown',
  'retries_exhausted',
  'circuit_open',
  'invalid_event',
  'transport_error',
  'cancelled',
] as const satisfies readonly FailureReason[];

/**
 * What kind of failure an error is, for routing and retry decisions.
 *
 * @example
 * ```ts
 * const c: ErrorCategory = 'network';
 * ```
 */
export type ErrorCategory = 'timeout' | 'network' | 'rate_limit' | 'llm' | 'validation' | 'auth' | 'resource' | 'unknown';

/**
 * One row of the error table.
 *
 * @example
 * ```ts
 * const row: ErrorInfo = ERROR_TABLE.AF_ERR_TIMEOUT; // { reason: 'timeout', retryable: true, category: 'timeout' }
 * ```
 */
export interface ErrorInfo {
  /** The failure reason an event records when this error ends it. */
  readonly reason: FailureReason;
  /** Whether retrying the same work can help (classification's default for the code). */
  readonly retryable: boolean;
  readonly category: ErrorCategory;
}

const row = (reason: FailureReason, retryable: boolean, category: ErrorCategory): ErrorInfo => ({ reason, retryable, category });

/**
 * The one error table: every `AF_ERR_*` code with its failure reason,
 * retryable flag and category. The runner reads the reason; `classifyError`
 * reads retryable and category.
 *
 * @example
 * ```ts
 * ERROR_TABLE[ErrorCodes.CIRCUIT_OPEN].reason; // 'circuit_open'
 * ```
 */
export const ERROR_TABLE: Readonly<Record<ErrorCode, ErrorInfo>> = {
  AF_ERR_RUNNER_NOT_RUNNING: row('agent_error', false, 'validation'),
  AF_ERR_RUNNER_STATE: row('agent_error', false, 'validation'),
  AF_ERR_QUEUE_FULL: row('agent_error', true, 'resource'),
  AF_ERR_AGENT_NOT_FOUND: row('no_such_agent', false, 'validation'),
  AF_ERR_AGENT_EXISTS: row('agent_error', false, 'validation'),
  AF_ERR_AGENT_DISABLED: row('agent_disabled', false, 'validation'),
  AF_ERR_INVALID_AGENT: row('agent_error', false, 'validation'),
  AF_ERR_AGENT_LIFECYCLE: row('agent_error', false, 'unknown'),
  AF_ERR_AGENT_FAILED: row('agent_error', false, 'unknown'),
  AF_ERR_INVALID_AGENT_RESULT: row('invalid_result', false, 'validation'),
  AF_ERR_CALLBACK_EXISTS: row('agent_error', false, 'validation'),
  AF_ERR_INVALID_CALLBACK: row('agent_error', false, 'validation'),
  AF_ERR_HOOK_REJECTED: row('hook_rejected', false, 'unknown'),
  AF_ERR_TIMEOUT: row('timeout', true, 'timeout'),
  AF_ERR_DEADLINE_EXCEEDED: row('deadline_exceeded', false, 'validation'),
  AF_ERR_HOP_LIMIT_EXCEEDED: row('hop_limit_exceeded', false, 'validation'),
  AF_ERR_SHUTDOWN: row('shutdown', false, 'timeout'),
  AF_ERR_INVALID_EVENT_DATA: row('invalid_event', false, 'validation'),
  AF_ERR_INVALID_METADATA: row('invalid_event', false, 'validation'),
  AF_ERR_INVALID_EVENT_JSON: row('invalid_event', false, 'validation'),
  AF_ERR_PAYLOAD_TOO_LARGE: row('invalid_event', false, 'validation'),
  AF_ERR_INVALID_DURATION: row('invalid_event', false, 'validation'),
  AF_ERR_INVALID_OPTION: row('agent_error', false, 'validation'),
  AF_ERR_EVENT_FAILED: row('agent_error', false, 'unknown'),
  AF_ERR_UNKNOWN_ORCHESTRATION_MODE: row('agent_error', false, 'validation'),
  AF_ERR_CIRCUIT_OPEN: row('circuit_open', false, 'resource'),
  AF_ERR_UNRECOVERABLE: row('agent_error', false, 'validation'),
  AF_ERR_CONFIG_INVALID: row('agent_error', false, 'validation'),
  AF_ERR_CONFIG_NOT_FOUND: row('agent_error', false, 'validation'),
  AF_ERR_LLM_UNREACHABLE: row('agent_error', true, 'network'),
  AF_ERR_LLM_MODEL_NOT_FOUND: row('agent_error', false, 'llm'),
  AF_ERR_LLM_RESPONSE: row('agent_error', true, 'llm'),
  AF_ERR_LLM_RATE_LIMITED: row('agent_error', true, 'rate_limit'),
  AF_ERR_TRANSPORT: row('transport_error', true, 'network'),
  AF_ERR_LLM_UNKNOWN_PROVIDER: row('agent_error', false, 'llm'),
  AF_ERR_DEAD_LETTER_STORE: row('agent_error', false, 'resource'),
  AF_ERR_CANCELLED: row('cancelled', false, 'validation'),
  AF_ERR_TOOL_INVALID: row('agent_error', false, 'validation'),
  AF_ERR_TOOL_FAILED: row('agent_error', true, 'network'),
  AF_ERR_TOOL_TIMEOUT: row('agent_error', true, 'timeout'),
  AF_ERR_TOOL_ROUNDS_EXCEEDED: row('agent_error', false, 'llm'),
  AF_ERR_MCP: row('agent_error', true, 'network'),
};

/**
 * The table row for a code, or `undefined` for a code agentflow does not own.
 *
 * @example
 * ```ts
 * errorInfo('AF_ERR_TIMEOUT')?.retryable; // true
 * ```
 */
export function errorInfo(code: unknown): ErrorInfo | undefined {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERROR_TABLE, code) ? ERROR_TABLE[code as ErrorCode] : undefined;
}

/**
 * The failure reason an error records: its code's reason from
 * {@link ERROR_TABLE}; `fallback` when that reason is the generic
 * `agent_error` or the value is not an agentflow error.
 *
 * @example
 * ```ts
 * failureReasonOf(new TimeoutError('a', 'e', 5), 'agent_error'); // 'timeout'
 * ```
 */
export function failureReasonOf(err: unknown, fallback: FailureReason): FailureReason {
  if (err === null || typeof err !== 'object' || !(err instanceof Error)) return fallback;
  const info = errorInfo((err as { code?: unknown }).code);
  return info === undefined || info.reason === 'agent_error' ? fallback : info.reason;
}
