import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallbackRegistry, HookIndex, HookPoint, HookRejectedError, CallbackError, ErrorCodes, State, newEvent, silentLogger, type CallbackContext } from '../../src/index.js';

const ctx: CallbackContext = { signal: new AbortController().signal, logger: silentLogger(), emit: () => undefined };

test('registration rules: empty name, missing fn, duplicate on same hook; same name on another hook is fine', () => {
  const r = new CallbackRegistry();
  assert.throws(() => r.register(HookPoint.AfterAgentRun, '', () => undefined), (e: CallbackError) => e.code === ErrorCodes.INVALID_CALLBACK);
  assert.throws(() => r.register(HookPoint.AfterAgentRun, 'x', undefined as never), (e: CallbackError) => e.code === ErrorCodes.INVALID_CALLBACK);
  assert.throws(() => r.register('Nope' as never, 'x', () => undefined), (e: CallbackError) => e.code === ErrorCodes.INVALID_CALLBACK);
  r.register(HookPoint.AfterAgentRun, 'x', () => undefined);
  assert.throws(() => r.register(HookPoint.AfterAgentRun, 'x', () => undefined), (e: CallbackError) => e.code === ErrorCodes.CALLBACK_EXISTS);
  r.register(HookPoint.BeforeAgentRun, 'x', () => undefined);
  assert.equal(r.unregister(HookPoint.AfterAgentRun, 'unknown'), false);
  assert.equal(r.unregister(HookPoint.AfterAgentRun, 'x'), true);
  assert.deepEqual(r.list(HookPoint.AfterAgentRun), []);
});

test('invoke runs callbacks in registration order, then AllHooks, threading returned states', async () => {
  const r = new CallbackRegistry();
  const order: string[] = [];
  r.register(HookPoint.AllHooks, 'all', (_c, a) => {
    order.push('all');
    return a.state.clone().set('all', true);
  });
  r.register(HookPoint.BeforeAgentRun, 'one', (_c, a) => {
    order.push('one');
    return a.state.clone().set('one', 1);
  });
  r.register(HookPoint.BeforeAgentRun, 'two', async (_c, a) => {
    order.push('two');
    assert.equal(a.state.get('one'), 1);
    return undefined; // keeps the state
  });
  const out = await r.invoke(ctx, { hook: HookPoint.BeforeAgentRun, event: newEvent('a'), state: new State(), agentId: 'a' });
  assert.deepEqual(order, ['one', 'two', 'all']);
  assert.equal(out.get('one'), 1);
  assert.equal(out.get('all'), true);
});

test('a throwing callback becomes HookRejectedError naming hook and callback; later ones do not run', () => {
  const r = new CallbackRegistry();
  let later = false;
  r.register(HookPoint.BeforeEventHandling, 'guard', () => {
    throw new Error('nope');
  });
  r.register(HookPoint.BeforeEventHandling, 'later', () => {
    later = true;
  });
  assert.throws(
    () => r.invoke(ctx, { hook: HookPoint.BeforeEventHandling, event: newEvent('a'), state: new State(), agentId: '' }),
    (e: HookRejectedError) => e.details.hook === 'BeforeEventHandling' && e.details.callbackName === 'guard' && /nope/.test(e.message),
  );
  assert.equal(later, false);
});

test('a callback may register another callback without deadlock; it applies from the next invocation', () => {
  const r = new CallbackRegistry();
  let added = 0;
  r.register(HookPoint.AfterAgentRun, 'adder', () => {
    if (added === 0) r.register(HookPoint.AfterAgentRun, 'added', () => void added++);
    added = added || -1;
  });
  const args = () => ({ hook: HookPoint.AfterAgentRun, event: newEvent('a'), state: new State(), agentId: 'a' });
  r.invoke(ctx, args());
  assert.equal(added, -1);
  r.invoke(ctx, args());
  assert.equal(added, 0);
});

test('the integer index of each point (HookIndex) reaches the same callbacks as its name, AllHooks included', () => {
  const r = new CallbackRegistry();
  const seen: string[] = [];
  const names = Object.keys(HookIndex) as (keyof typeof HookIndex)[];
  assert.deepEqual([...names].sort(), Object.values(HookPoint).filter((p) => p !== HookPoint.AllHooks).sort(), 'HookIndex names every firing point');
  names.forEach((p, n) => {
    for (let k = 0; k <= n; k++) r.register(HookPoint[p], `${p}-${k}`, (_c, a) => void seen.push(`${a.hook}:${p}-${k}`));
  });
  r.register(HookPoint.AllHooks, 'all', (_c, a) => void seen.push(`${a.hook}:all`));
  for (const [n, p] of names.entries()) {
    const i = HookIndex[p];
    assert.equal(r.countAt(i), r.count(HookPoint[p]), p);
    assert.equal(r.countAt(i), n + 2, `${p}: its own callbacks and the AllHooks one`);
    seen.length = 0;
    r.invokeAt(i, ctx, { hook: HookPoint[p], event: newEvent('a'), state: new State(), agentId: 'a' });
    const byIndex = [...seen];
    seen.length = 0;
    r.invoke(ctx, { hook: HookPoint[p], event: newEvent('a'), state: new State(), agentId: 'a' });
    assert.deepEqual(byIndex, seen, p);
    assert.deepEqual(byIndex, [...Array.from({ length: n + 1 }, (_, k) => `${p}:${p}-${k}`), `${p}:all`]);
  }
});
