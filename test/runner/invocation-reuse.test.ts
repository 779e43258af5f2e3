/**
 * Agent calls are pooled (see pipeline/invoke-agent.ts): a call is reused
 * only once its handler's promise can no longer call back. A handler that
 * resolves after its event timed out must not finish some other event's
 * call, with one call per task or several at once (an orchestration).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRunner, newEvent, silentLogger, type EventOutcome } from '../../src/index.js';
import { collaborative } from '../../src/orchestration/index.js';

test('a handler resolving after its timeout does not finish another event: every event ends once, with its own state', async () => {
  const r = createRunner({ logger: silentLogger(), concurrency: 8, timeoutMs: 40 });
  const outcomes = new Map<string, EventOutcome[]>();
  r.onOutcome((o) => outcomes.set(o.eventId, [...(outcomes.get(o.eventId) ?? []), o]));
  r.registerAgent('a', async (_c, e, s) => {
    await sleep(e.getData().slow === true ? 100 : 1);
    return s.clone().set('seen', e.getData().n as number).set('late', e.getData().slow === true);
  });
  await r.start();
  const ids = new Map<string, number>();
  const slow: string[] = [];
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 6; i++) {
      const n = round * 10 + i;
      const ev = newEvent('a', { n, slow: i === 0 && round % 5 === 0 });
      ids.set(ev.getId(), n);
      if (i === 0 && round % 5 === 0) slow.push(ev.getId());
      r.emit(ev);
    }
    await sleep(5);
  }
  await r.drain();
  await sleep(120); // every late handler has resolved by now
  await r.stop();
  assert.equal(outcomes.size, ids.size);
  for (const [id, list] of outcomes) {
    assert.equal(list.length, 1, `event ${id} ended ${list.length} times`);
    const o = list[0]!;
    if (slow.includes(id)) {
      assert.equal(o.status, 'failed');
      assert.equal(o.reason, 'timeout');
    } else {
      assert.equal(o.status, 'completed', `${id}: ${o.reason}`);
      assert.equal(o.state.get('seen'), ids.get(id));
      assert.equal(o.state.get('late'), false);
    }
  }
  const st = r.stats();
  assert.equal(st.completed + st.failed, ids.size);
});

test('agents of one orchestration time out together and their late results reach no other event', async () => {
  // x is called first (it holds the task's waiter slot), y and z wait through listeners; y is always quick, so its
  // call ends while the task can still be aborted through a listener composed with z's.
  const names = ['x', 'y', 'z'];
  const r = createRunner({ logger: silentLogger(), concurrency: 4, timeoutMs: 40, orchestrator: collaborative({ agents: names }) });
  const late: string[] = [];
  for (const name of names) {
    r.registerAgent(name, async (_c, e, s) => {
      const slow = e.getData().slow === true && name !== 'y';
      await sleep(slow ? 100 : 3);
      if (slow) late.push(name);
      return s.clone().set(name, e.getData().n as number);
    });
  }
  await r.start();
  const results: Promise<unknown>[] = [];
  for (let n = 0; n < 60; n++) {
    const ev = newEvent('x', { n, slow: n % 10 === 0 });
    results.push(r.run(ev).then((res) => ({ n, ok: true, got: names.map((k) => res.state.get(k)) }), (err: Error) => ({ n, ok: false, err: err.message })));
    await sleep(1);
  }
  const settled = (await Promise.all(results)) as { n: number; ok: boolean; got?: unknown[]; err?: string }[];
  await sleep(120);
  await r.stop();
  for (const s of settled) {
    // A slow event keeps what its quick agent returned (collaborative tolerates partial failure) or fails: never another's values.
    if (s.n % 10 === 0) assert.ok(!s.ok || (s.got![0] === undefined && s.got![1] === s.n && s.got![2] === undefined), JSON.stringify(s));
    else assert.deepEqual(s, { n: s.n, ok: true, got: [s.n, s.n, s.n] });
  }
  assert.ok(late.length >= 2, 'the slow handlers did resolve late');
});

test('a promise subclass whose then() calls back twice does not hand its call to two later events', async () => {
  class Twice<T> extends Promise<T> {
    override then<A = T, B = never>(ok?: ((v: T) => A | PromiseLike<A>) | null, fail?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
      void super.then(ok, fail);
      return super.then(ok, fail);
    }
  }
  const r = createRunner({ logger: silentLogger(), concurrency: 4 });
  r.registerAgent('twice', (_c, _e, s) => Twice.resolve(s.clone().set('seen', 'twice')));
  r.registerAgent('slow', async (_c, e, s) => {
    await sleep(10 + 10 * (e.getData().n as number));
    return s.clone().set('seen', e.getData().n as number);
  });
  await r.start();
  const first = r.run(newEvent('twice', { n: -1 }));
  await sleep(5);
  const later = [0, 1].map((n) => r.run(newEvent('slow', { n })));
  const seen = await Promise.all([first, ...later].map((p) => p.then((x) => x.state.get('seen'))));
  await r.stop();
  assert.deepEqual(seen, ['twice', 0, 1]);
});
