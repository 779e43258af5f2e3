/**
 * Reliability built-ins: retries with backoff, error classification, a
 * dead-letter queue, error routing and circuit breakers.
 * @module
 */
export * from './classify.js';
export * from './retry.js';
export * from './dead-letter/index.js';
export * from './error-routing.js';
export * from './circuit-breaker.js';
export * from './limits.js';
