/**
 * The trace stream's writer never blocks the runner: past `maxBuffered`
 * waiting entries (Redis slow or away), new entries are dropped and
 * counted; a failed write counts its entries as dropped and reports the error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RedisTraceStream } from '../../src/transport/redis/trace.js';
import type { TraceEntry } from '../../src/index.js';

test('redis trace stream: a full buffer drops and counts; a failed write is counted and reported, and getTrace answers from the local logger', async () => {
  const errors: unknown[] = [];
  const host = {
    key: 'af:{t}:trace',
    consumer: 'c',
    command: () => Promise.reject(new Error('redis is away')),
    closed: () => false,
    track: () => undefined,
    onError: (err: unknown) => errors.push(err),
  } as unknown as ConstructorParameters<typeof RedisTraceStream>[0];
  const kept: TraceEntry[] = [];
  const local = { log: (e: TraceEntry) => kept.push(e), getTrace: (s: string) => kept.filter((e) => e.sessionId === s) };
  const logger = new RedisTraceStream(host).logger(local, { flushMs: 60_000, maxBuffered: 5 });
  for (let i = 0; i < 8; i++) logger.log({ type: 'event_end', timestamp: i, eventId: `e${i}`, sessionId: 's', agentId: 'a', status: 'completed' });
  assert.equal(logger.dropped, 3, 'three past the buffer');
  assert.equal(logger.getTrace('s').length, 8, 'the local logger kept every entry');
  await logger.flush();
  assert.equal(logger.dropped, 8, 'the five buffered ones failed to be written');
  assert.match(String(errors[0]), /redis is away/);
});
