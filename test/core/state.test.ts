import { test } from 'node:test';
import assert from 'node:assert/strict';
import { State, InvalidEventDataError, InvalidMetadataError, type JsonObject } from '../../src/index.js';

test('get/set/getMeta/setMeta/keys/metaKeys', () => {
  const s = new State({ a: 1 }, { m: 'x' });
  s.set('b', [1, 2]).setMeta('route', 'next');
  assert.equal(s.get('a'), 1);
  assert.deepEqual(s.get('b'), [1, 2]);
  assert.equal(s.get('nope'), undefined);
  assert.equal(s.get('hasOwnProperty'), undefined);
  assert.equal(s.getMeta('route'), 'next');
  assert.deepEqual(s.keys(), ['a', 'b']);
  assert.deepEqual(s.metaKeys(), ['m', 'route']);
  assert.equal(s.delete('a'), true);
  assert.equal(s.has('a'), false);
});

test('clone shares no mutable structure with its source', () => {
  const s = new State({ nested: { list: [1, { x: 1 }] } }, { k: 'v' });
  const c = s.clone();
  (c.get('nested') as { list: unknown[] }).list.push(99);
  ((c.get('nested') as { list: { x: number }[] }).list[1]!).x = 2;
  c.setMeta('k', 'changed');
  assert.deepEqual(s.get('nested'), { list: [1, { x: 1 }] });
  assert.equal(s.getMeta('k'), 'v');
});

test('set copies objects: mutating the original afterwards does not change the state', () => {
  const s = new State();
  const arr = ['trend_up'];
  s.set('insights', arr);
  arr.push('later');
  assert.deepEqual(s.get('insights'), ['trend_up']);
});

test('set refuses non-JSON values and __proto__', () => {
  const s = new State();
  assert.throws(() => s.set('d', new Date() as never), InvalidEventDataError);
  assert.throws(() => s.set('n', Infinity), InvalidEventDataError);
  assert.throws(() => s.set('__proto__', { polluted: true }), InvalidEventDataError);
  assert.throws(() => s.setMeta('m', 3 as never), InvalidMetadataError);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('toJSON/fromJSON round-trip', () => {
  const s = new State({ a: { b: [1, 'c'] } }, { route: 'x' });
  const back = State.fromJSON(JSON.parse(JSON.stringify(s)));
  assert.deepEqual(back.toJSON(), s.toJSON());
});

test('clone shares copy-on-write: no write to either state (set, delete, setMeta, deleteMeta) is seen by the other, flat or nested', () => {
  for (const data of [{ a: 1, b: 'x' }, { a: 1, nested: { list: [1, 2] } }] as JsonObject[]) {
    const src = new State(data, { route: 'r', k: 'v' });
    const c1 = src.clone();
    const c2 = src.clone();
    c1.set('a', 2).delete('b');
    c1.setMeta('k', 'changed').deleteMeta('route');
    assert.deepEqual(src.toObject(), data);
    assert.deepEqual(c2.toObject(), data);
    assert.equal(src.getMeta('k'), 'v');
    assert.equal(c2.getMeta('route'), 'r');
    src.set('a', 3).setMeta('k', 'src');
    assert.equal(c1.get('a'), 2);
    assert.equal(c2.get('a'), 1);
    assert.equal(c2.getMeta('k'), 'v');
    c2.set('z', true).setMeta('z', 'z');
    assert.equal(src.get('z'), undefined);
    assert.equal(c1.getMeta('z'), undefined);
    if ('nested' in data) {
      (c2.get('nested') as { list: number[] }).list.push(3);
      assert.deepEqual((src.get('nested') as { list: number[] }).list, [1, 2], 'nested values are copied, not shared');
    }
  }
});
