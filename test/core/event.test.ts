import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Event, newEvent, isUuidV4, uuidv4, InvalidEventDataError, InvalidMetadataError, InvalidEventJsonError, ErrorCodes } from '../../src/index.js';

test('newEvent assigns a UUID v4, a timestamp, target, session from metadata', () => {
  const before = Date.now();
  const ev = newEvent('data-analyzer', { query: 'SELECT 1', limit: 1000 }, { session_id: 'session-12345', route: 'data-analyzer', priority: 'normal', timeout: '30s' });
  assert.ok(isUuidV4(ev.getId()), ev.getId());
  assert.ok(ev.getTimestamp() instanceof Date);
  assert.ok(ev.getTimestampMs() >= before && ev.getTimestampMs() <= Date.now());
  assert.equal(ev.getTargetAgentId(), 'data-analyzer');
  assert.equal(ev.getSourceAgentId(), '');
  assert.equal(ev.getSessionId(), 'session-12345');
  assert.deepEqual(ev.getData(), { query: 'SELECT 1', limit: 1000 });
  assert.equal(ev.getMetadataValue('priority'), 'normal');
  assert.equal(ev.getMetadataValue('missing'), undefined);
  assert.equal(ev.getMetadataValue('toString'), undefined, 'inherited names are not metadata');
});

test('uuidv4 ids are unique, well-formed and flat strings', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 5000; i++) {
    const id = uuidv4();
    assert.ok(isUuidV4(id), id);
    seen.add(id);
  }
  assert.equal(seen.size, 5000);
});

test('newEvent copies data and metadata: later caller mutation does not leak in', () => {
  const data = { nested: { list: [1, 2] } };
  const meta = { session_id: 's' };
  const ev = newEvent('a', data, meta);
  data.nested.list.push(3);
  meta.session_id = 'changed';
  assert.deepEqual(ev.getData(), { nested: { list: [1, 2] } });
  assert.equal(ev.getSessionId(), 's');
});

test('setters mutate the event; setData validates JSON', () => {
  const ev = newEvent('a');
  ev.setId('id-1');
  ev.setTargetAgentId('b');
  ev.setSourceAgentId('c');
  ev.setData('k', { x: [true, null] });
  ev.setMetadata('session_id', 's2');
  assert.equal(ev.getId(), 'id-1');
  assert.equal(ev.getTargetAgentId(), 'b');
  assert.equal(ev.getSourceAgentId(), 'c');
  assert.deepEqual(ev.getData().k, { x: [true, null] });
  assert.equal(ev.getSessionId(), 's2');
  assert.throws(() => ev.setData('bad', (() => 1) as never), InvalidEventDataError);
  assert.throws(() => ev.setMetadata('n', 1 as never), InvalidMetadataError);
});

test('toJSON / fromJSON round-trip exactly, also through a JSON string', () => {
  const ev = newEvent('a', { s: 'x', n: 1.5, b: false, z: null, arr: [1, 'two', { three: 3 }], o: { deep: { er: 'est' } } }, { session_id: 's', route: 'a' });
  ev.setSourceAgentId('src');
  const back = Event.fromJSON(JSON.parse(JSON.stringify(ev)));
  assert.deepEqual(back.toJSON(), ev.toJSON());
  assert.equal(back.getTimestampMs(), ev.getTimestampMs());
  const back2 = Event.fromJSON(JSON.stringify(ev.toJSON()));
  assert.deepEqual(back2.toJSON(), ev.toJSON());
});

test('fromJSON rejects malformed input with typed errors naming the field', () => {
  assert.throws(() => Event.fromJSON('{not json'), (e: InvalidEventJsonError) => e.code === ErrorCodes.INVALID_EVENT_JSON);
  assert.throws(() => Event.fromJSON({ id: 1 } as never), (e: InvalidEventJsonError) => e.details.key === 'id');
  const good = newEvent('a').toJSON();
  assert.throws(() => Event.fromJSON({ ...good, timestamp: 'yesterday' }), (e: InvalidEventJsonError) => e.details.key === 'timestamp');
  assert.throws(() => Event.fromJSON({ ...good, metadata: { n: 5 } as never }), InvalidMetadataError);
});

test('non-JSON data is refused with the path of the bad value', () => {
  const cases: [string, unknown, string][] = [
    ['function', { a: { fn: () => 1 } }, 'data.a.fn'],
    ['Date', { when: new Date() }, 'data.when'],
    ['bigint', { n: 10n }, 'data.n'],
    ['NaN', { list: [1, NaN] }, 'data.list[1]'],
    ['undefined', { u: undefined }, 'data.u'],
    ['Map', { m: new Map() }, 'data.m'],
  ];
  for (const [name, data, path] of cases) {
    assert.throws(
      () => newEvent('a', data as never),
      (e: InvalidEventDataError) => e instanceof InvalidEventDataError && e.details.path === path && e.message.includes(path),
      name,
    );
  }
  const cyc: Record<string, unknown> = {};
  cyc.self = cyc;
  assert.throws(() => newEvent('a', cyc as never), InvalidEventDataError);
});

test('__proto__ keys are refused and nothing is polluted; constructor is a plain key', () => {
  const evil = JSON.parse('{"__proto__": {"polluted": "yes"}}');
  assert.throws(() => newEvent('a', evil), (e: InvalidEventDataError) => e.details.path === 'data.__proto__');
  assert.throws(() => newEvent('a', {}, JSON.parse('{"__proto__": "x"}')), InvalidMetadataError);
  const ev = newEvent('a', { constructor: 'c', nested: JSON.parse('{"ok": {"constructor": {"prototype": 1}}}') }, { constructor: 'm' });
  assert.equal(ev.getData().constructor, 'c');
  assert.equal(ev.getMetadataValue('constructor'), 'm');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
});

test('non-string metadata is refused naming the key', () => {
  assert.throws(() => newEvent('a', {}, { priority: 1 } as never), (e: InvalidMetadataError) => e.details.key === 'priority' && e.code === ErrorCodes.INVALID_METADATA);
});

test('an event id is made text when first read, then stays the same; a refused payload still names the event', () => {
  const evs = Array.from({ length: 2000 }, (_, i) => newEvent('a', { i }));
  const ids = new Set<string>();
  for (const ev of evs) {
    const id = ev.getId();
    assert.ok(isUuidV4(id), id);
    assert.equal(ev.getId(), id, 'read twice, the same id');
    assert.equal(ev.toJSON().id, id);
    assert.equal(Event.fromJSON(ev.toJSON()).getId(), id);
    ids.add(id);
  }
  assert.equal(ids.size, evs.length);
  const given = newEvent('a');
  given.setId('custom-id');
  assert.equal(given.getId(), 'custom-id');
  assert.throws(
    () => newEvent('a', { when: new Date() } as never),
    (e: InvalidEventDataError) => e.details.path === 'data.when' && isUuidV4(String(e.details.eventId)) && e.message.includes(String(e.details.eventId)),
  );
  assert.throws(() => newEvent('a', {}, { priority: 1 } as never), (e: InvalidMetadataError) => isUuidV4(String(e.details.eventId)));
});
