/**
 * The seed's handleRetryableError, reduced to configuration: a retry policy
 * on the runner replaces the AgentError callback, the goroutine sleep and the
 * hand-made retry event; retries exhausted go to the dead-letter queue.
 *
 * Run: npx tsx examples/reliability/retry-with-backoff.ts
 */
import { pathToFileURL } from 'node:url';
import { createRunner, newEvent, type Logger } from '../../src/index.js';
import { DeadLetterQueue, retryPolicy } from '../../src/reliability/index.js';

export async function runRetryExample(logger?: Logger) {
  const dlq = new DeadLetterQueue();
  const runner = createRunner({ logger, retry: retryPolicy({ maxRetries: 3, baseDelayMs: 20, backoffFactor: 2 }), deadLetter: dlq });
  let calls = 0;
  runner.registerAgent('flaky_api', (ctx, event, state) => {
    calls++;
    if (ctx.attempt < 3) throw Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
    return state.clone().set('fetched', true).set('attempts', ctx.attempt);
  });
  runner.registerAgent('always_down', () => {
    throw Object.assign(new Error('temporary outage'), { status: 503 });
  });
  await runner.start();
  const ok = await runner.run(newEvent('flaky_api', { url: '/data' }, { session_id: 'retry-demo' }));
  const down = await runner.run(newEvent('always_down', {}, { session_id: 'retry-demo' })).catch((e: Error) => e);
  await runner.stop();
  return { ok: ok.state.toObject(), calls, down, deadLetters: dlq.list(), trace: runner.dumpTrace('retry-demo') };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await runRetryExample();
  console.log('flaky_api result:', r.ok, `after ${r.calls} calls`);
  console.log('always_down:', (r.down as Error).message);
  for (const e of r.trace.filter((x) => x.type === 'retry')) console.log(`  retry of ${e.agentId} in ${Math.round(Number(e.detail?.delayMs))} ms (attempt ${e.detail?.nextAttempt})`);
  console.log('dead letters:', r.deadLetters.map((d) => `${d.agentId}: ${d.reason} after ${d.attempts} attempts`));
}
