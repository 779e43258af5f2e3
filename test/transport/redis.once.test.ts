/**
 * Exactly-once effects on Redis: `ctx.once` results survive a worker's
 * death (the worker that takes the event over does not repeat the step),
 * and children get deterministic ids, so a retried parent that emits the
 * same child again does not publish it twice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRunner, newEvent, silentLogger, type EventOutcome, type Runner } from '../../src/index.js';
import { childEventId } from '../../src/core/id.js';
import { retryPolicy } from '../../src/reliability/index.js';
import { RedisTransport } from '../../src/transport/redis/index.js';
import { useRedisServer } from '../support/redis.js';
import { sleep } from '../runner/helpers.js';

const redis = useRedisServer();
let n = 0;
const mk = (ns: string, name: string) => new RedisTransport({ url: redis().url, namespace: ns, partitions: 2, leaseMs: 600, blockMs: 20, consumer: name });
const runnerOn = (t: RedisTransport, extra: Parameters<typeof createRunner>[0] = {}): Runner => createRunner({ logger: silentLogger(), transport: t, concurrency: 8, ...extra });

test('redis: ctx.once: a step finished by a worker that then died is not repeated by the worker that takes the event over', async () => {
  const ns = `once${n++}`;
  const effects: string[] = [];
  const t1 = mk(ns, 'w1');
  const r1 = runnerOn(t1);
  let stepDone = false;
  r1.registerAgent('pay', async (ctx) => {
    await ctx.once('charge', () => (effects.push(`charged by w1 on attempt ${ctx.attempt}`), 'receipt-1'));
    stepDone = true;
    return new Promise(() => undefined); // dies before settling
  });
  await r1.start();
  r1.emit(newEvent('pay', { order: 7 }, { session_id: 'order-7' }));
  for (let i = 0; i < 200 && !stepDone; i++) await sleep(10);
  assert.ok(stepDone);
  t1.kill();

  const t2 = mk(ns, 'w2');
  const r2 = runnerOn(t2);
  const outcomes: EventOutcome[] = [];
  r2.onOutcome((o) => outcomes.push(o));
  r2.registerAgent('pay', async (ctx, _e, s) => {
    const receipt = await ctx.once('charge', () => (effects.push(`charged by w2 on attempt ${ctx.attempt}`), 'receipt-2'));
    return s.clone().set('receipt', receipt).set('attempt', ctx.attempt);
  });
  await r2.start();
  for (let i = 0; i < 300 && outcomes.length === 0; i++) await sleep(10);
  await r2.stop();
  assert.equal(outcomes.length, 1);
  assert.equal(outcomes[0]!.state.get('attempt'), 2);
  assert.equal(outcomes[0]!.state.get('receipt'), 'receipt-1', 'the second worker got the stored result');
  assert.deepEqual(effects, ['charged by w1 on attempt 1']);
});

test('redis: a retried parent that emits the same child again publishes it once (deterministic child id, duplicate suppressed)', async () => {
  const ns = `dedupe${n++}`;
  const r = runnerOn(mk(ns, 'w'), { retry: retryPolicy({ maxRetries: 2, baseDelayMs: 10, jitter: false }) });
  const childRuns: string[] = [];
  let parentId = '';
  r.registerAgent('parent', (ctx, e, s) => {
    parentId = e.getId();
    ctx.emit(newEvent('child', { from: 'parent' }, { session_id: 'kids' }));
    if (ctx.attempt === 1) throw Object.assign(new Error('reset after emitting'), { code: 'ECONNRESET' });
    return s;
  });
  r.registerAgent('child', (_ctx, e, s) => {
    childRuns.push(e.getId());
    return s;
  });
  await r.start();
  await r.run(newEvent('parent', {}, { session_id: 'p' }));
  for (let i = 0; i < 100 && childRuns.length === 0; i++) await sleep(10);
  await sleep(300); // time for a duplicate to show up if there were one
  await r.stop();
  assert.deepEqual(childRuns, [childEventId(parentId, 0)], `child ran ${childRuns.length} times`);
  const st = r.stats();
  assert.equal(st.emitted, st.completed + st.failed + st.deadLettered, `accounting: ${JSON.stringify(st)}`);
});

test('in memory: ctx.once keeps a step\'s result across retries and dead-letter replays; each agent has its own steps', async () => {
  const { DeadLetterQueue } = await import('../../src/reliability/index.js');
  const dlq = new DeadLetterQueue();
  const r = createRunner({ logger: silentLogger(), deadLetter: dlq, retry: retryPolicy({ maxRetries: 1, baseDelayMs: 1, jitter: false }) });
  let calls = 0;
  let fail = true;
  r.registerAgent('mailer', async (ctx, _e, s) => {
    const id = await ctx.once('send', () => `msg-${++calls}`);
    const other = await ctx.once('audit', () => `audit-${calls}`);
    if (fail) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
    return s.clone().set('id', id).set('audit', other);
  });
  await r.start();
  await r.run(newEvent('mailer', {})).catch(() => undefined); // two attempts, then dead-lettered
  assert.equal(calls, 1);
  fail = false;
  dlq.replay(r);
  await r.drain();
  await r.stop();
  assert.equal(calls, 1, 'the replay reused the stored step');
});
