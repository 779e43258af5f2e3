/**
 * `ctx.once` step results in Redis (`af:{ns}:once:<key>`, with a TTL), so a
 * step a worker finished is not repeated by the worker that takes its event
 * over.
 * @module
 */
import type { StepStore } from '../../core/steps.js';

interface Commands {
  sendCommand(args: string[]): Promise<unknown>;
}

/**
 * A {@link StepStore} on Redis strings.
 *
 * @example
 * ```ts
 * const steps = new RedisStepStore(async () => client, 'af:{orders}:once:');
 * await steps.set('evt:mailer:send', '{"v":1}', 60_000);
 * ```
 */
export class RedisStepStore implements StepStore {
  constructor(
    private readonly command: () => Promise<Commands>,
    private readonly prefix: string,
  ) {}
  async get(key: string): Promise<string | undefined> {
    const v = await (await this.command()).sendCommand(['GET', this.prefix + key]);
    return typeof v === 'string' ? v : undefined;
  }
  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await (await this.command()).sendCommand(['SET', this.prefix + key, value, 'PX', String(Math.max(1, Math.round(ttlMs)))]);
  }
}
