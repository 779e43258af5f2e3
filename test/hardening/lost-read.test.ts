/**
 * Regression test (found investigating a flaky Redis-restart test): a read
 * (`XREADGROUP … >`) whose reply was lost to a dropped connection left the
 * entries Redis had handed over pending for this worker, which held the
 * partition's lease and never read its own pending entries again: those
 * events never ran while the worker lived (nor did their session's later
 * events, which waited their turn). The worker now takes the pending
 * entries it does not hold before reading anything newer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRunner, newEvent, silentLogger } from '../../src/index.js';
import { RedisTransport } from '../../src/transport/redis/index.js';
import { useRedisServer } from '../support/redis.js';
import { sleep } from '../runner/helpers.js';

const redis = useRedisServer();

test('defect: entries of a read whose reply was lost stayed pending forever on the worker that owned the partition', async () => {
  const t = new RedisTransport({ url: redis().url, namespace: `lost${Date.now()}`, partitions: 2, leaseMs: 5000, blockMs: 20 });
  const r = createRunner({ logger: silentLogger(), transport: t, concurrency: 4 });
  const ran: number[] = [];
  r.registerAgent('work', (_c, e, s) => (ran.push(Number(e.getData().n)), s));
  await r.start();
  // The next read that hands over entries has its reply lost, as when the connection drops after Redis answered.
  const blk = (t as unknown as { blk: { sendCommand(args: string[]): Promise<unknown> } }).blk;
  const send = blk.sendCommand.bind(blk);
  let lost = 0;
  blk.sendCommand = async (args: string[]) => {
    const reply = await send(args);
    if (lost === 0 && args[0] === 'XREADGROUP' && args.at(-1) === '>' && reply !== null) {
      lost++;
      throw new Error('Socket closed unexpectedly');
    }
    return reply;
  };
  for (let n = 0; n < 10; n++) r.emit(newEvent('work', { n }, { session_id: 'one' }));
  for (let i = 0; i < 300 && ran.length < 10; i++) await sleep(10);
  assert.equal(lost, 1, 'a read reply was lost');
  assert.deepEqual(ran, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'every event ran once, in session order');
  await r.stop();
});
