/**
 * Per-agent concurrency limits.
 * @module
 */
import type { AgentMiddleware } from '../runner/config.js';

/**
 * Limits how many events each named agent handles at once; further calls
 * wait (FIFO) for a free slot. The wait holds the event's runner slot, so
 * keep the runner's `concurrency` above the sum of the limits you rely on.
 * Agents not named are unlimited.
 *
 * @example
 * ```ts
 * createRunner({ concurrency: 32, middleware: [agentConcurrencyLimit({ llm_writer: 2 })] });
 * ```
 */
export function agentConcurrencyLimit(limits: Readonly<Record<string, number>>): AgentMiddleware {
  for (const [name, n] of Object.entries(limits)) {
    if (!(Number.isInteger(n) && n > 0)) throw new RangeError(`concurrency limit for agent "${name}" must be a positive integer, got ${n}`);
  }
  return (agentId, next) => {
    const limit = limits[agentId];
    if (limit === undefined) return next;
    let running = 0;
    const waiting: (() => void)[] = [];
    return async (ctx, event, state) => {
      if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
      running++;
      try {
        return await next(ctx, event, state);
      } finally {
        running--;
        waiting.shift()?.();
      }
    };
  };
}
