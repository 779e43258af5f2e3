/**
 * The seed's setupDeadLetterQueue: a `dead_letter_handler` agent plus a
 * callback that catches "agent not found". Here the built-in queue catches
 * every kind of failure, keeps it for inspection and replay, and forwards it
 * to the seed's handler agent.
 *
 * Run: npx tsx examples/reliability/dead-letter.ts
 */
import { pathToFileURL } from 'node:url';
import { createRunner, newEvent, type DeadLetterRecord, type Logger } from '../../src/index.js';
import { DeadLetterQueue } from '../../src/reliability/index.js';

export async function runDeadLetterExample(logger?: Logger) {
  const forwarded: unknown[] = [];
  const queue: { q?: DeadLetterQueue } = {};
  const runner = createRunner({ logger, deadLetter: { add: (rec: DeadLetterRecord) => queue.q!.add(rec) } });
  queue.q = new DeadLetterQueue({ forward: { runner } });
  runner.registerAgent('dead_letter_handler', (ctx, event, state) => {
    forwarded.push(event.getData());
    return state.clone().set('dead_letter_processed', true).set('processed_at', Math.floor(Date.now() / 1000));
  });
  runner.registerAgent('router', (ctx, event, state) => state.clone().setMeta('route', 'agent_that_does_not_exist'));
  await runner.start();
  await runner.run(newEvent('router', { order: 1 }, { session_id: 'dlq-demo' })).catch(() => undefined);
  await runner.drain();
  await runner.stop();
  return { deadLetters: queue.q.list(), forwarded };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await runDeadLetterExample();
  for (const d of r.deadLetters) console.log(`dead letter ${d.id.slice(0, 8)}: ${d.reason} (${d.error.message})`);
  console.log('the dead_letter_handler agent received:', r.forwarded);
}
