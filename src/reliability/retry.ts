/**
 * Retry policies with exponential backoff.
 * @module
 */
import type { AgentflowError } from '../core/errors.js';
import type { Event } from '../core/event.js';
import type { RetryDecider } from '../runner/types.js';
import { classifyError, type ErrorClass } from './classify.js';

/**
 * Retry settings (the `[agents.NAME.retry_policy]` / `[error_routing.retry]` keys).
 *
 * @example
 * ```ts
 * const s: RetrySettings = { maxRetries: 3, baseDelayMs: 1000, maxDelayMs: 30_000, backoffFactor: 2, jitter: true };
 * ```
 */
export interface RetrySettings {
  /** Retries after the first attempt. Default 3. */
  maxRetries: number;
  /** Delay before the first retry. Default 1000 ms. */
  baseDelayMs: number;
  /** Upper bound on any delay. Default 30,000 ms. */
  maxDelayMs: number;
  /** Growth per retry. Default 2. */
  backoffFactor: number;
  /** "Equal jitter": the delay is drawn from [d/2, d]. Default true. */
  jitter: boolean;
}

/**
 * Options for {@link retryPolicy}.
 *
 * @example
 * ```ts
 * retryPolicy({ maxRetries: 5, perAgent: { llm_writer: { maxRetries: 2 } } });
 * ```
 */
export interface RetryPolicyOptions extends Partial<RetrySettings> {
  /** Overrides per agent name. */
  perAgent?: Record<string, Partial<RetrySettings>>;
  /** Decides retryability. Default {@link classifyError}. */
  classify?: (err: AgentflowError) => Pick<ErrorClass, 'retryable'>;
  /** Random source in [0, 1) for jitter (tests pass a seeded one). */
  random?: () => number;
}

/**
 * The default retry settings (AgenticGoKit's).
 *
 * @example
 * ```ts
 * defaultRetrySettings().maxRetries; // 3
 * ```
 */
export function defaultRetrySettings(): RetrySettings {
  return { maxRetries: 3, baseDelayMs: 1000, maxDelayMs: 30_000, backoffFactor: 2, jitter: true };
}

/**
 * The delay before retry number `retry` (1-based) under `s`, before jitter:
 * `min(maxDelayMs, baseDelayMs * backoffFactor^(retry-1))`.
 *
 * @example
 * ```ts
 * backoffDelay({ ...defaultRetrySettings(), jitter: false }, 3); // 4000
 * ```
 */
export function backoffDelay(s: RetrySettings, retry: number, random: () => number = Math.random): number {
  const d = Math.min(s.maxDelayMs, s.baseDelayMs * Math.pow(s.backoffFactor, retry - 1));
  return s.jitter ? d / 2 + random() * (d / 2) : d;
}

/**
 * A {@link RetryDecider} for the runner's `retry` option: retries errors the
 * classifier calls retryable (timeouts, connection errors, rate limits, 5xx,
 * LLM hiccups), up to `maxRetries` times, with exponential backoff; never
 * retries validation, authorization, `UnrecoverableError` or unknown errors.
 * Each retry shows in the session trace as a `retry` entry; when retries run
 * out the event ends with reason `retries_exhausted`.
 *
 * @example
 * ```ts
 * const runner = createRunner({ retry: retryPolicy({ maxRetries: 3, baseDelayMs: 200 }) });
 * ```
 */
export function retryPolicy(options: RetryPolicyOptions = {}): RetryDecider & { settingsFor(agentId: string): RetrySettings } {
  const base: RetrySettings = { ...defaultRetrySettings(), ...strip(options) };
  const classify = options.classify ?? classifyError;
  const random = options.random ?? Math.random;
  const settingsFor = (agentId: string): RetrySettings => ({ ...base, ...strip(options.perAgent?.[agentId] ?? {}) });
  return {
    settingsFor,
    delayFor(error: AgentflowError, attempt: number, _event: Event, agentId: string): number {
      const s = settingsFor(agentId);
      if (attempt > s.maxRetries) return -1;
      if (!classify(error).retryable) return -1;
      return backoffDelay(s, attempt, random);
    },
  };
}

function strip(o: Partial<RetrySettings>): Partial<RetrySettings> {
  const out: Partial<RetrySettings> = {};
  for (const k of ['maxRetries', 'baseDelayMs', 'maxDelayMs', 'backoffFactor', 'jitter'] as const) {
    if (o[k] !== undefined) (out as Record<string, unknown>)[k] = o[k];
  }
  return out;
}
