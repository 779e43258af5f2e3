/**
 * The input state borrows the event's flat data and its route-free metadata
 * (copy-on-write): what an agent writes to its input state never reaches the
 * event (a retry and a dead letter see the original), and what is written to
 * the event during a run never reaches the state.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRunner, newEvent, silentLogger, State, type Event } from '../../src/index.js';

test('writes to a borrowed input state (set, delete, setMeta, deleteMeta) never reach the event; retries see the original', async () => {
  const r = createRunner({ logger: silentLogger(), retry: { delayFor: (_err, attempt) => (attempt < 2 ? 1 : -1) } });
  const seen: { data: unknown; meta: unknown }[] = [];
  let attempt = 0;
  r.registerAgent('a', (_c, e, s) => {
    seen.push({ data: { ...e.getData() }, meta: { ...e.getMetadata() } });
    s.set('n', 99).set('added', true).delete('keep');
    s.setMeta('session_id', 'changed').setMeta('extra', 'x').deleteMeta('user');
    if (++attempt === 1) throw new Error('retry me');
    return s;
  });
  await r.start();
  const ev = newEvent('a', { n: 1, keep: 'k' }, { session_id: 's1', user: 'u' });
  const res = await r.run(ev);
  await r.stop();
  // The first attempt failed and was retried; each attempt saw the event as emitted.
  assert.equal(seen.length, 2);
  for (const s of seen) {
    assert.deepEqual(s.data, { n: 1, keep: 'k' });
    assert.equal((s.meta as Record<string, string>).user, 'u');
    assert.equal((s.meta as Record<string, string>).session_id, 's1');
  }
  assert.deepEqual(ev.getData(), { n: 1, keep: 'k' });
  assert.equal(ev.getMetadataValue('extra'), undefined);
  assert.deepEqual(res.state.toObject(), { n: 99, added: true });
  assert.equal(res.state.getMeta('extra'), 'x');
});

test('a write to the event during a run does not reach the borrowed input state; nested data is still copied', async () => {
  const r = createRunner({ logger: silentLogger() });
  let during: Record<string, unknown> = {};
  let nestedAfter: unknown;
  r.registerAgent('flat', (_c, e: Event, s: State) => {
    e.setData('n', 2);
    e.setMetadata('late', 'yes');
    during = { n: s.get('n'), late: s.getMeta('late') };
    return s;
  });
  r.registerAgent('nested', (_c, e: Event, s: State) => {
    (s.get('obj') as { x: number }).x = 42; // a nested value is the state's own copy
    nestedAfter = (e.getData().obj as { x: number }).x;
    return s;
  });
  await r.start();
  await r.run(newEvent('flat', { n: 1 }, { session_id: 's' }));
  await r.run(newEvent('nested', { obj: { x: 1 } }, { session_id: 's' }));
  await r.stop();
  assert.deepEqual(during, { n: 1, late: undefined });
  assert.equal(nestedAfter, 1);
});

test('review: runner.stream() and ctx.emit() wrote into metadata an input state had borrowed', async () => {
  const r = createRunner({ logger: silentLogger() });
  let hopSeen: string | undefined;
  r.registerAgent('pass', (_c, _e, s) => s);
  r.registerAgent('fwd', (ctx, e, s) => {
    if (e.getMetadataValue('parent_event') === undefined) ctx.emit(e); // forwards its own input event
    hopSeen ??= s.getMeta('hop_count') ?? 'none';
    return s;
  });
  await r.start();
  const ev = newEvent('pass', { n: 1 }, { session_id: 's' });
  const res = await r.run(ev);
  for await (const part of r.stream(ev)) void part;
  await r.run(newEvent('fwd', { n: 1 }, { session_id: 't' }));
  await r.stop();
  assert.equal(res.state.getMeta('af_stream'), undefined, 'a later stream() of the same event does not reach an earlier result');
  assert.equal(hopSeen, 'none', 'emitting its own input event does not change the agent\'s input state');
});

test('a routed child shares its flat data with the output state copy-on-write: writing the state after the agent returned does not reach the child', async () => {
  const r = createRunner({ logger: silentLogger() });
  let kept: State | undefined;
  let seen: unknown;
  r.registerAgent('a', (_c, _e, s) => (kept = s.clone().set('x', 1).setMeta('route', 'b')));
  r.registerAgent('b', async (_c, e, s) => {
    await new Promise((res) => setTimeout(res, 5));
    seen = { event: { ...e.getData() }, state: s.toObject() };
    return s;
  });
  await r.start();
  r.emit(newEvent('a', { n: 1 }, { session_id: 's' }));
  await new Promise((res) => setImmediate(res));
  kept!.set('x', 2).delete('n');
  await r.drain();
  await r.stop();
  assert.deepEqual(seen, { event: { n: 1, x: 1 }, state: { n: 1, x: 1 } });
  assert.deepEqual(kept!.toObject(), { x: 2 });
});
