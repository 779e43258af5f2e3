/**
 * Regression test (the distributed issue's last item): a worker published an
 * event's outcome after its settle, in a second step. A worker that died
 * between the two left the event acknowledged and its outcome unannounced,
 * so a producer's `run()` waited forever. The settle now announces the
 * children and the outcome in the same atomic step.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRunner, newEvent, silentLogger } from '../../src/index.js';
import { RedisTransport } from '../../src/transport/redis/index.js';
import type { Delivery, Settlement } from '../../src/transport/types.js';
import { useRedisServer } from '../support/redis.js';

const redis = useRedisServer();

test('defect: a worker that dies right after settling an event never announced its outcome; a producer\'s run() hung', async () => {
  const ns = `atomic${Date.now()}`;
  const transport = (consumer: string) => new RedisTransport({ url: redis().url, namespace: ns, partitions: 2, leaseMs: 800, blockMs: 20, consumer });
  const dying = transport('dying');
  const settle = dying.settle.bind(dying);
  let settled = 0;
  // The process dies the moment Redis has the settlement: nothing after it runs in this worker.
  dying.settle = async (d: Delivery, s: Settlement) => {
    await settle(d, s);
    settled++;
    dying.kill();
    return new Promise<boolean>(() => undefined);
  };
  const ran: string[] = [];
  const workers = [createRunner({ logger: silentLogger(), transport: dying })];
  const producer = createRunner({ logger: silentLogger(), transport: new RedisTransport({ url: redis().url, namespace: ns, partitions: 2, role: 'producer' }) });
  for (const r of workers) {
    r.registerAgent('a', (_c, _e, s) => (ran.push('a'), s.clone().set('a', 1).setMeta('route', 'b')));
    r.registerAgent('b', (_c, _e, s) => (ran.push('b'), s.clone().set('b', 2)));
  }
  await workers[0]!.start();
  await producer.start();
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('run() did not resolve within 8 s')), 8000)));
  const run = Promise.race([producer.run(newEvent('a', { x: 0 }, { session_id: 's1' })), hung]).finally(() => clearTimeout(timer));
  // Hop `a` is settled by the dying worker (its child `b` published with it); a second worker takes over and runs `b`.
  const second = createRunner({ logger: silentLogger(), transport: transport('second') });
  second.registerAgent('a', (_c, _e, s) => (ran.push('a again'), s));
  second.registerAgent('b', (_c, _e, s) => (ran.push('b'), s.clone().set('b', 2)));
  await second.start();
  const res = await run;
  assert.equal(settled, 1, 'the dying worker settled hop a, then died');
  assert.deepEqual(ran, ['a', 'b'], 'hop a was acknowledged with its child: it does not run again');
  assert.equal(res.events, 2);
  assert.deepEqual(res.state.toObject(), { x: 0, a: 1, b: 2 });
  await producer.stop();
  await second.stop();
});
