import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BaseAgent,
  agentHandlerFunc,
  newEvent,
  AgentExistsError,
  AgentLifecycleError,
  InvalidAgentError,
  RunnerNotRunningError,
  RunnerStateError,
  QueueFullError,
  ErrorCodes,
  type AgentContext,
  type State,
} from '../../src/index.js';
import { assertBalanced, sleep, testRunner } from './helpers.js';

class Recorder extends BaseAgent {
  log: string[];
  constructor(name: string, log: string[], opts: { enabled?: boolean; failInit?: boolean } = {}) {
    super({ name, role: 'recorder', enabled: opts.enabled });
    this.log = log;
    this.failInit = opts.failInit ?? false;
  }
  failInit: boolean;
  override initialize(): void {
    if (this.failInit) throw new Error('no database');
    this.log.push(`init:${this.name}`);
  }
  override shutdown(): void {
    this.log.push(`shutdown:${this.name}`);
  }
  run(_ctx: AgentContext, input: State): State {
    this.log.push(`run:${this.name}`);
    return input.clone().set('by', this.name);
  }
}

test('emit before start and after stop throws RunnerNotRunningError; start twice throws', async () => {
  const r = testRunner();
  r.registerAgent('a', agentHandlerFunc((c, e, s) => s));
  assert.throws(() => r.emit(newEvent('a')), (e: RunnerNotRunningError) => e.code === ErrorCodes.RUNNER_NOT_RUNNING && /idle/.test(e.message));
  await r.start();
  await assert.rejects(r.start(), RunnerStateError);
  await r.stop();
  assert.throws(() => r.emit(newEvent('a')), RunnerNotRunningError);
  await assert.rejects(r.run(newEvent('a')), RunnerNotRunningError);
});

test('initialize runs on start in registration order, shutdown on stop in reverse; a full agent is dispatched via handleEvent', async () => {
  const log: string[] = [];
  const r = testRunner();
  r.registerAgent('one', new Recorder('one', log));
  r.registerAgent('two', new Recorder('two', log));
  await r.start();
  assert.deepEqual(log, ['init:one', 'init:two']);
  const res = await r.run(newEvent('two', { x: 1 }));
  assert.equal(res.state.get('by'), 'two');
  await r.stop();
  assert.deepEqual(log, ['init:one', 'init:two', 'run:two', 'shutdown:two', 'shutdown:one']);
});

test('a failing initialize aborts start with AgentLifecycleError and shuts down the agents already initialized', async () => {
  const log: string[] = [];
  const r = testRunner();
  r.registerAgent('ok', new Recorder('ok', log));
  r.registerAgent('bad', new Recorder('bad', log, { failInit: true }));
  await assert.rejects(r.start(), (e: AgentLifecycleError) => e.code === ErrorCodes.AGENT_LIFECYCLE && e.details.agentId === 'bad' && /no database/.test(e.message));
  assert.deepEqual(log, ['init:ok', 'shutdown:ok']);
  assert.equal(r.getStatus(), 'idle');
});

test('registerAgent accepts a function, a handler object and an Agent; rejects duplicates and junk', async () => {
  const r = testRunner();
  r.registerAgent('fn', (c, e, s) => s.clone().set('fn', true));
  r.registerAgent('obj', { run: (c, e, s) => ({ outputState: s.clone().set('obj', true) }) });
  r.registerAgent('agent', new Recorder('agent', []));
  assert.throws(() => r.registerAgent('fn', (c, e, s) => s), AgentExistsError);
  assert.throws(() => r.registerAgent('junk', 42 as never), InvalidAgentError);
  assert.throws(() => r.registerAgent('', (c, e, s) => s), InvalidAgentError);
  await r.start();
  assert.equal((await r.run(newEvent('fn'))).state.get('fn'), true);
  assert.equal((await r.run(newEvent('obj'))).state.get('obj'), true);
  assert.equal((await r.run(newEvent('agent'))).state.get('by'), 'agent');
  await r.stop();
});

test('a disabled agent is not dispatched to; the event fails with agent_disabled', async () => {
  const log: string[] = [];
  const r = testRunner();
  r.registerAgent('off', new Recorder('off', log, { enabled: false }));
  await r.start();
  await assert.rejects(r.run(newEvent('off')), (e: { reason: string }) => e.reason === 'agent_disabled');
  assert.ok(!log.includes('run:off'));
  await r.stop();
  assertBalanced(r);
});

test('emit is non-blocking: it returns before the handler runs', async () => {
  const r = testRunner();
  let ran = 0;
  r.registerAgent('a', (c, e, s) => {
    ran++;
    return s;
  });
  await r.start();
  for (let i = 0; i < 10; i++) r.emit(newEvent('a'));
  assert.equal(ran, 0);
  await r.drain();
  assert.equal(ran, 10);
  await r.stop();
  assertBalanced(r);
});

test('a full queue makes emit throw QueueFullError; accepted events all complete', async () => {
  const r = testRunner({ queueSize: 5, concurrency: 1 });
  r.registerAgent('slow', async (c, e, s) => {
    await sleep(5);
    return s;
  });
  await r.start();
  let accepted = 0;
  let refused: QueueFullError | undefined;
  for (let i = 0; i < 20; i++) {
    try {
      r.emit(newEvent('slow'));
      accepted++;
    } catch (err) {
      refused = err as QueueFullError;
    }
  }
  assert.equal(accepted, 5);
  assert.ok(refused instanceof QueueFullError);
  assert.equal(refused.code, ErrorCodes.QUEUE_FULL);
  assert.equal(refused.retryable, true);
  await r.drain();
  assert.equal(r.stats().completed, 5);
  await r.stop();
  assertBalanced(r);
});

test('stop() is graceful: queued and in-flight events (and their chained hops) finish before agents shut down', async () => {
  const log: string[] = [];
  const r = testRunner({ concurrency: 2 });
  r.registerAgent('first', async (c, e, s) => {
    await sleep(10);
    return s.clone().setMeta('route', 'second');
  });
  r.registerAgent('second', async (c, e, s) => {
    await sleep(5);
    log.push('second');
    return s;
  });
  r.registerAgent('life', new Recorder('life', log));
  await r.start();
  for (let i = 0; i < 10; i++) r.emit(newEvent('first'));
  await r.stop();
  assert.equal(log.filter((x) => x === 'second').length, 10);
  assert.equal(log.at(-1), 'shutdown:life');
  const s = r.stats();
  assert.equal(s.completed, 20);
  assertBalanced(r);
});

test('stop({ timeoutMs }) aborts hung work and fails everything left with reason shutdown; nothing is lost', async () => {
  const r = testRunner({ concurrency: 1, timeoutMs: 0 });
  const outcomes: string[] = [];
  let sawAbort = false;
  r.onOutcome((o) => outcomes.push(`${o.status}:${o.reason ?? ''}`));
  r.registerAgent('hang', (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => {
    sawAbort = true;
    reject(ctx.signal.reason);
  })));
  await r.start();
  for (let i = 0; i < 4; i++) r.emit(newEvent('hang'));
  await sleep(5);
  await r.stop({ timeoutMs: 30 });
  assert.equal(sawAbort, true);
  assert.equal(outcomes.length, 4);
  assert.ok(outcomes.every((o) => o === 'failed:shutdown'), outcomes.join());
  assertBalanced(r);
});
