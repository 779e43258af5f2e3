import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HookPoint,
  State,
  newEvent,
  registerTraceHooks,
  InMemoryTraceLogger,
  EventFailedError,
  ErrorCodes,
  type CallbackArgs,
  type EventOutcome,
} from '../../src/index.js';
import { assertBalanced, testRunner, untilAborted } from './helpers.js';

function recordHooks(r: ReturnType<typeof testRunner>) {
  const seen: string[] = [];
  for (const h of [HookPoint.BeforeEventHandling, HookPoint.BeforeAgentRun, HookPoint.AgentError, HookPoint.AfterAgentRun, HookPoint.AfterEventHandling]) {
    r.registerCallback(h, 'rec', (_c, a) => void seen.push(`${a.hook}(${a.agentId})${a.error ? '!' : ''}`));
  }
  return seen;
}

test('each hook fires exactly once per event, in pipeline order (success)', async () => {
  const r = testRunner();
  const seen = recordHooks(r);
  r.registerAgent('a', (c, e, s) => s);
  await r.start();
  await r.run(newEvent('a'));
  await r.stop();
  assert.deepEqual(seen, ['BeforeEventHandling()', 'BeforeAgentRun(a)', 'AfterAgentRun(a)', 'AfterEventHandling(a)']);
});

test('each hook fires exactly once per event, in pipeline order (failure)', async () => {
  const r = testRunner();
  const seen = recordHooks(r);
  r.registerAgent('a', () => {
    throw new Error('boom');
  });
  await r.start();
  await assert.rejects(r.run(newEvent('a')), EventFailedError);
  await r.stop();
  assert.deepEqual(seen, ['BeforeEventHandling()', 'BeforeAgentRun(a)', 'AgentError(a)!', 'AfterAgentRun(a)!', 'AfterEventHandling(a)!']);
});

test('AllHooks callbacks fire at every point, after that point’s own callbacks', async () => {
  const r = testRunner();
  const seen: string[] = [];
  r.registerCallback(HookPoint.AllHooks, 'all', (_c, a) => void seen.push(`all:${a.hook}`));
  r.registerCallback(HookPoint.BeforeAgentRun, 'own', () => void seen.push('own:BeforeAgentRun'));
  r.registerAgent('a', (c, e, s) => s);
  await r.start();
  await r.run(newEvent('a'));
  await r.stop();
  assert.deepEqual(seen, ['all:BeforeEventHandling', 'own:BeforeAgentRun', 'all:BeforeAgentRun', 'all:AfterAgentRun', 'all:AfterEventHandling']);
});

test('the event data is in the agent’s input state; states returned by callbacks replace it for the rest of the event', async () => {
  const r = testRunner();
  let agentSaw: unknown;
  r.registerCallback(HookPoint.BeforeEventHandling, 'enrich', (_c, a) => a.state.clone().set('enriched', true));
  r.registerCallback(HookPoint.BeforeAgentRun, 'stamp', (_c, a) => {
    a.state.setMeta('executing_agent', a.agentId);
    return a.state;
  });
  r.registerCallback(HookPoint.AfterAgentRun, 'post', (_c, a) => a.state.clone().set('post', a.agentResult!.outputState.get('agent')!));
  r.registerAgent('a', (c, e, s) => {
    agentSaw = s.toJSON();
    return s.clone().set('agent', 'done');
  });
  await r.start();
  const res = await r.run(newEvent('a', { input: 1 }));
  await r.stop();
  assert.deepEqual((agentSaw as { data: unknown }).data, { input: 1, enriched: true });
  assert.equal((agentSaw as { meta: Record<string, string> }).meta.executing_agent, 'a');
  assert.deepEqual(res.state.toObject(), { input: 1, enriched: true, agent: 'done', post: 'done' });
});

test('a throwing BeforeEventHandling callback stops the event; the reason is recorded (outcome + trace), the agent never runs', async () => {
  const r = testRunner();
  let ran = false;
  const outcomes: EventOutcome[] = [];
  r.onOutcome((o) => outcomes.push(o));
  r.registerCallback(HookPoint.BeforeEventHandling, 'gate', () => {
    throw new Error('not today');
  });
  r.registerAgent('a', (c, e, s) => {
    ran = true;
    return s;
  });
  await r.start();
  const ev = newEvent('a', {}, { session_id: 'gate-s' });
  await assert.rejects(r.run(ev), (e: EventFailedError) => e.reason === 'hook_rejected' && /not today/.test(e.message) && /gate/.test(e.message));
  await r.stop();
  assert.equal(ran, false);
  assert.equal(outcomes[0]!.reason, 'hook_rejected');
  assert.equal(outcomes[0]!.error!.code, ErrorCodes.HOOK_REJECTED);
  const end = r.dumpTrace('gate-s').find((e) => e.type === 'event_end')!;
  assert.equal(end.status, 'failed');
  assert.equal(end.reason, 'hook_rejected');
  assert.match(end.error!.message, /not today/);
  assertBalanced(r);
});

test('a BeforeEventHandling callback may change the route; the runner dispatches by what it finds after the callbacks', async () => {
  const r = testRunner();
  r.registerCallback(HookPoint.BeforeEventHandling, 'redirect', (_c, a) => {
    if (a.event.getMetadataValue('vip') === 'yes') a.event.setMetadata('route', 'vip_agent');
  });
  r.registerAgent('normal', (c, e, s) => s.clone().set('who', 'normal'));
  r.registerAgent('vip_agent', (c, e, s) => s.clone().set('who', 'vip'));
  await r.start();
  assert.equal((await r.run(newEvent('normal', {}, { vip: 'yes' }))).state.get('who'), 'vip');
  assert.equal((await r.run(newEvent('normal'))).state.get('who'), 'normal');
  await r.stop();
});

test('route chaining: next event gets the output as data, meta copied, same session, source, parent_event, chain_id, hop_count+1', async () => {
  const r = testRunner();
  const seenEvents: { id: string; meta: Record<string, string>; source: string; target: string }[] = [];
  r.registerCallback(HookPoint.BeforeEventHandling, 'spy', (_c, a) =>
    void seenEvents.push({ id: a.event.getId(), meta: { ...a.event.getMetadata() }, source: a.event.getSourceAgentId(), target: a.event.getTargetAgentId() }),
  );
  r.registerAgent('first', (c, e, s) => s.clone().set('step1', true).setMeta('route', 'second').setMeta('custom', 'kept'));
  r.registerAgent('second', (c, e, s) => s.clone().set('step2', true).setMeta('route', 'third'));
  r.registerAgent('third', (c, e, s) => s.clone().set('step3', true));
  await r.start();
  const root = newEvent('first', { input: 'x' }, { session_id: 'chain-s', user_id: 'u1' });
  const res = await r.run(root);
  await r.stop();
  assert.equal(res.events, 3);
  assert.deepEqual(res.state.toObject(), { input: 'x', step1: true, step2: true, step3: true });
  assert.equal(seenEvents.length, 3);
  const [e1, e2, e3] = seenEvents as [typeof seenEvents[0], typeof seenEvents[0], typeof seenEvents[0]];
  assert.equal(e2.meta.session_id, 'chain-s');
  assert.equal(e2.meta.route, 'second');
  assert.equal(e2.target, 'second');
  assert.equal(e2.source, 'first');
  assert.equal(e2.meta.parent_event, e1.id);
  assert.equal(e2.meta.chain_id, root.getId());
  assert.equal(e2.meta.hop_count, '1');
  assert.equal(e2.meta.custom, 'kept');
  assert.equal(e2.meta.user_id, 'u1', 'metadata travels with the state');
  assert.equal(e2.meta.status, 'success');
  assert.equal(e3.meta.parent_event, e2.id);
  assert.equal(e3.meta.chain_id, root.getId());
  assert.equal(e3.meta.hop_count, '2');
  assert.equal(e3.source, 'second');
  // The trace rebuilds the causal chain.
  const trace = r.dumpTrace('chain-s');
  const ends = trace.filter((e) => e.type === 'event_end');
  assert.deepEqual(ends.map((e) => e.agentId), ['first', 'second', 'third']);
  assert.deepEqual(ends.map((e) => e.parentEventId), [undefined, e1.id, e2.id]);
  assert.ok(trace.every((e) => typeof e.timestamp === 'number' && e.sessionId === 'chain-s'));
  for (let i = 1; i < trace.length; i++) assert.ok(trace[i]!.timestamp >= trace[i - 1]!.timestamp);
});

test('an agent that clones its input does not route to itself (the incoming route is not in its input state)', async () => {
  const r = testRunner();
  let runs = 0;
  r.registerAgent('a', (c, e, s) => {
    runs++;
    return s.clone();
  });
  await r.start();
  await r.run(newEvent('a', {}, { route: 'a' }));
  await r.stop();
  assert.equal(runs, 1);
});

test('an unknown target fires AgentError and is recorded as a failure with its reason, never lost', async () => {
  const r = testRunner();
  const errs: CallbackArgs[] = [];
  r.registerCallback(HookPoint.AgentError, 'catch', (_c, a) => void errs.push(a));
  r.registerAgent('known', (c, e, s) => s.clone().setMeta('route', 'ghost'));
  await r.start();
  await assert.rejects(r.run(newEvent('known', {}, { session_id: 'ghost-s' })), (e: EventFailedError) => e.reason === 'no_such_agent' && /ghost/.test(e.message) && /known/.test(e.message));
  await r.stop();
  assert.equal(errs.length, 1);
  assert.equal(errs[0]!.agentId, 'ghost');
  assert.equal(errs[0]!.error!.name, 'AgentNotFoundError');
  const end = r.dumpTrace('ghost-s').filter((e) => e.type === 'event_end');
  assert.deepEqual(end.map((e) => e.status), ['completed', 'failed']);
  assert.equal(end[1]!.reason, 'no_such_agent');
  assert.equal(r.stats().failed, 1);
  assertBalanced(r);
});

test('a handler returning something that is not a result fails with invalid_result', async () => {
  const r = testRunner();
  r.registerAgent('bad', () => 42 as never);
  r.registerAgent('bad2', () => ({ outputState: { not: 'a state' } }) as never);
  await r.start();
  await assert.rejects(r.run(newEvent('bad')), (e: EventFailedError) => e.reason === 'invalid_result' && /returned a number/.test(e.message));
  await assert.rejects(r.run(newEvent('bad2')), (e: EventFailedError) => e.reason === 'invalid_result');
  await r.stop();
  assertBalanced(r);
});

test('per-event timeout from metadata fires ctx.signal and fails the event with reason timeout', async () => {
  const r = testRunner();
  let aborted = false;
  r.registerAgent('slow', async (ctx) => {
    try {
      return await untilAborted(ctx.signal);
    } finally {
      aborted = ctx.signal.aborted;
    }
  });
  r.registerAgent('deaf', () => new Promise<State>(() => undefined)); // ignores the signal entirely
  await r.start();
  await assert.rejects(r.run(newEvent('slow', {}, { timeout: '30ms' })), (e: EventFailedError) => e.reason === 'timeout' && (e.cause as { code: string }).code === ErrorCodes.TIMEOUT);
  assert.equal(aborted, true);
  await assert.rejects(r.run(newEvent('deaf', {}, { timeout: '20ms' })), (e: EventFailedError) => e.reason === 'timeout');
  await r.stop();
  assertBalanced(r);
});

test('runner default timeout applies when the event has none; an agent timeoutMs overrides it', async () => {
  const r = testRunner({ timeoutMs: 20 });
  r.registerAgent('slow', (ctx) => untilAborted(ctx.signal));
  await r.start();
  const t0 = Date.now();
  await assert.rejects(r.run(newEvent('slow')), (e: EventFailedError) => e.reason === 'timeout');
  assert.ok(Date.now() - t0 < 5000);
  await r.stop();
});

test('a bad timeout string fails the event with a typed error naming the event', async () => {
  const r = testRunner();
  r.registerAgent('a', (c, e, s) => s);
  await r.start();
  const ev = newEvent('a', {}, { timeout: 'soon' });
  await assert.rejects(r.run(ev), (e: EventFailedError) => e.reason === 'invalid_event' && e.message.includes(ev.getId()) && /soon/.test(e.message));
  await r.stop();
});

test('ctx.emit from a handler inherits session, parent, chain and hop count; run() waits for emitted events too', async () => {
  const r = testRunner();
  const seen: Record<string, string>[] = [];
  r.registerAgent('fan', (ctx, e, s) => {
    ctx.emit(newEvent('leaf', { n: 1 }));
    ctx.emit(newEvent('leaf', { n: 2 }));
    return s;
  });
  r.registerAgent('leaf', (ctx, e, s) => {
    seen.push({ ...e.getMetadata(), source: e.getSourceAgentId() });
    return s;
  });
  await r.start();
  const root = newEvent('fan', {}, { session_id: 'emit-s' });
  const res = await r.run(root);
  await r.stop();
  assert.equal(res.events, 3);
  assert.equal(seen.length, 2);
  for (const m of seen) {
    assert.equal(m.session_id, 'emit-s');
    assert.equal(m.parent_event, root.getId());
    assert.equal(m.chain_id, root.getId());
    assert.equal(m.hop_count, '1');
    assert.equal(m.source, 'fan');
  }
});

test('events without a session get their own id as session id', async () => {
  const r = testRunner();
  r.registerAgent('a', (c, e, s) => s);
  await r.start();
  const ev = newEvent('a');
  const res = await r.run(ev);
  await r.stop();
  assert.equal(res.sessionId, ev.getId());
  assert.ok(r.dumpTrace(ev.getId()).length > 0);
});

test('waitForSession and drain resolve when the work is done', async () => {
  const r = testRunner({ concurrency: 4 });
  let done = 0;
  r.registerAgent('a', async (c, e, s) => {
    await new Promise((res) => setTimeout(res, 5));
    done++;
    return s.get('hop') === 1 ? s : s.clone().set('hop', 1).setMeta('route', 'a');
  });
  await r.start();
  for (let i = 0; i < 5; i++) r.emit(newEvent('a', {}, { session_id: 'w1' }));
  for (let i = 0; i < 5; i++) r.emit(newEvent('a', {}, { session_id: 'w2' }));
  await r.waitForSession('w1');
  const w1 = r.dumpTrace('w1').filter((e) => e.type === 'event_end').length;
  assert.equal(w1, 10, 'all of w1, including chained hops, finished');
  await r.drain();
  assert.equal(done, 20);
  await r.waitForSession('nothing-here');
  await r.stop();
  assertBalanced(r);
});

test('the seed’s loop detector works as a BeforeEventHandling callback, and the built-in hop limit stops a self-routing agent', async () => {
  const r = testRunner({ maxHops: 100 });
  const maxHops = 10;
  r.registerCallback(HookPoint.BeforeEventHandling, 'loop-detector', (_c, a) => {
    const hop = Number(a.event.getMetadataValue('hop_count') ?? '0');
    if (hop >= maxHops) throw new Error(`event loop detected: hop count ${hop} exceeds maximum ${maxHops}`);
    return a.state;
  });
  r.registerAgent('echo', (c, e, s) => s.clone().setMeta('route', 'echo'));
  await r.start();
  await assert.rejects(r.run(newEvent('echo', {}, { session_id: 'loop' })), (e: EventFailedError) => e.reason === 'hook_rejected' && /event loop detected/.test(e.message));
  assert.equal(r.dumpTrace('loop').filter((e) => e.type === 'event_end' && e.status === 'completed').length, 10);
  await r.stop();

  const r2 = testRunner({ maxHops: 5 });
  r2.registerAgent('echo', (c, e, s) => s.clone().setMeta('route', 'echo'));
  await r2.start();
  await assert.rejects(r2.run(newEvent('echo', {}, { session_id: 'loop2' })), (e: EventFailedError) => e.reason === 'hop_limit_exceeded');
  const ends = r2.dumpTrace('loop2').filter((e) => e.type === 'event_end');
  assert.equal(ends.filter((e) => e.status === 'completed').length, 6);
  assert.equal(ends.at(-1)!.reason, 'hop_limit_exceeded');
  assert.equal(ends.at(-1)!.hopCount, 6);
  await r2.stop();
  assertBalanced(r2);
});

test('traceDetail "full" records event_start, agent_start, agent_end, event_emitted and event_end in order', async () => {
  const r = testRunner({ traceDetail: 'full' });
  r.registerAgent('a', (c, e, s) => s.clone().setMeta('route', 'b'));
  r.registerAgent('b', (c, e, s) => s);
  await r.start();
  await r.run(newEvent('a', {}, { session_id: 'full' }));
  await r.stop();
  const types = r.dumpTrace('full').map((e) => `${e.type}:${e.agentId}`);
  assert.deepEqual(types.slice(0, 5), ['event_start:', 'agent_start:a', 'agent_end:a', 'event_emitted:a', 'event_end:a']);
  assert.equal(types.filter((t) => t.endsWith(':b')).length, 3);
});

test('registerTraceHooks adds one hook entry per hook invocation; setTraceLogger(null) turns tracing off', async () => {
  const r = testRunner();
  const logger = new InMemoryTraceLogger();
  r.setTraceLogger(logger);
  const off = registerTraceHooks(r.getCallbackRegistry(), logger);
  registerTraceHooks(r.getCallbackRegistry(), logger); // idempotent
  r.registerAgent('a', (c, e, s) => s);
  await r.start();
  await r.run(newEvent('a', {}, { session_id: 'th' }));
  const hooks = r.dumpTrace('th').filter((e) => e.type === 'hook').map((e) => e.hook);
  assert.deepEqual(hooks, ['BeforeEventHandling', 'BeforeAgentRun', 'AfterAgentRun', 'AfterEventHandling']);
  off();
  r.setTraceLogger(null);
  await r.run(newEvent('a', {}, { session_id: 'th2' }));
  assert.deepEqual(r.dumpTrace('th2'), []);
  await r.stop();
});

test('errors thrown by AgentError / AfterEventHandling callbacks are recorded without changing the outcome', async () => {
  const r = testRunner();
  r.registerCallback(HookPoint.AfterEventHandling, 'flaky', () => {
    throw new Error('observer broke');
  });
  r.registerAgent('a', (c, e, s) => s.clone().set('ok', true));
  await r.start();
  const res = await r.run(newEvent('a', {}, { session_id: 'obs' }));
  await r.stop();
  assert.equal(res.state.get('ok'), true);
  assert.equal(r.stats().callbackErrors, 1);
  const ce = r.dumpTrace('obs').find((e) => e.type === 'callback_error')!;
  assert.equal(ce.hook, 'AfterEventHandling');
  assert.match(ce.error!.message, /observer broke/);
});

test('trace entries are plain JSON snapshots, not live objects', async () => {
  const r = testRunner();
  r.registerAgent('a', (c, e, s) => s.clone().set('x', 1));
  await r.start();
  await r.run(newEvent('a', {}, { session_id: 'json' }));
  await r.stop();
  const trace = r.dumpTrace('json');
  assert.deepEqual(JSON.parse(JSON.stringify(trace)), trace);
  for (const e of trace) assert.ok(!Object.values(e).some((v) => v instanceof State));
});

test('an event with no target at all fails with a message saying how to address it', async () => {
  const r = testRunner();
  r.registerAgent('a', (c, e, s) => s);
  await r.start();
  await assert.rejects(r.run(newEvent('')), (e: EventFailedError) => e.reason === 'no_such_agent' && /has no target: give newEvent\(\) a target agent id or set metadata "route"/.test(e.message));
  await r.stop();
});
