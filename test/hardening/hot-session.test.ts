/**
 * Regression test (found this stop): on Redis, a session's next event waited
 * for the worker's blocking read to time out (and then for the next read)
 * before it could start: one busy session ran at ~5 events/s with a 20 ms
 * block and ~3/s with the default 100 ms (185 and 345 ms per event). A
 * delivery that becomes ready now cuts the blocking read short.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRunner, newEvent, silentLogger } from '../../src/index.js';
import { RedisTransport } from '../../src/transport/redis/index.js';
import { useRedisServer } from '../support/redis.js';
import { sleep } from '../runner/helpers.js';

const redis = useRedisServer();

test('defect: a session\'s next event waited for the blocking read\'s full block time', async () => {
  // A long block: before the fix, each of these events waited at least this long after the one before it.
  const t = new RedisTransport({ url: redis().url, namespace: `hot${Date.now()}`, partitions: 2, blockMs: 3000 });
  const r = createRunner({ logger: silentLogger(), transport: t, concurrency: 8 });
  const ran: number[] = [];
  r.registerAgent('work', (_c, e, s) => (ran.push(Number(e.getData().n)), s));
  await r.start();
  await t.publish(Array.from({ length: 20 }, (_, n) => newEvent('work', { n }, { session_id: 'hot' })));
  const t0 = Date.now();
  for (let i = 0; i < 1000 && ran.length < 20; i++) await sleep(10);
  const took = Date.now() - t0;
  await r.stop();
  assert.deepEqual(ran, Array.from({ length: 20 }, (_, n) => n), 'all ran, in session order');
  // 20 events behind one another took ≥ 20 block times (60 s) before; a generous bound, far from both.
  assert.ok(took < 6000, `20 events of one session took ${took} ms`);
});
