/**
 * The agentflow error registry: one class per failure kind, each with a
 * stable `code` (`AF_ERR_*`), and one table ({@link ERROR_TABLE}) that maps
 * each code to the failure reason it records, whether retrying can help and
 * its category. The classes live in `errors/`: `base.ts` (the base class),
 * `codes.ts` (codes and the table), `runtime.ts` (runner, agents, hooks,
 * time), `input.ts` (event data, metadata, options).
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
export * from './errors/base.js';
export * from './errors/codes.js';
export * from './errors/runtime.js';
export * from './errors/input.js';
export * from './errors/tools.js';
