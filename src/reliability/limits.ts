/**
 * Per-agent concurrency limits.
 * @module
 */
import { InvalidOptionError } from '../core/errors.js';
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
    if (!(Number.isInteger(n) && n > 0)) throw new InvalidOptionError(`agents.${name}.max_concurrency`, `concurrency limit for agent "${name}" must be a positive integer, got ${n}`);
  }
  return (agentId, next) => {
    const limit = limits[agentId];
    if (limit === undefined) return next;
    let running = 0;
    const waiting: (() => void)[] = [];
    return async (ctx, event, state) => {
      if (running >= limit) {
        // A waiter leaves the line when its event is aborted (timeout, deadline, stop): it never runs late.
        await new Promise<void>((resolve, reject) => {
          const signal = ctx.signal;
          const onAbort = (): void => {
            const i = waiting.indexOf(go);
            if (i >= 0) waiting.splice(i, 1);
            reject(signal.reason);
          };
          function go(): void {
            signal.removeEventListener('abort', onAbort);
            resolve();
          }
          if (signal.aborted) return reject(signal.reason);
          signal.addEventListener('abort', onAbort, { once: true });
          waiting.push(go);
        });
      }
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

/**
 * A token-bucket rate for one agent.
 *
 * @example
 * ```ts
 * const r: RateLimit = { requestsPerSecond: 5, burst: 2 };
 * ```
 */
export interface RateLimit {
  requestsPerSecond: number;
  /** Calls allowed at once after an idle period. Default: ceil(requestsPerSecond), at least 1. */
  burst?: number;
}

/**
 * Limits how often each named agent is called (a token bucket per agent):
 * calls over the rate wait, in order, for their turn. A wait ends early if
 * the event's signal fires (timeout, deadline, stop). The wait holds the
 * event's runner slot. Agents not named are unlimited.
 *
 * @example
 * ```ts
 * createRunner({ middleware: [agentRateLimit({ openai_writer: { requestsPerSecond: 2, burst: 1 } })] });
 * ```
 */
export function agentRateLimit(limits: Readonly<Record<string, RateLimit>>, now: () => number = Date.now): AgentMiddleware {
  for (const [name, l] of Object.entries(limits)) {
    if (!(l.requestsPerSecond > 0)) throw new InvalidOptionError(`agents.${name}.rate_limit.requests_per_second`, `rate limit for agent "${name}" needs requestsPerSecond > 0, got ${l.requestsPerSecond}`);
    if (l.burst !== undefined && !(Number.isInteger(l.burst) && l.burst > 0)) throw new InvalidOptionError(`agents.${name}.rate_limit.burst`, `rate limit burst for agent "${name}" must be a positive integer, got ${l.burst}`);
  }
  return (agentId, next) => {
    const l = limits[agentId];
    if (l === undefined) return next;
    const rate = l.requestsPerSecond / 1000; // tokens per ms
    const burst = l.burst ?? Math.max(1, Math.ceil(l.requestsPerSecond));
    let tokens = burst;
    let last = now();
    return async (ctx, event, state) => {
      const t = now();
      tokens = Math.min(burst, tokens + (t - last) * rate);
      last = t;
      tokens -= 1; // reserve a token, possibly in the future (FIFO)
      if (tokens < 0) {
        const waitMs = -tokens / rate;
        try {
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(resolve, waitMs);
            ctx.signal.addEventListener(
              'abort',
              () => {
                clearTimeout(timer);
                reject(ctx.signal.reason);
              },
              { once: true },
            );
          });
        } catch (err) {
          tokens += 1; // give the reservation back
          throw err;
        }
      }
      return next(ctx, event, state);
    };
  };
}
