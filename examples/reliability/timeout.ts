/**
 * The seed's deadlock prevention (a timeout wrapper with a goroutine and a
 * select), reduced to metadata: `timeout` on the event (or `timeoutMs` on the
 * runner or agent). The handler's `ctx.signal` fires, and the event fails
 * with reason `timeout` even if the handler ignores the signal.
 *
 * Run: npx tsx examples/reliability/timeout.ts
 */
import { pathToFileURL } from 'node:url';
import { createRunner, newEvent, type EventFailedError, type Logger } from '../../src/index.js';

export async function runTimeoutExample(logger?: Logger) {
  const runner = createRunner({ logger });
  let sawAbort = false;
  runner.registerAgent('slow_service', async (ctx, event, state) => {
    await new Promise((resolve, reject) => {
      const t = setTimeout(resolve, 5_000);
      ctx.signal.addEventListener('abort', () => {
        sawAbort = true;
        clearTimeout(t);
        reject(ctx.signal.reason);
      });
    });
    return state;
  });
  await runner.start();
  const started = Date.now();
  const err = (await runner.run(newEvent('slow_service', {}, { timeout: '100ms' })).catch((e: EventFailedError) => e)) as EventFailedError;
  const elapsed = Date.now() - started;
  await runner.stop();
  return { reason: err.reason, message: err.message, sawAbort, elapsed };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await runTimeoutExample();
  console.log(`${r.reason} after ${r.elapsed} ms (signal seen by handler: ${r.sawAbort}): ${r.message}`);
}
