/**
 * agentflow.toml: schema, loading and validation, environment
 * interpolation and overrides, defaults, and building a runner from it
 * (`agentflow/config`). See docs/configuration.md.
 *
 * @example
 * ```ts
 * import { loadConfig, createRunnerFromConfig } from 'agentflow/config';
 * const { config, warnings } = await loadConfig('agentflow.toml');
 * ```
 * @module
 */
export * from './schema.js';
export * from './errors.js';
export * from './defaults.js';
export * from './env.js';
export * from './load.js';
export { KeyLocator, locateKeys, keyLines, type KeyPosition } from './locate.js';
export * from './create-runner.js';
export * from './graph.js';
export * from './reachability.js';
