/**
 * Observability extras: hook-based tracing, trace formatting, metrics.
 * @module
 */
export * from './trace-hooks.js';
export * from './format.js';
export * from './metrics.js';
export * from './trace-file.js';
