/**
 * Bad input, case by case: each ends in a typed error with a useful message,
 * and nothing is lost (the accounting identity holds).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newEvent, HookPoint, ErrorCodes, InvalidEventDataError, InvalidMetadataError, PayloadTooLargeError, EventFailedError, type EventData, type EventOutcome } from '../../src/index.js';
import { assertBalanced, testRunner } from '../runner/helpers.js';

test('non-JSON data is refused at newEvent, naming the path', () => {
  for (const bad of [{ f: () => 1 }, { d: new Date() }, { n: 1n }, { x: NaN }, { s: Symbol('s') }]) {
    assert.throws(() => newEvent('a', bad as never), (e: InvalidEventDataError) => e.code === ErrorCodes.INVALID_EVENT_DATA && /invalid value at data\./.test(e.message));
  }
  // Inside arrays and nested objects, the path names the element.
  for (const [bad, path] of [
    [{ list: [1, 'a', Infinity] }, 'data.list[2]'],
    [{ list: [null, [true, undefined]] }, 'data.list[1][1]'],
    [{ o: { n: -Infinity } }, 'data.o.n'],
    [{ o: { list: [{ f: () => 1 }] } }, 'data.o.list[0].f'],
  ] as const) {
    assert.throws(() => newEvent('a', bad as never), (e: InvalidEventDataError) => e.details.path === path, path);
  }
  assert.deepEqual(newEvent('a', { list: [1, 'a', true, null, [2.5, { k: 'v' }]] }).getData(), { list: [1, 'a', true, null, [2.5, { k: 'v' }]] });
});

test('an agent putting non-JSON data or non-string metadata in its output fails the event with invalid_event', async () => {
  const r = testRunner();
  const outcomes: EventOutcome[] = [];
  r.onOutcome((o) => outcomes.push(o));
  r.registerAgent('dates', (c, e, s) => s.clone().set('when', new Date() as never));
  r.registerAgent('meta', (c, e, s) => s.clone().setMeta('n', 5 as never));
  await r.start();
  await assert.rejects(r.run(newEvent('dates')), (e: EventFailedError) => e.reason === 'invalid_event' && /state\.when/.test(e.message));
  await assert.rejects(r.run(newEvent('meta')), (e: EventFailedError) => e.reason === 'invalid_event' && /"n"/.test(e.message));
  await r.stop();
  assert.deepEqual(outcomes.map((o) => o.error!.code), [ErrorCodes.INVALID_EVENT_DATA, ErrorCodes.INVALID_METADATA]);
  assertBalanced(r);
});

test('an oversized payload is refused at emit, and an oversized chained hop fails its parent event', async () => {
  const r = testRunner({ maxPayloadBytes: 200 });
  r.registerAgent('grow', (c, e, s) => s.clone().set('blob', 'x'.repeat(500)).setMeta('route', 'sink'));
  r.registerAgent('sink', (c, e, s) => s);
  await r.start();
  const big = newEvent('sink', { blob: 'y'.repeat(1000) });
  assert.throws(() => r.emit(big), (e: PayloadTooLargeError) => e.code === ErrorCodes.PAYLOAD_TOO_LARGE && e.message.includes(big.getId()) && /over the limit of 200 bytes/.test(e.message));
  await assert.rejects(r.run(newEvent('grow')), (e: EventFailedError) => e.reason === 'invalid_event' && (e.cause as { code: string }).code === ErrorCodes.PAYLOAD_TOO_LARGE);
  await r.stop();
  assertBalanced(r);
});

test('__proto__ keys are refused everywhere; constructor keys pass through a chain without polluting anything', async () => {
  assert.throws(() => newEvent('a', JSON.parse('{"a":{"__proto__":{"polluted":1}}}')), (e: InvalidEventDataError) => e.details.path === 'data.a.__proto__');
  assert.throws(() => newEvent('a', {}, JSON.parse('{"__proto__":"x"}')), InvalidMetadataError);
  const r = testRunner();
  r.registerAgent('a', (c, e, s) => s.clone().set('constructor', { prototype: { polluted: true } }).setMeta('constructor', 'meta').setMeta('route', 'b'));
  r.registerAgent('b', (c, e, s) => s);
  await r.start();
  const res = await r.run(newEvent('a', { constructor: 'data' }, { constructor: 'm' }));
  await r.stop();
  assert.deepEqual(res.state.get('constructor'), { prototype: { polluted: true } });
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
  assert.equal(typeof ({}).constructor, 'function');
});

test('non-string metadata values are refused with the key named', () => {
  assert.throws(() => newEvent('a', {}, { priority: 3 } as never), (e: InvalidMetadataError) => e.details.key === 'priority');
  assert.throws(() => newEvent('a', {}, { n: null } as never), (e: InvalidMetadataError) => /got null/.test(e.message));
  assert.throws(() => newEvent('a', {}, [] as never), InvalidMetadataError);
});

test('a handler returning something that is not a result: invalid_result, with what it got', async () => {
  const r = testRunner();
  const cases: [string, unknown, RegExp][] = [
    ['num', 42, /a number/],
    ['nul', null, /null/],
    ['arr', [], /an array/],
    ['obj', { outputState: 'nope' }, /keys \[outputState\]/],
    ['undef', undefined, /undefined/],
  ];
  for (const [name, value] of cases) r.registerAgent(name, () => value as never);
  await r.start();
  for (const [name, , re] of cases) {
    await assert.rejects(r.run(newEvent(name)), (e: EventFailedError) => e.reason === 'invalid_result' && re.test(e.message), name);
  }
  await r.stop();
  assertBalanced(r);
});

for (const hook of [HookPoint.BeforeEventHandling, HookPoint.BeforeAgentRun, HookPoint.AfterAgentRun, HookPoint.AgentError, HookPoint.AfterEventHandling, HookPoint.AllHooks]) {
  test(`a callback throwing at ${hook}: recorded, nothing lost`, async () => {
    const r = testRunner();
    const outcomes: EventOutcome[] = [];
    r.onOutcome((o) => outcomes.push(o));
    r.registerCallback(hook, 'thrower', () => {
      throw new Error(`thrown at ${hook}`);
    });
    r.registerAgent('ok', (c, e, s) => s);
    r.registerAgent('fails', () => {
      throw new Error('agent failed');
    });
    await r.start();
    await Promise.allSettled([r.run(newEvent('ok', {}, { session_id: 's' })), r.run(newEvent('fails', {}, { session_id: 's' }))]);
    await r.stop();
    const ok = outcomes.find((o) => o.event.getTargetAgentId() === 'ok');
    const fails = outcomes.find((o) => o.event.getTargetAgentId() === 'fails');
    assert.ok(ok && fails);
    const expectations: Record<string, [string, string]> = {
      BeforeEventHandling: ['hook_rejected', 'hook_rejected'],
      BeforeAgentRun: ['hook_rejected', 'hook_rejected'],
      AfterAgentRun: ['hook_rejected', 'agent_error'],
      AgentError: ['completed', 'agent_error'],
      AfterEventHandling: ['completed', 'agent_error'],
      AllHooks: ['hook_rejected', 'hook_rejected'],
    };
    const [okWant, failWant] = expectations[hook]!;
    assert.equal(ok.status === 'completed' ? 'completed' : ok.reason, okWant);
    assert.equal(fails.reason, failWant);
    if (okWant === 'hook_rejected') assert.match(ok.error!.message, new RegExp(`thrown at ${hook}`));
    if (hook === HookPoint.AgentError || hook === HookPoint.AfterEventHandling) {
      assert.ok(r.stats().callbackErrors >= 1);
      assert.ok(r.dumpTrace('s').some((e) => e.type === 'callback_error' && /thrown at/.test(e.error!.message)));
    }
    assertBalanced(r);
  });
}

test('the payload bound found while newEvent copies flat data is an upper bound, and the limit holds around it', async () => {
  // The bound must never be below the real JSON size (escapes, non-ASCII, astral characters, long numbers).
  const values = ['', 'plain', '"quoted"\n\t\\', '\u0001\u001f', 'é', '日本語', '😀😀', 'x'.repeat(300), -1.2345678901234567e-308, -0.0000019111497990360604, 0, 1e21, true, false, null];
  for (let i = 0; i < 500; i++) {
    const data: Record<string, string | number | boolean | null> = {};
    const n = i % 7;
    for (let k = 0; k < n; k++) data[`${values[(i + k) % values.length]}`.slice(0, 5) + k] = values[(i * 3 + k) % values.length]!;
    const ev = newEvent('a', data);
    const exact = Buffer.byteLength(JSON.stringify(ev.getData())) + Buffer.byteLength(JSON.stringify(ev.getMetadata()));
    assert.ok(ev._bound >= exact, `bound ${ev._bound} < ${exact} for ${JSON.stringify(data)}`);
  }
  // Worst cases (every unit escaped as \uXXXX, the longest number): the bound is at most 1 byte over (the last key's comma).
  for (const data of <EventData[]>[{ '\u0001': '\u0001\u0001' }, { '\u0002': -0.0000019111497990360604, '\u0006': -0.0000012345678901234567 }, { '\u0003\u0004': -0.0000031415926535897933, '\u0005': '\u001f'.repeat(9) }]) {
    const ev = newEvent('a', data);
    const exact = Buffer.byteLength(JSON.stringify(ev.getData())) + Buffer.byteLength(JSON.stringify(ev.getMetadata()));
    assert.ok(ev._bound >= exact && ev._bound <= exact + 1, `bound ${ev._bound} for ${exact} bytes`);
  }
  // Metadata counts too (worst case: every unit escaped).
  for (const meta of <Record<string, string>[]>[{ '\u0001': '\u0002\u0003' }, { '\u000b': '\u000e', '\u0004\u0005': '\u0006'.repeat(7), '\u000f': '' }]) {
    const ev = newEvent('a', { '\u0007': -0.0000027182818284590453 }, meta);
    const exact = Buffer.byteLength(JSON.stringify(ev.getData())) + Buffer.byteLength(JSON.stringify(ev.getMetadata()));
    assert.ok(ev._bound >= exact && ev._bound <= exact + 2, `bound ${ev._bound} for ${exact} bytes`);
  }
  assert.equal(newEvent('a', { nested: { a: 1 } })._bound, -1, 'nested data: no bound (walked when needed)');
  assert.equal(newEvent('a', { list: [1] })._bound, -1);

  const r = testRunner({ maxPayloadBytes: 200 });
  r.registerAgent('sink', (c, e, s) => s);
  await r.start();
  // Flat data over the limit is refused using the bound (and measured exactly before refusing).
  const over = newEvent('sink', { blob: 'y'.repeat(250) });
  assert.throws(() => r.emit(over), (e: PayloadTooLargeError) => e.code === ErrorCodes.PAYLOAD_TOO_LARGE && e.message.includes(over.getId()));
  // Flat data whose bound is over the limit but whose real size fits is accepted (6 bytes per unit is only the worst case).
  const fits = newEvent('sink', { blob: 'y'.repeat(100) });
  assert.ok(fits._bound > 200);
  await r.run(fits);
  // setData forgets the bound: growing the data after newEvent is still caught.
  const grown = newEvent('sink', { a: 1 });
  grown.setData('blob', 'z'.repeat(300));
  assert.equal(grown._bound, -1);
  assert.throws(() => r.emit(grown), (e: PayloadTooLargeError) => e.code === ErrorCodes.PAYLOAD_TOO_LARGE);
  // Metadata written after newEvent is counted: setMetadata copies it (the bound no longer applies), and the
  // runner's own session id written in place resets the bound.
  const meta = newEvent('sink', { a: 1 });
  meta.setMetadata('note', 'm'.repeat(300));
  assert.throws(() => r.emit(meta), (e: PayloadTooLargeError) => e.code === ErrorCodes.PAYLOAD_TOO_LARGE);
  const blank = newEvent('sink', { blob: 'b'.repeat(100) }, { session_id: '' });
  r.emit(blank);
  assert.equal(blank._bound, -1);
  assert.equal(blank.getSessionId(), blank.getId());
  // A bound never keeps a replaced metadata object alive (an event queued without a session id gets a copy).
  const unsessioned = newEvent('sink', { a: 1 });
  const before = unsessioned._meta;
  r.emit(unsessioned);
  assert.notEqual(unsessioned._meta, before);
  assert.equal(unsessioned._boundMeta, undefined);
  assert.ok(unsessioned._bound >= 0, 'the data is still known to be flat');
  assert.equal(meta._boundMeta, undefined, 'setMetadata drops it too');
  // Nested data (no bound) is walked as before.
  assert.throws(() => r.emit(newEvent('sink', { deep: { blob: 'q'.repeat(300) } })), (e: PayloadTooLargeError) => e.code === ErrorCodes.PAYLOAD_TOO_LARGE);
  await r.stop();
  assertBalanced(r);
});
