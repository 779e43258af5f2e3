/**
 * examples/distributed: real worker processes on a real redis-server; one is
 * SIGKILLed mid-run. Every event runs, each session in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runDistributedDemo } from '../../examples/distributed/main.js';

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

test('chaos: three workers, a worker SIGKILLed and replaced three times during the run; every event runs, each session in order', async () => {
  const lines: string[] = [];
  const r = await runDistributedDemo({ sessions: 12, perSession: 10, workers: 3, kills: 3, leaseMs: 4000, partitions: 6, log: (s) => lines.push(s) });
  assert.equal(lines.filter((l) => l.includes('killed worker')).length, 3, lines.join('\n'));
  assert.equal(r.takeovers, 3, `each killed worker owned partitions whose work was taken over\n${lines.join('\n')}`);
  assert.equal(r.ran, r.total, lines.join('\n'));
  assert.equal(r.ordered, true, lines.join('\n'));
});
