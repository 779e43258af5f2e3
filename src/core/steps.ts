/**
 * Step results for `ctx.once(step, fn)`: where a step's result is kept so a
 * retried, redelivered or replayed event does not run the step again.
 * @module
 */

/**
 * Stores step results by key. A transport shared by several processes
 * provides one that they share (Redis); in process the runner uses a
 * bounded {@link MemoryStepStore}.
 *
 * @example
 * ```ts
 * const store: StepStore = new MemoryStepStore();
 * await store.set('evt-1:mailer:send', '{"v":"msg-42"}', 60_000);
 * ```
 */
export interface StepStore {
  get(key: string): Promise<string | undefined> | string | undefined;
  set(key: string, value: string, ttlMs: number): Promise<void> | void;
}

/**
 * How long step results are kept by default: a day.
 *
 * @example
 * ```ts
 * await runOnce(store, key, fn, STEP_TTL_MS * 7); // keep a week
 * ```
 */
export const STEP_TTL_MS = 24 * 3600_000;

/**
 * An in-process step store: at most `maxEntries` results (oldest dropped
 * first), each for its TTL.
 *
 * @example
 * ```ts
 * const steps = new MemoryStepStore(10_000);
 * steps.set('k', '{"v":1}', 1000);
 * steps.get('k'); // '{"v":1}'
 * ```
 */
export class MemoryStepStore implements StepStore {
  private readonly m = new Map<string, { value: string; until: number }>();
  constructor(private readonly maxEntries = 100_000) {}
  get(key: string): string | undefined {
    const e = this.m.get(key);
    if (e === undefined) return undefined;
    if (e.until < Date.now()) {
      this.m.delete(key);
      return undefined;
    }
    return e.value;
  }
  set(key: string, value: string, ttlMs: number): void {
    this.m.delete(key);
    this.m.set(key, { value, until: Date.now() + ttlMs });
    if (this.m.size > this.maxEntries) this.m.delete(this.m.keys().next().value as string);
  }
}

/**
 * Runs `fn` once per `key`: returns the stored result when there is one,
 * else runs `fn`, stores its result (JSON) and returns it. A crash between
 * `fn` finishing and the result being stored runs `fn` again on the next
 * delivery (at least once); every later delivery gets the stored result.
 *
 * @example
 * ```ts
 * const id = await runOnce(store, 'evt-1:mailer:send', () => sendMail());
 * ```
 */
export async function runOnce<T>(store: StepStore, key: string, fn: () => T | Promise<T>, ttlMs = STEP_TTL_MS): Promise<T> {
  const hit = await store.get(key);
  if (hit !== undefined) return (JSON.parse(hit) as { v: T }).v;
  const v = await fn();
  await store.set(key, JSON.stringify({ v }), ttlMs);
  return v;
}
