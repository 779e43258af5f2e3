/**
 * formatTrace, the flat listing `agentflow run` prints: offsets from the
 * start of the earliest entry, retry lines with the next attempt and its
 * delay, tool and handoff entries named.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTrace, newEvent } from '../../src/index.js';
import { retryPolicy } from '../../src/reliability/index.js';
import { testRunner } from '../runner/helpers.js';

test('formatTrace: offsets start at the earliest start; a retry says which attempt comes and when; activity entries say what they concern', async () => {
  const runner = testRunner({ retry: retryPolicy({ maxRetries: 1, baseDelayMs: 40, jitter: false }) });
  runner.registerAgent('flaky', async (ctx, ev, state) => {
    await new Promise((r) => setTimeout(r, 30));
    if (ctx.attempt === 1) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
    ctx.report({ kind: 'tool_call', tool: 'weather', callId: 'c1', arguments: '{"city":"Oslo"}', round: 1 });
    ctx.report({ kind: 'tool_result', tool: 'weather', callId: 'c1', ok: true, durationMs: 3, resultChars: 12 });
    ctx.report({ kind: 'handoff', to: 'billing', accepted: false, reason: 'not declared' });
    return state;
  });
  runner.registerAgent('slow', async (ctx, ev, state) => (await new Promise((r) => setTimeout(r, 30)), state));
  await runner.start();
  await runner.run(newEvent('flaky', {}, { session_id: 'fmt' }));
  await runner.run(newEvent('slow', {}, { session_id: 'one' }));
  await runner.stop();
  // One event: its end is listed at its duration, not at 0 (the listing's clock starts when the event started).
  const [only] = runner.dumpTrace('one');
  assert.equal(only!.type, 'event_end');
  assert.equal(Number(/^\+\s*(\d+)ms/.exec(formatTrace([only!]))![1]), only!.durationMs);
  assert.ok(only!.durationMs! >= 25);
  const entries = runner.dumpTrace('fmt');
  const lines = formatTrace(entries).split('\n');
  const end = entries.find((e) => e.type === 'event_end')!;
  const firstStart = Math.min(...entries.map((e) => e.timestamp - (e.durationMs ?? 0)));
  assert.match(lines[0]!, /^\+ {0,3}\d+ms/);
  assert.ok(lines.every((l) => Number(/^\+\s*(\d+)ms/.exec(l)![1]) >= 0), 'no negative offset');
  const endLine = lines.find((l) => l.includes('event_end'))!;
  assert.equal(Number(/^\+\s*(\d+)ms/.exec(endLine)![1]), end.timestamp - firstStart, 'offsets count from the earliest start');
  assert.match(lines.find((l) => l.includes('retry'))!, /attempt 2 in 40 ms/);
  assert.match(lines.find((l) => l.includes('tool_call'))!, /weather \(15 chars of arguments\)/);
  assert.match(lines.find((l) => l.includes('tool_result'))!, /weather ok/);
  assert.match(lines.find((l) => l.includes('handoff'))!, /→ billing \(refused\)/);
});

test('queue wait: an event held behind a busy worker records how long it waited, and the tree splits queued from run time', async () => {
  const { formatTraceTree, queueWaitOf } = await import('../../src/observability/index.js');
  const runner = testRunner({ concurrency: 1, retry: retryPolicy({ maxRetries: 1, baseDelayMs: 30, jitter: false }) });
  let calls = 0;
  runner.registerAgent('busy', async (_c, _e, state) => (await new Promise((r) => setTimeout(r, 60)), state));
  runner.registerAgent('flaky', async (_c, _e, state) => {
    if (++calls === 1) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
    return state;
  });
  await runner.start();
  const first = runner.run(newEvent('busy', {}, { session_id: 'w1' }));
  const second = runner.run(newEvent('busy', {}, { session_id: 'w2' }));
  await Promise.all([first, second]);
  await runner.run(newEvent('flaky', {}, { session_id: 'w3' }));
  await runner.stop();
  const [a] = runner.dumpTrace('w1');
  const [b] = runner.dumpTrace('w2');
  assert.ok(a!.queueWaitMs! < 30, `the first event ran at once (waited ${a!.queueWaitMs} ms)`);
  assert.ok(b!.queueWaitMs! >= 50, `the second waited for the only slot (waited ${b!.queueWaitMs} ms)`);
  assert.match(formatTraceTree([b!]), new RegExp(`busy {2}completed {2}\\d+ms \\(\\+${b!.queueWaitMs}ms queued\\)`));
  // A retried attempt: no queueWaitMs of its own; the wait is counted from when its retry was due.
  const w3 = runner.dumpTrace('w3');
  const end = w3.find((e) => e.type === 'event_end')!;
  assert.equal(end.attempt, 2);
  assert.equal(end.queueWaitMs, undefined);
  const wait = queueWaitOf(end, w3.filter((e) => e.type === 'retry'));
  assert.ok(wait !== undefined && wait >= 0 && wait < 30, `waited ${wait} ms after the retry was due`);
});
