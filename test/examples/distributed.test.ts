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
  assert.ok(lines.some((l) => l.includes('killed worker w1')), lines.join('\n'));
});
