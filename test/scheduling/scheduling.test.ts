import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newEvent, InMemoryTransport, QueueFullError, EventFailedError, ErrorCodes, type State, type EventOutcome } from '../../src/index.js';
import { assertBalanced, sleep, testRunner, untilAborted } from '../runner/helpers.js';

/** A runner with one worker held by a gate, so events pile up in the queue in a known order. */
async function gated(config: Parameters<typeof testRunner>[0] = {}) {
  const order: string[] = [];
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const r = testRunner({ concurrency: 1, ...config });
  r.registerAgent('gate', async (c, e, s) => {
    await gate;
    return s;
  });
  r.registerAgent('rec', (c, e, s) => {
    order.push(String(e.getData().name));
    return s;
  });
  await r.start();
  r.emit(newEvent('gate'));
  await sleep(1);
  return { r, order, open };
}

test('priority: with one worker, critical events queued after low ones run first; FIFO within a level', async () => {
  const { r, order, open } = await gated();
  for (const [name, priority] of [
    ['low1', 'low'],
    ['normal1', 'normal'],
    ['low2', 'low'],
    ['high1', 'high'],
    ['crit1', 'critical'],
    ['none1', ''],
    ['crit2', 'critical'],
    ['high2', 'high'],
  ] as const) {
    r.emit(newEvent('rec', { name }, priority ? { priority } : {}));
  }
  open();
  await r.drain();
  await r.stop();
  assert.deepEqual(order, ['crit1', 'crit2', 'high1', 'high2', 'normal1', 'none1', 'low1', 'low2']);
});

test('priority starvation guard: a low event waits behind at most maxBypass higher ones', async () => {
  const { r, order, open } = await gated({ transport: new InMemoryTransport({ capacity: 1000, maxBypass: 3 }) });
  r.emit(newEvent('rec', { name: 'low' }, { priority: 'low' }));
  for (let i = 0; i < 10; i++) r.emit(newEvent('rec', { name: `c${i}` }, { priority: 'critical' }));
  open();
  await r.drain();
  await r.stop();
  assert.equal(order.indexOf('low'), 3, order.join(','));
});

test('strict priority order holds in the transport itself, and the guard is bounded', () => {
  const t = new InMemoryTransport({ capacity: 100, maxBypass: 2 });
  t.publish([newEvent('a', { n: 'L' }, { priority: 'low' })]);
  t.publish([newEvent('a', { n: 'N' }, { priority: 'normal' })]);
  for (let i = 0; i < 5; i++) t.publish([newEvent('a', { n: `C${i}` }, { priority: 'critical' })]);
  const got: string[] = [];
  let batch;
  while ((batch = t.receive(1)).length) got.push(String(batch[0]!.event.getData().n));
  // After 2 bypasses both L and N are due; the lowest level is served first.
  assert.deepEqual(got, ['C0', 'C1', 'L', 'N', 'C2', 'C3', 'C4']);
});

test('session ordering: sessions interleave while each session stays FIFO', async () => {
  const r = testRunner({ concurrency: 4, sessionOrdering: true });
  const seen: Record<string, number[]> = { a: [], b: [] };
  let inA = 0;
  let overlapA = false;
  let interleaved = false;
  r.registerAgent('work', async (c, e, s) => {
    const sess = e.getSessionId();
    const n = e.getData().n as number;
    if (sess === 'a') {
      if (++inA > 1) overlapA = true;
    }
    if (sess === 'b' && seen.a!.length > 0 && seen.a!.length < 5) interleaved = true;
    await sleep(3 + ((n * 7) % 5));
    if (sess === 'a') inA--;
    seen[sess]!.push(n);
    return s;
  });
  await r.start();
  for (let i = 0; i < 5; i++) {
    r.emit(newEvent('work', { n: i }, { session_id: 'a' }));
    r.emit(newEvent('work', { n: i }, { session_id: 'b' }));
  }
  await r.drain();
  await r.stop();
  assert.deepEqual(seen.a, [0, 1, 2, 3, 4]);
  assert.deepEqual(seen.b, [0, 1, 2, 3, 4]);
  assert.equal(overlapA, false, 'never two events of session a at once');
  assert.equal(interleaved, true, 'session b ran while session a was in progress');
  assertBalanced(r);
});

test('concurrency: up to `concurrency` handlers run at once (counted inside the handlers)', async () => {
  const r = testRunner({ concurrency: 8 });
  let now = 0;
  let peak = 0;
  r.registerAgent('wait', async (c, e, s) => {
    peak = Math.max(peak, ++now);
    await sleep(20);
    now--;
    return s;
  });
  await r.start();
  for (let i = 0; i < 24; i++) r.emit(newEvent('wait'));
  await r.drain();
  await r.stop();
  assert.equal(peak, 8);
});

test('broadcast: one event per target, each carrying broadcast_id, natively', async () => {
  const r = testRunner();
  const got: { agent: string; meta: Record<string, string>; data: unknown }[] = [];
  for (const a of ['data_processor', 'data_analyzer', 'report_generator']) {
    r.registerAgent(a, (c, e, s) => (got.push({ agent: a, meta: { ...e.getMetadata() }, data: e.getData() }), s));
  }
  await r.start();
  const b = newEvent('', { announcement: 'New data available for processing' }, {
    session_id: 'broadcast-session-001',
    broadcast: 'true',
    broadcast_targets: 'data_processor, data_analyzer,report_generator',
  });
  const res = await r.run(b);
  await r.stop();
  assert.equal(res.events, 4);
  assert.deepEqual(got.map((g) => g.agent).sort(), ['data_analyzer', 'data_processor', 'report_generator']);
  for (const g of got) {
    assert.equal(g.meta.broadcast_id, b.getId());
    assert.equal(g.meta.session_id, 'broadcast-session-001');
    assert.equal(g.meta.route, g.agent);
    assert.equal(g.meta.broadcast, undefined);
    assert.deepEqual(g.data, { announcement: 'New data available for processing' });
  }
});

test('deadline already passed: not run, recorded with reason deadline_exceeded', async () => {
  const r = testRunner();
  let ran = false;
  const outcomes: EventOutcome[] = [];
  r.onOutcome((o) => outcomes.push(o));
  r.registerAgent('a', (c, e, s) => ((ran = true), s));
  await r.start();
  await assert.rejects(r.run(newEvent('a', {}, { deadline: new Date(Date.now() - 1000).toISOString() })), (e: EventFailedError) => e.reason === 'deadline_exceeded');
  await r.stop();
  assert.equal(ran, false);
  assert.equal(outcomes[0]!.error!.code, ErrorCodes.DEADLINE_EXCEEDED);
});

test('a running handler’s signal fires at the deadline', async () => {
  const r = testRunner({ timeoutMs: 0 });
  let abortedWith: unknown;
  r.registerAgent('slow', async (ctx) => {
    try {
      return await untilAborted(ctx.signal);
    } catch (err) {
      abortedWith = err;
      throw err;
    }
  });
  await r.start();
  const t0 = Date.now();
  await assert.rejects(r.run(newEvent('slow', {}, { deadline: new Date(Date.now() + 40).toISOString() })), (e: EventFailedError) => e.reason === 'deadline_exceeded');
  await r.stop();
  assert.equal((abortedWith as { code?: string }).code, ErrorCodes.DEADLINE_EXCEEDED);
  assert.ok(Date.now() - t0 >= 30);
});

test('deadline, timeout and priority travel to chained events and to events emitted with ctx.emit', async () => {
  const r = testRunner();
  const metas: Record<string, string>[] = [];
  const deadline = new Date(Date.now() + 60_000).toISOString();
  r.registerAgent('first', (ctx, e, s) => {
    ctx.emit(newEvent('side'));
    return s.clone().setMeta('route', 'second');
  });
  r.registerAgent('second', (c, e, s) => (metas.push({ ...e.getMetadata(), who: 'second' }), s));
  r.registerAgent('side', (c, e, s) => (metas.push({ ...e.getMetadata(), who: 'side' }), s));
  await r.start();
  await r.run(newEvent('first', {}, { deadline, timeout: '45s', priority: 'high' }));
  await r.stop();
  assert.equal(metas.length, 2);
  for (const m of metas) {
    assert.equal(m.deadline, deadline, m.who);
    assert.equal(m.timeout, '45s', m.who);
  }
  assert.equal(metas.find((m) => m.who === 'second')!.priority, 'high');
});

test('send() waits for room when the queue is full, and times out with QueueFullError', async () => {
  const { r, open } = await gated({ queueSize: 2 });
  r.emit(newEvent('rec', { name: 'q1' }));
  r.emit(newEvent('rec', { name: 'q2' }));
  assert.throws(() => r.emit(newEvent('rec', { name: 'q3' })), QueueFullError);
  await assert.rejects(r.send(newEvent('rec', { name: 'q3' }), { timeoutMs: 20 }), QueueFullError);
  const waiting = r.send(newEvent('rec', { name: 'q4' }), { timeoutMs: 2000 });
  setTimeout(open, 10);
  await waiting;
  await r.drain();
  await r.stop();
  assert.equal(r.stats().completed, 4);
  assertBalanced(r);
});

test('hop limit: chain_id and hop_count are kept, and exceeding maxHops stops the chain with hop_limit_exceeded', async () => {
  const r = testRunner({ maxHops: 3 });
  const hops: string[] = [];
  r.registerAgent('ping', (c, e, s: State) => (hops.push(e.getMetadataValue('hop_count') ?? '0'), s.clone().setMeta('route', 'ping')));
  await r.start();
  const root = newEvent('ping', {}, { session_id: 'hops' });
  await assert.rejects(r.run(root), (e: EventFailedError) => e.reason === 'hop_limit_exceeded' && /hop count 4 exceeds the limit of 3/.test(e.message));
  await r.stop();
  assert.deepEqual(hops, ['0', '1', '2', '3']);
  const ends = r.dumpTrace('hops').filter((e) => e.type === 'event_end');
  assert.equal(ends.at(-1)!.reason, 'hop_limit_exceeded');
  assertBalanced(r);
});

test('session ordering holds across retries: a later event of the session waits for the retried one', async () => {
  const { retryPolicy } = await import('../../src/reliability/index.js');
  const r = testRunner({ concurrency: 4, sessionOrdering: true, retry: retryPolicy({ maxRetries: 2, baseDelayMs: 15, jitter: false }) });
  const done: string[] = [];
  r.registerAgent('w', (ctx, e, s) => {
    const n = String(e.getData().n);
    if (n === 'first' && ctx.attempt === 1) throw Object.assign(new Error('flaky'), { code: 'ECONNRESET' });
    done.push(n);
    return s;
  });
  await r.start();
  r.emit(newEvent('w', { n: 'first' }, { session_id: 'ordered' }));
  r.emit(newEvent('w', { n: 'second' }, { session_id: 'ordered' }));
  r.emit(newEvent('w', { n: 'other' }, { session_id: 'elsewhere' }));
  await r.drain();
  await r.stop();
  assert.deepEqual(done.filter((x) => x !== 'other'), ['first', 'second']);
  assert.ok(done.indexOf('other') < done.indexOf('first'), 'other sessions are not held up');
  assertBalanced(r);
});
