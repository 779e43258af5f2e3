import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newEvent, HookPoint, EventFailedError, UnknownOrchestrationModeError, ErrorCodes, type EventOutcome } from '../../src/index.js';
import { collaborative, sequential, loop, mixed, createOrchestrator, CollaborationFailedError, SequentialStepError } from '../../src/orchestration/index.js';
import { agentConcurrencyLimit } from '../../src/reliability/index.js';
import { assertBalanced, sleep, testRunner } from '../runner/helpers.js';

test('collaborative: every agent runs once on its own copy, concurrently; outputs merged in list order regardless of finish order', async () => {
  const r = testRunner({ orchestrator: collaborative({ agents: ['slow', 'fast', 'mid'] }) });
  let running = 0;
  let maxRunning = 0;
  const mk = (name: string, ms: number) => async (_c: unknown, _e: unknown, s: import('../../src/index.js').State) => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    s.set('mutated_by', name); // on its own copy
    await sleep(ms);
    running--;
    return s.clone().set('shared', name).set(name, true);
  };
  r.registerAgent('slow', mk('slow', 30));
  r.registerAgent('fast', mk('fast', 1));
  r.registerAgent('mid', mk('mid', 10));
  await r.start();
  const res = await r.run(newEvent('any', { input: 1 }));
  await r.stop();
  assert.equal(maxRunning, 3, 'agents ran concurrently');
  assert.equal(res.state.get('shared'), 'mid', 'last in list order wins, not last to finish');
  assert.equal(res.state.get('slow'), true);
  assert.equal(res.state.get('fast'), true);
  assert.equal(res.state.get('mid'), true);
  assert.equal(res.state.get('input'), 1);
  assert.equal(res.state.getMeta('failed_agents'), undefined);
});

test('collaborative: 3 agents where 2 fail still succeeds and reports both errors (result, meta, trace)', async () => {
  const r = testRunner({ orchestrator: collaborative() });
  const errors: string[] = [];
  const outcomes: EventOutcome[] = [];
  r.onOutcome((o) => outcomes.push(o));
  r.registerCallback(HookPoint.AgentError, 'collect', (_c, a) => void errors.push(`${a.agentId}:${a.error!.message}`));
  r.registerAgent('ok', (c, e, s) => s.clone().set('ok', true));
  r.registerAgent('bad1', () => {
    throw new Error('first broke');
  });
  r.registerAgent('bad2', async () => {
    throw new Error('second broke');
  });
  await r.start();
  const res = await r.run(newEvent('x', {}, { session_id: 'collab' }));
  await r.stop();
  assert.equal(res.state.get('ok'), true);
  assert.equal(res.state.getMeta('failed_agents'), 'bad1,bad2');
  assert.equal(errors.length, 2);
  assert.ok(errors.some((e) => e.includes('first broke')) && errors.some((e) => e.includes('second broke')));
  assert.equal(outcomes[0]!.status, 'completed');
  const agentEnds = r.dumpTrace('collab').filter((e) => e.type === 'agent_end');
  assert.equal(agentEnds.length, 3);
  assert.deepEqual(agentEnds.filter((e) => e.error).map((e) => e.agentId).sort(), ['bad1', 'bad2']);
});

test('collaborative: fails only when every agent fails, keeping each error', async () => {
  const r = testRunner({ orchestrator: collaborative() });
  r.registerAgent('a', () => {
    throw new Error('a down');
  });
  r.registerAgent('b', () => {
    throw new Error('b down');
  });
  await r.start();
  await assert.rejects(r.run(newEvent('x')), (e: EventFailedError) => {
    const cause = e.cause as CollaborationFailedError;
    return cause instanceof CollaborationFailedError && cause.failures.length === 2 && /a down/.test(e.message) && /b down/.test(e.message);
  });
  await r.stop();
  assertBalanced(r);
});

test('collaborative: a user merge function decides the output', async () => {
  const r = testRunner({
    orchestrator: collaborative({ merge: (runs, input) => input.clone().set('votes', runs.map((x) => x.state.get('vote') as string)) }),
  });
  r.registerAgent('a', (c, e, s) => s.clone().set('vote', 'yes'));
  r.registerAgent('b', (c, e, s) => s.clone().set('vote', 'no'));
  await r.start();
  const res = await r.run(newEvent('x'));
  await r.stop();
  assert.deepEqual(res.state.get('votes'), ['yes', 'no']);
});

test('sequential: each agent gets the previous output; a failure stops the pipeline at that agent', async () => {
  const ran: string[] = [];
  const r = testRunner({ orchestrator: sequential({ agents: ['a', 'b', 'c'] }) });
  r.registerAgent('a', (c, e, s) => (ran.push('a'), s.clone().set('trail', 'a')));
  r.registerAgent('b', (c, e, s) => (ran.push('b'), s.clone().set('trail', `${s.get('trail')}b`)));
  r.registerAgent('c', (c, e, s) => (ran.push('c'), s.clone().set('trail', `${s.get('trail')}c`)));
  await r.start();
  const res = await r.run(newEvent('x'));
  assert.equal(res.state.get('trail'), 'abc');
  assert.deepEqual(ran, ['a', 'b', 'c']);
  await r.stop();

  const ran2: string[] = [];
  const r2 = testRunner({ orchestrator: sequential({ agents: ['a', 'b', 'c'] }) });
  r2.registerAgent('a', (c, e, s) => (ran2.push('a'), s));
  r2.registerAgent('b', () => {
    ran2.push('b');
    throw new Error('b exploded');
  });
  r2.registerAgent('c', (c, e, s) => (ran2.push('c'), s));
  await r2.start();
  await assert.rejects(r2.run(newEvent('x')), (e: EventFailedError) => {
    const cause = e.cause as SequentialStepError;
    return cause instanceof SequentialStepError && cause.agentId === 'b' && cause.step === 1 && /sequential agent "b" \(step 2 of 3\) failed: .*b exploded/.test(cause.message);
  });
  assert.deepEqual(ran2, ['a', 'b']);
  await r2.stop();
  assertBalanced(r2);
});

test('loop: stops on the loop_completed flag, on the predicate, and at maxIterations (a recorded outcome)', async () => {
  const counter = (c: unknown, e: unknown, s: import('../../src/index.js').State) => {
    const n = ((s.get('n') as number) ?? 0) + 1;
    const out = s.clone().set('n', n);
    if (s.get('stop_at') === n) out.set('loop_completed', true);
    return out;
  };
  const r = testRunner({ orchestrator: loop({ agent: 'count', maxIterations: 5 }) });
  r.registerAgent('count', counter);
  await r.start();
  const flagged = await r.run(newEvent('count', { stop_at: 3 }));
  assert.equal(flagged.state.get('n'), 3);
  assert.equal(flagged.state.getMeta('loop_exit'), 'completed');
  const limited = await r.run(newEvent('count', {}));
  assert.equal(limited.state.get('n'), 5);
  assert.equal(limited.state.getMeta('loop_exit'), 'max_iterations');
  assert.equal(limited.state.getMeta('loop_iterations'), '5');
  await r.stop();

  const r2 = testRunner({ orchestrator: loop({ agent: 'count', maxIterations: 10, until: (s) => (s.get('n') as number) >= 2 }) });
  r2.registerAgent('count', counter);
  await r2.start();
  const pred = await r2.run(newEvent('count'));
  assert.equal(pred.state.get('n'), 2);
  assert.equal(pred.state.getMeta('loop_exit'), 'predicate');
  await r2.stop();
});

test('mixed: collaborative phase (fails only if all fail), then sequential on the merged output', async () => {
  const r = testRunner({ orchestrator: mixed({ collaborative: ['r1', 'r2'], sequential: ['writer', 'editor'] }) });
  r.registerAgent('r1', (c, e, s) => s.clone().set('r1', 'facts'));
  r.registerAgent('r2', () => {
    throw new Error('r2 offline');
  });
  r.registerAgent('writer', (c, e, s) => s.clone().set('draft', `draft from ${s.get('r1')}`));
  r.registerAgent('editor', (c, e, s) => s.clone().set('final', `${s.get('draft')} (edited)`));
  await r.start();
  const res = await r.run(newEvent('x'));
  assert.equal(res.state.get('final'), 'draft from facts (edited)');
  assert.equal(res.state.getMeta('failed_agents'), 'r2');
  await r.stop();
});

test('createOrchestrator maps mode names and rejects unknown ones with a typed error', () => {
  assert.equal(createOrchestrator('parallel').mode, 'collaborative');
  assert.equal(createOrchestrator('route').mode, 'route');
  assert.equal(createOrchestrator('sequential', { sequentialAgents: ['a'] }).mode, 'sequential');
  assert.equal(createOrchestrator('loop', { loopAgent: 'a' }).mode, 'loop');
  assert.throws(() => createOrchestrator('paralel'), (e: UnknownOrchestrationModeError) => e.code === ErrorCodes.UNKNOWN_ORCHESTRATION_MODE && /route, collaborative/.test(e.message));
  assert.throws(() => createOrchestrator('sequential'), (e: Error & { code?: string }) => e.code === 'AF_ERR_INVALID_OPTION');
});

for (const [name, make] of [
  ['collaborative', () => collaborative({ agents: ['copier'] })],
  ['sequential', () => sequential({ agents: ['copier'] })],
  ['loop', () => loop({ agent: 'copier', maxIterations: 2 })],
  ['mixed', () => mixed({ collaborative: ['copier'], sequential: ['copier'] })],
] as const) {
  test(`${name}: an agent that copies the incoming route into its output is stopped by the hop limit`, async () => {
    const r = testRunner({ orchestrator: make(), maxHops: 4 });
    r.registerAgent('copier', (c, e, s) => s.clone().setMeta('route', e.getMetadataValue('route') ?? 'copier'));
    await r.start();
    await assert.rejects(r.run(newEvent('copier', {}, { route: 'copier' })), (e: EventFailedError) => e.reason === 'hop_limit_exceeded');
    await r.stop();
    const s = r.stats();
    assert.equal(s.completed, 5);
    assertBalanced(r);
  });
}

test('agentConcurrencyLimit caps one agent’s parallelism while others run freely', async () => {
  const r = testRunner({ concurrency: 16, middleware: [agentConcurrencyLimit({ limited: 2 })] });
  let now = 0;
  let peak = 0;
  let freePeak = 0;
  let freeNow = 0;
  r.registerAgent('limited', async (c, e, s) => {
    peak = Math.max(peak, ++now);
    await sleep(5);
    now--;
    return s;
  });
  r.registerAgent('free', async (c, e, s) => {
    freePeak = Math.max(freePeak, ++freeNow);
    await sleep(5);
    freeNow--;
    return s;
  });
  await r.start();
  for (let i = 0; i < 8; i++) r.emit(newEvent('limited'));
  for (let i = 0; i < 6; i++) r.emit(newEvent('free'));
  await r.drain();
  await r.stop();
  assert.equal(peak, 2);
  assert.ok(freePeak > 2, `free agent peak ${freePeak}`);
});

test('agentRateLimit spaces calls to the configured rate after the burst (lower bounds only); config wires [agents.NAME.rate_limit]', async () => {
  const { agentRateLimit } = await import('../../src/reliability/index.js');
  const r = testRunner({ concurrency: 8, middleware: [agentRateLimit({ api: { requestsPerSecond: 20, burst: 2 } })] });
  const calls: number[] = [];
  r.registerAgent('api', (c, e, s) => (calls.push(Date.now()), s));
  r.registerAgent('free', (c, e, s) => s);
  await r.start();
  const t0 = Date.now();
  for (let i = 0; i < 6; i++) r.emit(newEvent('api'));
  await r.drain();
  await r.stop();
  assert.equal(calls.length, 6);
  // 2 at once, then one per 50 ms: the 6th cannot start before ~200 ms.
  assert.ok(calls[5]! - t0 >= 190, `6th call after ${calls[5]! - t0} ms`);
  assert.ok(calls[2]! - t0 >= 45, `3rd call after ${calls[2]! - t0} ms`);

  const { createRunnerFromConfig } = await import('../../src/config/index.js');
  const { silentLogger } = await import('../../src/index.js');
  const seen: number[] = [];
  const cr = await createRunnerFromConfig({ agents: { slow_api: { rate_limit: { requests_per_second: 10, burst_size: 1 } } } }, { logger: silentLogger(), env: {}, agents: { slow_api: (c, e, s) => (seen.push(Date.now()), s) } });
  await cr.start();
  const c0 = Date.now();
  for (let i = 0; i < 3; i++) cr.emit(newEvent('slow_api'));
  await cr.drain();
  await cr.stop();
  assert.ok(seen[2]! - c0 >= 190, `3rd call after ${seen[2]! - c0} ms`);
});
