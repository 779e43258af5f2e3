/**
 * Regression tests for defects a review of Runner v2 found; each is named
 * after its defect.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HookPoint, InMemoryTraceLogger, newEvent, QueueFullError, type TraceEntry } from '../../src/index.js';
import { errorRouting } from '../../src/reliability/index.js';
import { assertBalanced, sleep, testRunner, untilAborted } from '../runner/helpers.js';

test('defect: a stop that timed out left children of aborted events queued and in flight', async () => {
  const r = testRunner({ concurrency: 1 });
  r.registerAgent('hang', (ctx) => {
    ctx.emit(newEvent('hang', { child: 1 }));
    ctx.emit(newEvent('hang', { child: 2 }));
    return untilAborted(ctx.signal);
  });
  await r.start();
  const p = r.run(newEvent('hang'));
  await sleep(10);
  await r.stop({ timeoutMs: 30 });
  await assert.rejects(p, (e: { reason?: string }) => e.reason === 'shutdown');
  assertBalanced(r);
  assert.equal(r.stats().emitted, 3);
});

test('defect: an expiry handled by the clock re-armed it later than a newly started event’s timeout', async () => {
  const r = testRunner({ concurrency: 2 });
  r.registerAgent('wait', (ctx) => untilAborted(ctx.signal));
  await r.start();
  const t0 = Date.now();
  const a = r.run(newEvent('wait', {}, { timeout: '50ms' })).catch(() => undefined);
  const b = r.run(newEvent('wait', {}, { timeout: '2s' })).catch(() => undefined);
  let cAt = 0;
  const c = r.run(newEvent('wait', {}, { timeout: '100ms' })).catch(() => (cAt = Date.now() - t0));
  await Promise.all([a, c]);
  assert.ok(cAt < 1000, `the third event timed out after ${cAt} ms instead of ~150 ms`);
  await r.stop({ timeoutMs: 10 });
  await b;
});

test('defect: a hook that renamed an event’s session blocked the old session forever under session ordering', async () => {
  const r = testRunner({ sessionOrdering: true });
  r.registerAgent('a', async (c, e, s) => (await sleep(2), s));
  r.registerCallback(HookPoint.BeforeEventHandling, 'rename', (ctx, args) => {
    if (args.event.getData().rename === true) args.event.setMetadata('session_id', 'elsewhere');
    return args.state;
  });
  await r.start();
  r.emit(newEvent('a', { rename: true }, { session_id: 's' }));
  r.emit(newEvent('a', {}, { session_id: 's' }));
  const done = await Promise.race([r.drain().then(() => 'drained'), sleep(2000).then(() => 'stuck')]);
  assert.equal(done, 'drained');
  await r.stop();
  assertBalanced(r);
});

test('defect: an error-routed event inherited the expired deadline and its handler never ran', async () => {
  const r = testRunner();
  let handled = 0;
  r.registerAgent('slow', (ctx) => untilAborted(ctx.signal));
  r.registerAgent('error_handler', (c, e, s) => (handled++, s));
  errorRouting(r);
  await r.start();
  await r.run(newEvent('slow', {}, { deadline: new Date(Date.now() + 30).toISOString() })).catch(() => undefined);
  await r.drain();
  await r.stop();
  assert.equal(handled, 1);
});

test('defect: run() waited for the error handler of its failed event', async () => {
  const r = testRunner();
  r.registerAgent('bad', () => {
    throw new Error('nope');
  });
  r.registerAgent('error_handler', async (c, e, s) => (await sleep(300), s));
  errorRouting(r);
  await r.start();
  const t0 = Date.now();
  await assert.rejects(r.run(newEvent('bad')));
  assert.ok(Date.now() - t0 < 200, 'run() waited for the error handler');
  await r.drain();
  await r.stop();
});

test('defect: a throwing trace logger leaked in-flight slots forever', async () => {
  class Throwing extends InMemoryTraceLogger {
    override log(e: TraceEntry): void {
      if (e.type === 'event_end') throw new Error('disk full');
      super.log(e);
    }
  }
  const r = testRunner({ concurrency: 2, traceLogger: new Throwing() });
  r.registerAgent('a', (c, e, s) => s);
  await r.start();
  for (let i = 0; i < 4; i++) r.emit(newEvent('a'));
  const done = await Promise.race([r.drain().then(() => 'drained'), sleep(1000).then(() => 'stuck')]);
  assert.equal(done, 'drained');
  await r.stop();
  assertBalanced(r);
});

test('defect: queueSize was not enforced for parked events under session ordering', async () => {
  const r = testRunner({ sessionOrdering: true, queueSize: 10 });
  r.registerAgent('a', (ctx) => untilAborted(ctx.signal));
  await r.start();
  let accepted = 0;
  assert.throws(() => {
    for (let i = 0; i < 200; i++) (r.emit(newEvent('a', {}, { session_id: 'hot' })), accepted++);
  }, QueueFullError);
  assert.ok(accepted <= 11, `accepted ${accepted} events with queueSize 10`);
  await r.stop({ timeoutMs: 10 });
  assertBalanced(r);
});

test('defect: a broadcast to more targets than queueSize (5,000 against 1,000) bypassed the capacity', async () => {
  const r = testRunner({ queueSize: 1000 });
  r.registerAgent('a', (c, e, s) => s);
  await r.start();
  const targets = Array.from({ length: 5000 }, (_, i) => `t${i}`).join(',');
  await assert.rejects(r.run(newEvent('a', {}, { broadcast: 'true', broadcast_targets: targets })), (e: { reason?: string }) => e.reason === 'invalid_event');
  await r.stop();
  assertBalanced(r);
  assert.equal(r.stats().emitted, 1);
});

test('a per-event payload limit is on by default (1 MiB)', async () => {
  const r = testRunner();
  await r.start();
  assert.throws(() => r.emit(newEvent('a', { blob: 'x'.repeat(2 * 1024 * 1024) })), (e: { code?: string }) => e.code === 'AF_ERR_PAYLOAD_TOO_LARGE');
  await r.stop();
});
