/**
 * One child rule for every kind of child: a route hop, a broadcast copy and a
 * ctx.emit child inherit session, chain, hop, parent, deadline, timeout,
 * priority, W3C trace context and user keys; a system event (error routing,
 * dead-letter forwarding) the same except deadline and timeout, at hop 0; a
 * retry is the same event again; a replay keeps the event minus its delivery
 * state.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newEvent, replayMetadata, silentLogger, type Event, type Metadata } from '../../src/index.js';
import { DeadLetterQueue, errorRouting, retryPolicy } from '../../src/reliability/index.js';
import { testRunner } from './helpers.js';

const deadline = new Date(Date.now() + 600_000).toISOString();
const parentMeta: Metadata = {
  session_id: 'rule',
  priority: 'high',
  deadline,
  timeout: '45s',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  tracestate: 'vendor=1',
  tenant: 't1',
};

function assertInherited(m: Record<string, string>, parent: Event, kind: string, system = false): void {
  for (const k of ['session_id', 'priority', 'traceparent', 'tracestate', 'tenant']) assert.equal(m[k], parentMeta[k], `${kind}: ${k}`);
  for (const k of ['deadline', 'timeout']) assert.equal(m[k], system ? undefined : parentMeta[k], `${kind}: ${k}`);
  assert.equal(m.parent_event, parent.getId(), `${kind}: parent_event`);
  assert.equal(m.chain_id, parent.getId(), `${kind}: chain_id`);
  assert.equal(m.attempt, undefined, `${kind}: attempt is not inherited`);
  assert.equal(m.broadcast, undefined, `${kind}: broadcast is not inherited`);
}

test('child rule: a route hop, a broadcast copy and a ctx.emit child inherit the same keys', async () => {
  const r = testRunner();
  const seen: Record<string, Record<string, string>> = {};
  r.registerAgent('start', (ctx, e, s) => {
    ctx.emit(newEvent('emitted', { x: 1 }));
    return s.clone().setMeta('route', 'hop');
  });
  r.registerAgent('hop', (c, e, s) => ((seen.hop = e.getMetadata()), s));
  r.registerAgent('emitted', (c, e, s) => ((seen.emitted = e.getMetadata()), s));
  r.registerAgent('b1', (c, e, s) => ((seen.b1 = e.getMetadata()), s));
  await r.start();
  const root = newEvent('start', {}, parentMeta);
  await r.run(root);
  const bc = newEvent('b1', {}, { ...parentMeta, broadcast: 'true', broadcast_targets: 'b1' });
  await r.run(bc);
  await r.stop();
  assertInherited(seen.hop!, root, 'route hop');
  assert.equal(seen.hop!.hop_count, '1');
  assert.equal(seen.hop!.status, 'success');
  assertInherited(seen.emitted!, root, 'ctx.emit');
  assert.equal(seen.emitted!.hop_count, '1');
  assertInherited(seen.b1!, bc, 'broadcast');
  assert.equal(seen.b1!.broadcast_id, bc.getId());
});

test('child rule: an error-routed event is a system child (same session, chain and trace context) and is never routed again', async () => {
  const r = testRunner();
  const seen: Record<string, string>[] = [];
  r.registerAgent('bad', () => {
    throw new Error('nope');
  });
  r.registerAgent('error_handler', (c, e, s) => {
    seen.push(e.getMetadata());
    throw new Error('handler fails too');
  });
  errorRouting(r);
  await r.start();
  const root = newEvent('bad', {}, parentMeta);
  await r.run(root).catch(() => undefined);
  await r.drain();
  await r.stop();
  assert.equal(seen.length, 1, 'the failing error handler must not be routed again');
  assertInherited(seen[0]!, root, 'error routing', true);
  assert.equal(seen[0]!.af_system, 'error_routing');
  assert.equal(seen[0]!.hop_count, '0');
});

test('child rule: error routing and dead-letter forwarding never trigger each other', async () => {
  const host = { emit: (e: Event) => r.emit(e), getStatus: () => r.getStatus(), onOutcome: () => () => undefined, logger: silentLogger() };
  const dlq = new DeadLetterQueue({ forward: { runner: host } });
  const r = testRunner({ deadLetter: dlq });
  let handled = 0;
  r.registerAgent('bad', () => {
    throw new Error('nope');
  });
  r.registerAgent('error_handler', () => {
    handled++;
    throw new Error('error handler fails');
  });
  r.registerAgent('dead_letter_handler', () => {
    handled++;
    throw new Error('dead-letter handler fails');
  });
  errorRouting(r);
  await r.start();
  await r.run(newEvent('bad', { blob: 'x'.repeat(1000) }, parentMeta)).catch(() => undefined);
  await r.drain();
  await r.stop();
  const s = r.stats();
  assert.ok(s.emitted <= 4, `a failure multiplied into ${s.emitted} events`);
  assert.ok(handled <= 3);
});

test('child rule: a retry is the same event delivered again; a replay drops only delivery state', async () => {
  const r = testRunner({ retry: retryPolicy({ maxRetries: 1, baseDelayMs: 1, jitter: false }) });
  const ids: string[] = [];
  const attempts: number[] = [];
  const keys: string[] = [];
  r.registerAgent('flaky', (ctx, e, s) => {
    ids.push(e.getId());
    keys.push(ctx.idempotencyKey);
    attempts.push(ctx.attempt);
    if (ctx.attempt === 1) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
    return s;
  });
  await r.start();
  const ev = newEvent('flaky', {}, parentMeta);
  await r.run(ev);
  await r.stop();
  assert.deepEqual(ids, [ev.getId(), ev.getId()]);
  assert.deepEqual(attempts, [1, 2]);
  assert.deepEqual(keys, [ev.getId(), ev.getId()], 'ctx.idempotencyKey is stable across retries');
  assert.deepEqual(replayMetadata({ ...parentMeta, attempt: '3', af_system: 'dead_letter' }), parentMeta);
});
