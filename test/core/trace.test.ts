import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryTraceLogger, newEvent, parseDuration, formatDuration, InvalidDurationError, type TraceEntry } from '../../src/index.js';

const e = (sessionId: string, i: number): TraceEntry => ({ timestamp: i, type: 'event_start', eventId: `e${i}`, sessionId, agentId: '' });

test('in-memory trace logger groups by session and keeps order', () => {
  const t = new InMemoryTraceLogger();
  t.log(e('a', 1));
  t.log(e('b', 2));
  t.log(e('a', 3));
  assert.deepEqual(t.getTrace('a').map((x) => x.eventId), ['e1', 'e3']);
  assert.deepEqual(t.getTrace('unknown'), []);
  t.log(e('', 4));
  assert.equal(t.getTrace('default').length, 1);
});

test('in-memory trace logger is bounded: oldest entries are dropped first', () => {
  const t = new InMemoryTraceLogger({ maxEntries: 100 });
  for (let s = 0; s < 50; s++) for (let i = 0; i < 10; i++) t.log(e(`s${s}`, s * 10 + i));
  const size = t.size();
  assert.equal(size.entries, 100);
  assert.equal(size.entries + size.dropped, 500);
  assert.deepEqual(t.getTrace('s0'), []);
  assert.equal(t.getTrace('s49').length, 10);
  assert.deepEqual(t.getTrace('s40').map((x) => x.timestamp), [400, 401, 402, 403, 404, 405, 406, 407, 408, 409]);
  assert.deepEqual(t.sessionIds(), ['s40', 's41', 's42', 's43', 's44', 's45', 's46', 's47', 's48', 's49']);
  const one = new InMemoryTraceLogger({ maxEntries: 10 });
  for (let i = 0; i < 1000; i++) one.log(e('only', i));
  assert.ok(one.size().entries <= 10);
  assert.equal(one.getTrace('only').at(-1)!.eventId, 'e999');
});

test('parseDuration parses Go durations and rejects junk', () => {
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('5'), 5000);
  assert.throws(() => parseDuration('ten seconds', 'metadata "timeout"'), (err: InvalidDurationError) => /metadata "timeout"/.test(err.message));
  assert.throws(() => parseDuration('10x'), InvalidDurationError);
  assert.equal(formatDuration(90_000), '1m30s');
});

test('prettyLine renders pino JSON for people and passes other text through', async () => {
  const { prettyLine } = await import('../../src/index.js');
  assert.equal(prettyLine('{"level":30,"time":0,"pid":1,"hostname":"h","name":"agentflow","msg":"agent finished","agent":"a b","ms":3}'), '00:00:00.000 INFO  agent finished agent="a b" ms=3\n');
  assert.equal(prettyLine('{"level":50,"time":0,"msg":"boom"}'), '00:00:00.000 ERROR boom\n');
  assert.equal(prettyLine('not json\n'), 'not json\n');
});

test('an event_end written from an event whose id was never read keeps the id as bits and reads back the same id', () => {
  const t = new InMemoryTraceLogger({ maxEntries: 4 });
  const unread = Array.from({ length: 6 }, (_, i) => newEvent('a', { i }, { session_id: 's' }));
  const read = newEvent('a', {}, { session_id: 's' });
  const readId = read.getId();
  for (const ev of unread) t.logEventEnd(1, ev, 's', 'a', 0, 'completed', undefined, undefined, undefined, 'a', undefined, 0, 1, 0);
  t.logEventEnd(2, read, 's', 'a', 0, 'completed', undefined, undefined, undefined, 'a', undefined, 0, 1, 0);
  t.logEventEnd(3, 'given-id', 's', 'a', 0, 'completed', undefined, undefined, undefined, 'a', undefined, 0, 1, 0);
  // The ring holds the last four: two unread events (ids formatted now, from their bits), then the read one and a text id.
  assert.deepEqual(
    t.getTrace('s').map((x) => x.eventId),
    [unread[4]!.getId(), unread[5]!.getId(), readId, 'given-id'],
  );
});
