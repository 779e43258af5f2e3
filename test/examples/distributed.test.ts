/**
 * examples/distributed: real worker processes on a real redis-server; one is
 * SIGKILLed mid-run. Every event runs, each session in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runDistributedDemo } from '../../examples/distributed/main.js';
import { runChaos } from '../../examples/distributed/chaos.js';

test('distributed example: two workers, one SIGKILLed and replaced; every event runs, each session in order', async () => {
  const lines: string[] = [];
  // A long lease: on a loaded CI machine a worker may pause for seconds, and a lease shorter than a pause lets a
  // replaced worker's running handler land after its successor's (see docs/distributed.md).
  const r = await runDistributedDemo({ sessions: 15, perSession: 8, leaseMs: 10_000, log: (s) => lines.push(s) });
  assert.equal(r.ran, r.total, lines.join('\n'));
  assert.equal(r.ordered, true, lines.join('\n'));
  assert.ok(lines.some((l) => l.includes('killed worker')), lines.join('\n'));
  assert.equal(r.takeovers, 1, `the killed worker owned partitions\n${lines.join('\n')}`);
});

test('chaos: three worker processes, one SIGKILLed every few seconds and restarted, plus a poisoned event that kills its worker: every effect exactly once, in order, only the poison dead-lettered, every entry acknowledged', async () => {
  const lines: string[] = [];
  const r = await runChaos({ sessions: 60, perSession: 5, workers: 3, partitions: 6, leaseMs: 3000, killEveryMs: 2500, kills: 3, log: (s) => lines.push(s) });
  const why = lines.filter((l) => !l.startsWith('  [')).join('\n');
  assert.equal(r.kills, 3, why);
  assert.equal(r.ran, r.total, `every event ran\n${why}`);
  assert.equal(r.effects, r.total, `each effect exactly once (ctx.idempotencyKey)\n${why}`);
  assert.equal(r.ordered, true, why);
  assert.deepEqual(r.deadLetters, ['poison'], `only the poisoned event is dead-lettered\n${why}`);
  assert.equal(r.poisonDeliveries, 4, 'after 3 crashing deliveries (maxDeliveries)');
  assert.equal(r.drained, true, 'every partition stream is empty: each entry was acknowledged');
});
