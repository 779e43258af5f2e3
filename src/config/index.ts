/**
 * agentflow.toml: schema, loading, validation, defaults, and building a
 * runner from it.
 * @module
 */
export * from './schema.js';
export * from './errors.js';
export * from './defaults.js';
export * from './load.js';
export { keyLines, lineOf } from './locate.js';
export * from './create-runner.js';
