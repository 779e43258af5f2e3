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

type Internals = { blk: { sendCommand(args: string[]): Promise<unknown> }; cmd: { sendCommand(args: string[]): Promise<unknown> }; owned: Map<number, string>; lose(p: number): void; local: { receipts(): Set<string> } };

/** Makes the transport's next read of new entries lose its reply; `onHistory` runs while a history read (`… 0`) is in flight. */
function loseNextRead(t: RedisTransport, armed: () => boolean, onHistory?: () => Promise<void>): { lost: () => number } {
  const blk = (t as unknown as Internals).blk;
  const send = blk.sendCommand.bind(blk);
  let lost = 0;
  let history = false;
  blk.sendCommand = async (args: string[]) => {
    const reply = await send(args);
    if (armed() && lost === 0 && args[0] === 'XREADGROUP' && args.at(-1) === '>' && reply !== null) {
      lost++;
      throw new Error('Socket closed unexpectedly');
    }
    if (onHistory !== undefined && !history && args[0] === 'XREADGROUP' && args.at(-1) === '0') {
      history = true;
      await onHistory();
    }
    return reply;
  };
  return { lost: () => lost };
}

test('review: a partition lost while the worker read its own pending entries was still run there (twice, with its new owner)', async () => {
  const ns = `lostp${Date.now()}`;
  const tA = new RedisTransport({ url: redis().url, namespace: ns, partitions: 1, leaseMs: 30_000, blockMs: 20, consumer: 'A' });
  const rA = createRunner({ logger: silentLogger(), transport: tA, concurrency: 4 });
  const ran: string[] = [];
  rA.registerAgent('work', async (_c, e, s) => (ran.push(`A${String(e.getData().n)}`), await sleep(20), s));
  await rA.start();
  const a = tA as unknown as Internals;
  // During the recovery read, the lease is gone (as when a renewal finds it taken): the partition is no longer A's.
  let gone = false;
  const probe = loseNextRead(tA, () => true, async () => {
    await a.cmd.sendCommand(['DEL', `af:{${ns}}:p0:lease`]);
    a.lose(0);
    gone = true;
  });
  for (let n = 0; n < 3; n++) rA.emit(newEvent('work', { n }, { session_id: 'one' }));
  for (let i = 0; i < 300 && !gone; i++) await sleep(10);
  const tB = new RedisTransport({ url: redis().url, namespace: ns, partitions: 1, leaseMs: 30_000, blockMs: 20, consumer: 'B' });
  const rB = createRunner({ logger: silentLogger(), transport: tB, concurrency: 4 });
  rB.registerAgent('work', async (_c, e, s) => (ran.push(`B${String(e.getData().n)}`), s));
  await rB.start();
  for (let i = 0; i < 300 && ran.filter((x) => x.startsWith('B')).length < 3; i++) await sleep(10);
  await rA.stop();
  await rB.stop();
  assert.equal(probe.lost(), 1);
  assert.deepEqual(ran, ['B0', 'B1', 'B2'], 'only the new owner ran them, once each, in order');
});

test('review: with more than 1,000 entries pending here (a busy session), a lost read was not recovered', async () => {
  const ns = `pel${Date.now()}`;
  const t = new RedisTransport({ url: redis().url, namespace: ns, partitions: 1, leaseMs: 30_000, blockMs: 20, consumer: 'A', capacity: 10_000 });
  const r = createRunner({ logger: silentLogger(), transport: t, concurrency: 4 });
  const ran: number[] = [];
  let release!: () => void;
  const gate = new Promise<void>((res) => (release = res));
  r.registerAgent('work', async (_c, e, s) => {
    const n = Number(e.getData().n);
    if (n === 0) await gate; // the session's first event holds its turn: the others are read and wait here, pending
    ran.push(n);
    return s;
  });
  await r.start();
  let armed = false;
  const probe = loseNextRead(t, () => armed);
  const N = 1200;
  const publish = async (from: number, to: number) => {
    for (let n = from; n < to; n += 200) await t.publish(Array.from({ length: Math.min(200, to - n) }, (_, k) => newEvent('work', { n: n + k }, { session_id: 'one' })));
  };
  await publish(0, N);
  const a = t as unknown as Internals;
  for (let i = 0; i < 1000 && a.local.receipts().size < 1050; i++) await sleep(20);
  assert.ok(a.local.receipts().size >= 1050, 'over 1,000 entries are pending here, waiting for their session');
  armed = true;
  await publish(N, N + 50);
  for (let i = 0; i < 300 && probe.lost() === 0; i++) await sleep(10);
  // Recovered when every entry pending for this worker is held here again (none stranded).
  const stranded = async (): Promise<number> => {
    const pend = (await a.cmd.sendCommand(['XPENDING', `af:{${ns}}:p0`, 'workers', '-', '+', '100000', 'A'])) as [string][];
    const held = a.local.receipts();
    return pend.filter((x) => !held.has(`0:${String(x[0])}`)).length;
  };
  let left = -1;
  for (let i = 0; i < 300 && (left = await stranded()) !== 0; i++) await sleep(10);
  release();
  await r.stop();
  assert.equal(probe.lost(), 1);
  assert.equal(left, 0, 'every entry pending here is held again after the recovery');
  assert.deepEqual(ran, [...ran].sort((x, y) => x - y), 'what ran, ran in session order');
});
