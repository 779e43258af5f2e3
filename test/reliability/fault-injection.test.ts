/**
 * 100,000 events through a flow whose agents randomly throw retryable and
 * fatal errors, hang past their timeout, and return malformed results, with
 * hooks that sometimes throw. Afterwards: the accounting identity holds
 * exactly, every failure is findable with its reason, and nothing leaks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newEvent, HookPoint, UnrecoverableError, type EventOutcome, type State } from '../../src/index.js';
import { DeadLetterQueue, retryPolicy } from '../../src/reliability/index.js';
import { testRunner } from '../runner/helpers.js';

/** Mulberry32: a small seeded PRNG, so the run is reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('fault injection: 100,000 events, random faults, exact accounting, nothing lost, no leaks', { timeout: 180_000 }, async () => {
  const N = 100_000;
  const rand = prng(42);
  const resourcesBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const dlq = new DeadLetterQueue({ maxEntries: N * 2 });
  const r = testRunner({
    concurrency: 256,
    queueSize: 5_000,
    timeoutMs: 25,
    deadLetter: dlq,
    retry: retryPolicy({ maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2, jitter: true, random: rand }),
  });
  const outcomes = new Map<string, EventOutcome>();
  r.onOutcome((o) => outcomes.set(o.eventId, o));

  const behave = async (ctx: { signal: AbortSignal; attempt: number }, state: State, next?: string): Promise<State> => {
    const x = rand();
    if (x < 0.05) throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' }); // retryable
    if (x < 0.08) throw new UnrecoverableError('bad record'); // fatal
    if (x < 0.09) throw Object.assign(new Error('quota exceeded'), { status: 429 }); // rate limit, retryable
    if (x < 0.095) {
      // hangs past the timeout; half honour the signal, half ignore it
      if (rand() < 0.5) await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }));
      else await new Promise((res) => setTimeout(res, 60));
    }
    if (x < 0.1) return { not: 'a result' } as unknown as State; // malformed
    if (x < 0.5) await Promise.resolve();
    const out = state.clone().set('seen', ((state.get('seen') as number) ?? 0) + 1);
    return next ? out.setMeta('route', next) : out;
  };
  r.registerAgent('a', (ctx, e, s) => behave(ctx, s, rand() < 0.3 ? 'b' : undefined));
  r.registerAgent('b', (ctx, e, s) => behave(ctx, s));
  r.registerCallback(HookPoint.BeforeEventHandling, 'flaky-before', () => {
    if (rand() < 0.01) throw new Error('before hook failed');
  });
  r.registerCallback(HookPoint.AfterAgentRun, 'flaky-after', () => {
    if (rand() < 0.005) throw new Error('after-agent hook failed');
  });
  r.registerCallback(HookPoint.AfterEventHandling, 'flaky-observer', () => {
    if (rand() < 0.005) throw new Error('observer failed');
  });
  await r.start();
  for (let i = 0; i < N; i++) {
    const target = rand() < 0.002 ? 'ghost' : 'a';
    await r.send(newEvent(target, { i }, { session_id: `s${i % 500}` }), { timeoutMs: 30_000 });
  }
  await r.drain();
  await r.stop();

  const s = r.stats();
  assert.equal(s.inFlight, 0);
  assert.equal(s.queued, 0);
  assert.equal(s.retryPending, 0);
  assert.equal(s.emitted, s.completed + s.failed + s.deadLettered, JSON.stringify(s));
  assert.ok(s.emitted > N, 'chained hops were emitted too');
  assert.equal(s.failed, 0, 'with a DLQ every failure is dead-lettered');
  assert.equal(outcomes.size, s.emitted, 'one final outcome per emitted event');
  // Every failed event is in the DLQ with its reason and error.
  const failedIds = [...outcomes.values()].filter((o) => o.status !== 'completed');
  assert.equal(failedIds.length, s.deadLettered);
  for (const o of failedIds) {
    const d = dlq.get(o.eventId);
    assert.ok(d, `event ${o.eventId} (${o.reason}) is in the DLQ`);
    assert.equal(d.reason, o.reason);
    assert.ok(d.error.code.startsWith('AF_ERR_'));
  }
  const reasons = new Set(failedIds.map((o) => o.reason));
  for (const want of ['agent_error', 'retries_exhausted', 'invalid_result', 'hook_rejected', 'no_such_agent']) assert.ok(reasons.has(want as never), `saw ${want}: ${[...reasons]}`);
  assert.ok(s.retried > 0);
  assert.ok(s.callbackErrors > 0);
  // No leaked timers or listeners: let ignored hangs finish, then compare.
  await new Promise((res) => setTimeout(res, 100));
  const resourcesAfter = process.getActiveResourcesInfo().filter((x) => x === 'Timeout').length;
  assert.ok(resourcesAfter <= resourcesBefore, `timers before ${resourcesBefore}, after ${resourcesAfter}`);
});
