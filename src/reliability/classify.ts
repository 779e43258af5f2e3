/**
 * Error classification: is a failure worth retrying, what kind is it, how bad.
 * @module
 */
import { AgentflowError, errorInfo, type ErrorCategory as CoreErrorCategory } from '../core/errors.js';

/**
 * What kind of failure an error is (defined with the error table in core).
 *
 * @example
 * ```ts
 * const c: ErrorCategory = 'network';
 * ```
 */
export type ErrorCategory = CoreErrorCategory;

/**
 * Error severities.
 *
 * @example
 * ```ts
 * const s: ErrorSeverity = 'critical';
 * ```
 */
export type ErrorSeverity = 'low' | 'medium' | 'high' | 'critical';

/**
 * The verdict on one error.
 *
 * @example
 * ```ts
 * const c: ErrorClass = { retryable: true, category: 'timeout', severity: 'high' };
 * ```
 */
export interface ErrorClass {
  retryable: boolean;
  category: ErrorCategory;
  severity: ErrorSeverity;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']);
const SEVERITY: Record<ErrorCategory, ErrorSeverity> = {
  timeout: 'high',
  network: 'high',
  rate_limit: 'medium',
  llm: 'medium',
  validation: 'medium',
  auth: 'critical',
  resource: 'critical',
  unknown: 'medium',
};
const RETRYABLE: Record<ErrorCategory, boolean> = {
  timeout: true,
  network: true,
  rate_limit: true,
  llm: true,
  validation: false,
  auth: false,
  resource: false,
  unknown: false,
};

function verdict(category: ErrorCategory, retryable = RETRYABLE[category]): ErrorClass {
  return { retryable, category, severity: SEVERITY[category] };
}

/** Walks `err` and its `cause` chain (depth-limited). */
function* chain(err: unknown): Generator<unknown> {
  let e: unknown = err;
  for (let i = 0; i < 8 && e !== undefined && e !== null; i++) {
    yield e;
    e = (e as { cause?: unknown }).cause;
  }
}

/**
 * Classifies an error by structure first, message keywords last:
 * 1. agentflow codes: `AF_ERR_UNRECOVERABLE` → validation (never retried);
 *    `AF_ERR_TIMEOUT` → timeout; `AF_ERR_LLM_RATE_LIMITED` → rate_limit;
 *    `AF_ERR_LLM_UNREACHABLE` → network; other `AF_ERR_LLM_*` → llm;
 *    `AF_ERR_INVALID_*`, `AF_ERR_AGENT_NOT_FOUND`, `AF_ERR_HOP_LIMIT_EXCEEDED`,
 *    `AF_ERR_DEADLINE_EXCEEDED` → validation (not retried);
 * 2. Node error codes (`ECONNREFUSED`, `ECONNRESET`, `ETIMEDOUT`, …) → network;
 * 3. an HTTP `status`/`statusCode`: 429 → rate_limit, 401/403 → auth,
 *    400/404/422 → validation, 5xx → network (retried);
 * 4. the `cause` chain, the same way;
 * 5. message keywords (the seed's lists): timeout, connection, rate limit,
 *    temporary → retryable; authentication, authorization, validation,
 *    not found → fatal; memory/quota → resource.
 * Anything else is `unknown` and not retried.
 *
 * @example
 * ```ts
 * classifyError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })); // { retryable: true, category: 'network', severity: 'high' }
 * classifyError(new UnrecoverableError('bad input')).retryable; // false
 * ```
 */
export function classifyError(err: unknown): ErrorClass {
  for (const e of chain(err)) {
    const byStructure = structural(e);
    if (byStructure) return byStructure;
  }
  for (const e of chain(err)) {
    const msg = (e instanceof Error ? e.message : typeof e === 'string' ? e : '').toLowerCase();
    if (!msg) continue;
    if (/authentication|authorization|unauthorized|forbidden/.test(msg)) return verdict('auth');
    if (/validation|invalid|not[ _]found/.test(msg)) return verdict('validation');
    if (/out of memory|quota/.test(msg)) return verdict('resource');
    if (/timeout|timed out/.test(msg)) return verdict('timeout');
    if (/rate[ _]?limit|too many requests/.test(msg)) return verdict('rate_limit');
    if (/connection|network|temporary|unavailable/.test(msg)) return verdict('network');
  }
  return verdict('unknown');
}

function structural(e: unknown): ErrorClass | undefined {
  if (e === null || typeof e !== 'object') return undefined;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') {
    const info = errorInfo(code);
    // Wrappers (agent failed, hook rejected, event failed) have category `unknown`: their cause decides.
    if (info !== undefined && info.category !== 'unknown') return verdict(info.category, e instanceof AgentflowError ? e.retryable : info.retryable);
    if (NETWORK_CODES.has(code)) return verdict('network');
    if (code === 'ENOMEM') return verdict('resource');
  }
  const status = (e as { status?: unknown; statusCode?: unknown }).status ?? (e as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number') {
    if (status === 429) return verdict('rate_limit');
    if (status === 401 || status === 403) return verdict('auth');
    if (status === 408) return verdict('timeout');
    if (status >= 500) return verdict('network');
    if (status >= 400) return verdict('validation');
  }
  if (e instanceof AgentflowError && e.retryable && errorInfo(e.code)?.category === 'unknown') return verdict('unknown', true);
  return undefined;
}
