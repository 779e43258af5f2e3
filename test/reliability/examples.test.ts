import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../src/index.js';
import { runRetryExample } from '../../examples/reliability/retry-with-backoff.js';
import { runDeadLetterExample } from '../../examples/reliability/dead-letter.js';
import { runClassificationExample } from '../../examples/reliability/error-classification.js';
import { runLoopDetectionExample } from '../../examples/reliability/loop-detection.js';
import { runTimeoutExample } from '../../examples/reliability/timeout.js';

test('retry-with-backoff example: succeeds on the 3rd call; the always-down agent is dead-lettered after 4 attempts', async () => {
  const r = await runRetryExample(silentLogger());
  assert.equal(r.ok.fetched, true);
  assert.equal(r.calls, 3);
  assert.equal(r.deadLetters.length, 1);
  assert.equal(r.deadLetters[0]!.reason, 'retries_exhausted');
  assert.equal(r.deadLetters[0]!.attempts, 4);
  assert.equal(r.trace.filter((e) => e.type === 'retry').length, 2 + 3);
});

test('dead-letter example: the unroutable event is kept and forwarded to dead_letter_handler', async () => {
  const r = await runDeadLetterExample(silentLogger());
  assert.equal(r.deadLetters.length, 1);
  assert.equal(r.deadLetters[0]!.reason, 'no_such_agent');
  assert.equal(r.forwarded.length, 1);
  assert.equal((r.forwarded[0] as { error_reason: string }).error_reason, 'no_such_agent');
});

test('error classification example: verdicts and routing by severity', async () => {
  const r = await runClassificationExample(silentLogger());
  assert.equal(r.verdicts.timeout!.retryable, true);
  assert.equal(r.verdicts.connection!.category, 'network');
  assert.equal(r.verdicts.rate_limit!.category, 'rate_limit');
  assert.equal(r.verdicts.validation!.retryable, false);
  assert.equal(r.verdicts.authorization!.severity, 'critical');
  assert.deepEqual(
    r.handled.map((h) => `${h.handler}:${h.category}:${h.session}`).sort(),
    ['error_handler:network:cls-connection', 'security_team:auth:cls-authorization'],
  );
});

test('loop detection example: ping-pong stops at the hop limit', async () => {
  const r = await runLoopDetectionExample(silentLogger());
  assert.equal(r.err.reason, 'hop_limit_exceeded');
  assert.equal(r.hops, 12);
});

test('timeout example: the signal fires and the event fails with reason timeout', async () => {
  const r = await runTimeoutExample(silentLogger());
  assert.equal(r.reason, 'timeout');
  assert.equal(r.sawAbort, true);
  assert.ok(r.elapsed < 4000);
});
