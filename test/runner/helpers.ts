import { createRunner, silentLogger, type RunnerConfig, type Runner } from '../../src/index.js';

/** A runner with a silent logger, for tests. */
export function testRunner(config: Partial<RunnerConfig> = {}): Runner {
  return createRunner({ logger: silentLogger(), ...config });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resolves when the signal aborts; never otherwise. */
export const untilAborted = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));

/** Asserts the accounting identity at rest. */
export function assertBalanced(runner: Runner): void {
  const s = runner.stats();
  if (s.inFlight !== 0 || s.queued !== 0 || s.retryPending !== 0) throw new Error(`runner not at rest: ${JSON.stringify(s)}`);
  if (s.emitted !== s.completed + s.failed + s.deadLettered) throw new Error(`accounting broken: ${JSON.stringify(s)}`);
}
