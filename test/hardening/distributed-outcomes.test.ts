/**
 * Regression test (the distributed issue): every process on a namespace
 * receives the other processes' outcomes (so a producer's run() sees a
 * worker's result), and the per-process consumers of outcomes counted and
 * acted on those too: each worker's metrics counted every worker's events
 * (a sum over workers double-counted), and error routing in every worker
 * emitted an error event for one failure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRunner, newEvent, silentLogger, UnrecoverableError, type EventOutcome } from '../../src/index.js';
import { attachMetrics } from '../../src/observability/index.js';
import { errorRouting } from '../../src/reliability/index.js';
import { RedisTransport } from '../../src/transport/redis/index.js';
import { useRedisServer } from '../support/redis.js';
import { sleep } from '../runner/helpers.js';

const redis = useRedisServer();

test('defect: with two workers, each counted and error-routed the other worker\'s outcomes', async () => {
  const ns = `dup${Date.now()}`;
  const errorEvents: string[] = [];
  const outcomes: EventOutcome[][] = [[], []];
  const workers = [0, 1].map((i) => {
    const r = createRunner({ logger: silentLogger(), concurrency: 4, transport: new RedisTransport({ url: redis().url, namespace: ns, partitions: 4, leaseMs: 1500, blockMs: 20, consumer: `w${i}` }) });
    r.registerAgent('work', (_c, e, s) => {
      if (e.getData().fail === true) throw new UnrecoverableError('refused');
      return s;
    });
    r.registerAgent('error_handler', (_c, e, s) => (errorEvents.push(String(e.getData().original_event_id)), s));
    errorRouting(r);
    r.onOutcome((o) => outcomes[i]!.push(o));
    return { r, metrics: attachMetrics(r) };
  });
  for (const w of workers) await w.r.start();
  await sleep(1200); // a renewal tick: the partitions are shared by both
  const producer = createRunner({ logger: silentLogger(), transport: new RedisTransport({ url: redis().url, namespace: ns, role: 'producer' }) });
  const seen: EventOutcome[] = [];
  producer.onOutcome((o) => seen.push(o));
  await producer.start();
  try {
    const sessions = Array.from({ length: 24 }, (_, i) => `s${i}`);
    await Promise.all(sessions.map((s) => producer.run(newEvent('work', {}, { session_id: s }))));
    const bad = newEvent('work', { fail: true }, { session_id: 'bad' });
    await producer.run(bad).catch(() => undefined);
    await sleep(500); // the error handler's event, wherever it runs
    const local = (i: number) => outcomes[i]!.filter((o) => o.remote !== true);
    assert.equal(local(0).length + local(1).length, 24 + 1 + 1, 'each event finished once, in exactly one worker (the error event included)');
    assert.ok(local(0).length > 0 && local(1).length > 0, 'both workers worked');
    assert.ok(outcomes.flat().every((o) => o.remote !== true), 'a worker that waits on nothing does not read the others\' outcomes');
    assert.ok(seen.length >= 26 && seen.every((o) => o.remote === true), 'the producer sees the workers\' outcomes, marked remote');
    const counted = workers.map((w) => w.metrics.snapshot().reduce((n, a) => n + a.eventCount, 0));
    assert.equal(counted[0]! + counted[1]!, 26, `the workers' metrics add up to the events run (got ${counted.join(' + ')})`);
    assert.deepEqual(errorEvents, [bad.getId()], 'one error event for one failure');
    // A worker that waits on a chain run by the other worker reads outcomes while it waits.
    const runs = await Promise.all(sessions.map((s) => workers[0]!.r.run(newEvent('work', {}, { session_id: `again-${s}` }))));
    const elsewhere = runs.filter((r) => r.outcomes.every((o) => o.remote === true)).length;
    assert.ok(elsewhere > 0 && elsewhere < runs.length, `some of worker 0's runs ran on worker 1 (${elsewhere} of ${runs.length}) and all resolved`);
  } finally {
    await producer.stop();
    for (const w of workers) await w.r.stop();
  }
});

test('workers write outcomes to the stream only while some process reads them; a reader that starts gets its run()\'s outcome', async () => {
  const ns = `readers${Date.now()}`;
  const { createClient } = await import('redis');
  const w = createRunner({ logger: silentLogger(), concurrency: 8, transport: new RedisTransport({ url: redis().url, namespace: ns, partitions: 2, leaseMs: 1500, blockMs: 20 }) });
  w.registerAgent('work', (_c, _e, s) => s.clone().set('done', true));
  let ran = 0;
  w.onOutcome(() => ran++);
  await w.start();
  const bare = new RedisTransport({ url: redis().url, namespace: ns, role: 'producer' }); // publishes, reads nothing
  const c = createClient({ url: redis().url });
  await c.connect();
  const producer = createRunner({ logger: silentLogger(), transport: new RedisTransport({ url: redis().url, namespace: ns, role: 'producer' }) });
  try {
    await bare.publish(Array.from({ length: 40 }, (_, i) => newEvent('work', {}, { session_id: `s${i}` })));
    for (let i = 0; i < 300 && ran < 40; i++) await sleep(10);
    assert.equal(ran, 40);
    assert.equal(Number(await c.sendCommand(['XLEN', `af:{${ns}}:outcomes`])), 0, 'nobody read outcomes: none written');
    await producer.start();
    const res = await producer.run(newEvent('work', {}, { session_id: 'reader' }));
    assert.equal(res.state.get('done'), true);
    assert.ok(Number(await c.sendCommand(['XLEN', `af:{${ns}}:outcomes`])) > 0, 'a reader registered: outcomes written');
    await producer.stop();
    assert.equal(Number(await c.sendCommand(['ZCARD', `af:{${ns}}:readers`])), 0, 'a stopped reader unregisters');
  } finally {
    await producer.stop();
    await bare.close();
    await c.close();
    await w.stop();
  }
});
