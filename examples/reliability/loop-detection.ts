/**
 * The seed's loop detector (a BeforeEventHandling callback counting
 * `hop_count`), reduced to configuration: `maxHops` on the runner. Two
 * agents that keep routing to each other are stopped with reason
 * `hop_limit_exceeded`.
 *
 * Run: npx tsx examples/reliability/loop-detection.ts
 */
import { pathToFileURL } from 'node:url';
import { createRunner, newEvent, EventFailedError, type Logger } from '../../src/index.js';

export async function runLoopDetectionExample(logger?: Logger) {
  const runner = createRunner({ logger, maxHops: 10 });
  runner.registerAgent('ping', (ctx, e, s) => s.clone().setMeta('route', 'pong'));
  runner.registerAgent('pong', (ctx, e, s) => s.clone().setMeta('route', 'ping'));
  await runner.start();
  const err = await runner.run(newEvent('ping', {}, { session_id: 'loop-demo' })).catch((e: EventFailedError) => e);
  await runner.stop();
  return { err: err as EventFailedError, hops: runner.dumpTrace('loop-demo').length };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await runLoopDetectionExample();
  console.log(`stopped after ${r.hops} events: ${r.err.reason} — ${r.err.message}`);
}
