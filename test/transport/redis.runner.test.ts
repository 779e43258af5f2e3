/**
 * The runner over the Redis Streams transport: chains, broadcast, retries
 * and session order run as in memory; a worker that dies mid-event is taken
 * over by another, which runs the event to an outcome.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRunner, newEvent, silentLogger, type EventOutcome, type Runner, type State } from '../../src/index.js';
import { retryPolicy } from '../../src/reliability/index.js';
import { RedisTransport, redactUrl } from '../../src/transport/redis/index.js';
import { useRedisServer } from '../support/redis.js';
import { memoryFor } from '../../src/config/memory.js';
import { validateConfigObject } from '../../src/config/index.js';
import { sleep } from '../runner/helpers.js';

const redis = useRedisServer();

let n = 0;
function redisRunner(extra: Partial<Parameters<typeof createRunner>[0]> = {}, t?: RedisTransport): { r: Runner; t: RedisTransport } {
  const transport = t ?? new RedisTransport({ url: redis().url, namespace: `run${n++}`, partitions: 4, leaseMs: 1200, blockMs: 20 });
  return { r: createRunner({ logger: silentLogger(), transport, concurrency: 8, ...extra }), t: transport };
}

test('redis: a 3-hop route chain, a broadcast and ctx.emit children run to their outcomes', async () => {
  const { r } = redisRunner();
  r.registerAgent('a', (c, e, s) => s.clone().set('a', 1).setMeta('route', 'b'));
  r.registerAgent('b', (c, e, s) => s.clone().set('b', 2).setMeta('route', 'c'));
  r.registerAgent('c', (ctx, e, s) => {
    ctx.emit(newEvent('leaf', { x: 1 }));
    return s.clone().set('c', 3);
  });
  r.registerAgent('leaf', (c, e, s) => s);
  await r.start();
  const res = await r.run(newEvent('a', { start: true }, { session_id: 'chain' }));
  assert.equal(res.events, 4);
  const out = res.outcomes.find((o) => o.agentId === 'c')!;
  assert.deepEqual(out.state.toObject(), { start: true, a: 1, b: 2, c: 3 });
  const bc = await r.run(newEvent('leaf', {}, { broadcast: 'true', broadcast_targets: 'leaf,c' }));
  assert.equal(bc.events, 4);
  await r.stop();
  const s = r.stats();
  assert.equal(s.emitted, s.completed + s.failed + s.deadLettered);
});

test('redis: retries come from the transport with the attempt number, and session order holds across a retry', async () => {
  const { r } = redisRunner({ retry: retryPolicy({ maxRetries: 2, baseDelayMs: 20, jitter: false }) });
  const seen: string[] = [];
  r.registerAgent('step', (ctx, e, s) => {
    const n = String(e.getData().n);
    if (n === '1' && ctx.attempt === 1) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
    seen.push(`${n}@${ctx.attempt}`);
    return s;
  });
  await r.start();
  const runs = [1, 2, 3].map((i) => r.run(newEvent('step', { n: i }, { session_id: 'ordered' })));
  await Promise.all(runs);
  await r.stop();
  assert.deepEqual(seen, ['1@2', '2@1', '3@1']);
});

test('redis: a worker that dies mid-event is taken over; the event runs again to exactly one outcome', async () => {
  const ns = `takeover${n++}`;
  const mk = (name: string) => new RedisTransport({ url: redis().url, namespace: ns, partitions: 2, leaseMs: 600, blockMs: 20, consumer: name });
  const t1 = mk('w1');
  const { r: r1 } = redisRunner({}, t1);
  let started = 0;
  r1.registerAgent('work', () => {
    started++;
    return new Promise(() => undefined); // hangs until the worker dies
  });
  await r1.start();
  r1.emit(newEvent('work', { job: 1 }, { session_id: 'job' }));
  for (let i = 0; i < 100 && started === 0; i++) await sleep(10);
  assert.equal(started, 1);
  t1.kill();
  const t0 = Date.now();
  const t2 = mk('w2');
  const { r: r2 } = redisRunner({}, t2);
  const outcomes: EventOutcome[] = [];
  r2.onOutcome((o) => outcomes.push(o));
  r2.registerAgent('work', (ctx, e, s) => s.clone().set('done_by', 'w2').set('attempt', ctx.attempt));
  await r2.start();
  for (let i = 0; i < 300 && outcomes.length === 0; i++) await sleep(10);
  const takeoverMs = Date.now() - t0;
  const m = await t2.metrics();
  assert.deepEqual([m.partitionsOwned, m.pending, m.lag, m.redeliveries, m.leaseLosses], [2, 0, 0, 1, 0], 'metrics: both partitions owned, nothing waiting, one redelivery, no lease lost');
  await r2.stop();
  assert.equal(outcomes.length, 1, 'the event was not taken over');
  assert.equal(outcomes[0]!.status, 'completed');
  assert.equal(outcomes[0]!.state.get('attempt'), 2);
  assert.ok(takeoverMs < 600 + 1000, `takeover took ${takeoverMs} ms`);
});

test('redis: a retry with a long delay survives its worker stopping: the next owner waits for the due time and runs the next attempt', async () => {
  const ns = `due${n++}`;
  const mk = (name: string) => new RedisTransport({ url: redis().url, namespace: ns, partitions: 2, leaseMs: 600, blockMs: 20, consumer: name });
  const retry = retryPolicy({ maxRetries: 3, baseDelayMs: 2000, jitter: false });
  const { r: r1 } = redisRunner({ retry }, mk('w1'));
  let firstRun = 0;
  r1.registerAgent('flaky', (ctx) => {
    firstRun = Date.now();
    throw Object.assign(new Error(`reset on attempt ${ctx.attempt}`), { code: 'ECONNRESET' });
  });
  await r1.start();
  r1.emit(newEvent('flaky', { job: 1 }, { session_id: 'due' }));
  for (let i = 0; i < 200 && r1.stats().retried === 0; i++) await sleep(10);
  assert.equal(r1.stats().retried, 1, 'the first attempt failed and its retry was settled');
  await r1.stop(); // graceful: the partitions are given back, the retry is not run here
  const { r: r2 } = redisRunner({ retry }, mk('w2'));
  const runs: { attempt: number; at: number }[] = [];
  r2.registerAgent('flaky', (ctx, e, s) => (runs.push({ attempt: ctx.attempt, at: Date.now() }), s.clone().set('ok', true)));
  const outcomes: EventOutcome[] = [];
  r2.onOutcome((o) => outcomes.push(o));
  await r2.start();
  for (let i = 0; i < 400 && outcomes.length === 0; i++) await sleep(10);
  await r2.stop();
  assert.equal(outcomes.length, 1, 'the retry ran on the next owner');
  assert.equal(outcomes[0]!.status, 'completed');
  assert.deepEqual(runs.map((r) => r.attempt), [2], 'as attempt 2, once');
  assert.ok(runs[0]!.at - firstRun >= 1900, `it waited for the due time (${runs[0]!.at - firstRun} ms after the failure; delay 2000 ms)`);
});

test('redis: a worker joining a busy namespace gets a share: the first worker drains and gives back busy partitions over its fair share; order holds', async () => {
  const ns = `rebalance${n++}`;
  const mk = (name: string) => new RedisTransport({ url: redis().url, namespace: ns, partitions: 4, leaseMs: 900, blockMs: 20, consumer: name });
  const ran: { worker: string; session: string; seq: number }[] = [];
  const agent = (worker: string) => async (ctx: { sessionId: string }, e: { getData(): unknown }, s: State) => {
    await sleep(40); // busy long enough (25 events per session, one after another) for the second worker to join mid-run
    ran.push({ worker, session: ctx.sessionId, seq: (e.getData() as { seq: number }).seq });
    return s;
  };
  const { r: r1, t: t1 } = redisRunner({}, mk('w1'));
  r1.registerAgent('step', agent('w1'));
  await r1.start();
  const producer = new RedisTransport({ url: redis().url, namespace: ns, partitions: 4, role: 'producer' });
  for (let seq = 0; seq < 25; seq++) await producer.publish(Array.from({ length: 12 }, (_, i) => newEvent('step', { seq }, { session_id: `s${i}` })));
  await producer.close();
  for (let i = 0; i < 200 && ran.length < 20; i++) await sleep(10);
  assert.equal((await t1.metrics()).partitionsOwned, 4, 'alone, the first worker owns every partition');
  const { r: r2, t: t2 } = redisRunner({}, mk('w2'));
  r2.registerAgent('step', agent('w2'));
  await r2.start();
  for (let i = 0; i < 1000 && ran.length < 300; i++) await sleep(20);
  const owned = [(await t1.metrics()).partitionsOwned, (await t2.metrics()).partitionsOwned];
  await r2.stop();
  await r1.stop();
  assert.equal(ran.length, 300);
  assert.ok(ran.some((x) => x.worker === 'w2'), 'the second worker ran events while the first was busy');
  assert.deepEqual(owned, [2, 2], 'each owns its fair share');
  for (let i = 0; i < 12; i++) {
    const seqs = ran.filter((x) => x.session === `s${i}`).map((x) => x.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), `session s${i} in order across the hand-over`);
  }
});

test('redis: an event that keeps killing its worker ends in the dead-letter stream after maxDeliveries', async () => {
  const ns = `poison${n++}`;
  let deliveries = 0;
  for (let i = 0; i < 3; i++) {
    const t = new RedisTransport({ url: redis().url, namespace: ns, partitions: 1, leaseMs: 300, blockMs: 20, maxDeliveries: 2, consumer: `w${i}` });
    const { r } = redisRunner({}, t);
    r.registerAgent('poison', () => {
      deliveries++;
      return new Promise(() => undefined);
    });
    await r.start();
    if (i === 0) r.emit(newEvent('poison', {}, { session_id: 'p' }));
    const before = deliveries;
    for (let k = 0; k < 150 && deliveries === before; k++) await sleep(10);
    t.kill();
    if (deliveries === before) break;
  }
  const reader = new RedisTransport({ url: redis().url, namespace: ns, partitions: 1, role: 'producer' });
  const dead = await reader.deadLetters();
  await reader.close();
  assert.equal(deliveries, 2);
  assert.equal(dead.length, 1);
  assert.match(String((dead[0]!.error as { message: string }).message), /delivered 3 times/);
});

test('redis: bad input is typed: an unreachable URL, a partition-count mismatch; passwords never printed', async () => {
  const bad = new RedisTransport({ url: 'redis://:hunter2@127.0.0.1:1', namespace: 'x' });
  await assert.rejects(bad.connect(), (e: Error & { code?: string }) => e.code === 'AF_ERR_TRANSPORT' && !e.message.includes('hunter2') && e.message.includes('***@127.0.0.1:1'));
  await bad.close();
  const a = new RedisTransport({ url: redis().url, namespace: 'mismatch', partitions: 4, role: 'producer' });
  await a.connect();
  const b = new RedisTransport({ url: redis().url, namespace: 'mismatch', partitions: 8, role: 'producer' });
  await assert.rejects(b.connect(), (e: Error & { code?: string }) => e.code === 'AF_ERR_INVALID_OPTION' && /created with 4 partitions/.test(e.message));
  // A producer that names no count (a viewer, `agentflow trace`) adopts the namespace's; a worker never guesses.
  const c = new RedisTransport({ url: redis().url, namespace: 'mismatch', role: 'producer' });
  await c.connect();
  assert.equal(c.partitions, 4);
  const w = new RedisTransport({ url: redis().url, namespace: 'mismatch' });
  await assert.rejects(w.connect(), /created with 4 partitions, not 8/);
  await Promise.all([a.close(), b.close(), c.close(), w.close()]);
  assert.equal(redactUrl('redis://user:pw@h:1/0'), 'redis://***@h:1/0');
});

test('redis: a producer’s run() resolves with the outcome a worker produced (a chain of two hops); with no live worker it fails fast', async () => {
  const ns = `xproc${n++}`;
  const worker = createRunner({ logger: silentLogger(), transport: new RedisTransport({ url: redis().url, namespace: ns, partitions: 2, leaseMs: 1000, blockMs: 20, consumer: 'worker' }) });
  worker.registerAgent('a', (c, e, s) => s.clone().set('a', 1).setMeta('route', 'b'));
  worker.registerAgent('b', (c, e, s) => s.clone().set('b', 2));
  const producer = createRunner({ logger: silentLogger(), transport: new RedisTransport({ url: redis().url, namespace: ns, partitions: 2, role: 'producer', consumer: 'producer' }) });
  await producer.start();
  await assert.rejects(producer.run(newEvent('a')), (e: Error & { code?: string }) => e.code === 'AF_ERR_TRANSPORT' && /no worker is alive/.test(e.message));
  await worker.start();
  const res = await producer.run(newEvent('a', { x: 0 }, { session_id: 'remote' }));
  assert.equal(res.events, 2);
  assert.deepEqual(res.state.toObject(), { x: 0, a: 1, b: 2 });
  worker.registerAgent('bad', () => {
    throw new Error('remote failure');
  });
  await assert.rejects(producer.run(newEvent('bad')), (e: { reason?: string; cause?: { code?: string } }) => e.reason === 'agent_error' && e.cause?.code === 'AF_ERR_AGENT_FAILED');
  await producer.stop();
  await worker.stop();
});

test('redis: runner.stream() in a producer receives the tokens and tool activity a worker reports; chains not streamed keep their tokens local', async () => {
  const ns = `stream${n++}`;
  const worker = createRunner({ logger: silentLogger(), transport: new RedisTransport({ url: redis().url, namespace: ns, partitions: 2, leaseMs: 1000, blockMs: 20, consumer: 'worker' }) });
  worker.registerAgent('writer', (ctx, e, s) => {
    for (const t of ['Once', ' upon', ' a time']) ctx.report({ kind: 'token', text: t });
    ctx.report({ kind: 'tool_call', tool: 'dice', callId: 'c1', arguments: '{}', round: 1 });
    return s.clone().set('response', 'Once upon a time').setMeta('route', 'editor');
  });
  worker.registerAgent('editor', (ctx, e, s) => {
    ctx.report({ kind: 'token', text: 'The end.' });
    return s;
  });
  const producer = createRunner({ logger: silentLogger(), transport: new RedisTransport({ url: redis().url, namespace: ns, partitions: 2, role: 'producer', consumer: 'producer' }) });
  await worker.start();
  await producer.start();
  const seen: string[] = [];
  producer.onActivity((m) => seen.push(`${m.agentId}:${m.activity.kind}`));
  const parts: string[] = [];
  for await (const p of producer.stream(newEvent('writer', {}, { session_id: 'streamed' }))) {
    if (p.kind === 'token') parts.push(`${p.agentId}:${p.text}`);
    else if (p.kind === 'tool_call') parts.push(`${p.agentId}:call ${p.tool}`);
    else parts.push(p.kind === 'outcome' ? `outcome ${p.outcome.agentId}` : p.kind);
  }
  assert.deepEqual(parts.filter((p) => p.includes(':')), ['writer:Once', 'writer: upon', 'writer: a time', 'writer:call dice', 'editor:The end.']);
  assert.equal(parts.at(-1), 'done');
  seen.length = 0;
  await producer.run(newEvent('writer', {}, { session_id: 'not-streamed' }));
  assert.deepEqual(seen, [], 'a chain nobody streams does not send its activity across processes');
  await producer.stop();
  await worker.stop();
});

test('redis: breaking out of a producer’s stream cancels the chain on the worker running it; the next hop never runs', async () => {
  const ns = `cancel${n++}`;
  const worker = createRunner({ logger: silentLogger(), transport: new RedisTransport({ url: redis().url, namespace: ns, partitions: 2, leaseMs: 1000, blockMs: 20, consumer: 'worker' }) });
  let aborted: { code?: string; message?: string } | undefined;
  let nextRan = false;
  worker.registerAgent('writer', async (ctx, e, s) => {
    ctx.report({ kind: 'token', text: 'Once' });
    await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true })).catch((err: unknown) => {
      aborted = err as { code?: string };
      throw err;
    });
    return s.clone().setMeta('route', 'editor');
  });
  worker.registerAgent('editor', (ctx, e, s) => {
    nextRan = true;
    return s;
  });
  const outcomes: EventOutcome[] = [];
  worker.onOutcome((o) => outcomes.push(o));
  const producer = createRunner({ logger: silentLogger(), transport: new RedisTransport({ url: redis().url, namespace: ns, partitions: 2, role: 'producer', consumer: 'producer' }) });
  await worker.start();
  await producer.start();
  for await (const p of producer.stream(newEvent('writer', {}, { session_id: 'cancel-me' }))) if (p.kind === 'token') break;
  for (let i = 0; i < 100 && outcomes.length === 0; i++) await sleep(20);
  assert.equal(aborted?.code, 'AF_ERR_CANCELLED', "the worker's running agent was aborted");
  assert.match(String(aborted?.message), /in another process/);
  assert.deepEqual(outcomes.map((o) => [o.agentId, o.status, o.reason]), [['writer', 'failed', 'cancelled']]);
  assert.equal(nextRan, false);
  await producer.stop();
  await worker.stop();
});

test('redis: [agent_memory] keeps conversations in the namespace, so a session continues on another worker', async () => {
  const ns = `mem${n++}`;
  const config = validateConfigObject({ agent_memory: { enable_rag: false, max_turns: 4 } }).config;
  const t1 = new RedisTransport({ url: redis().url, namespace: ns, partitions: 2, consumer: 'w1' });
  const t2 = new RedisTransport({ url: redis().url, namespace: ns, partitions: 2, consumer: 'w2' });
  const one = await memoryFor(config, '/nonexistent', {}, t1);
  const two = await memoryFor(config, '/nonexistent', {}, t2);
  assert.equal(one.where, 'transport:redis');
  await one.memory!.record('s1', 'chat', 'e1', 'My name is Ada.', 'Hello Ada.');
  const h = await two.memory!.history('s1', 'chat');
  assert.deepEqual(h.messages.map((m) => m.content), ['My name is Ada.', 'Hello Ada.'], 'the other worker sees the turns');
  assert.equal((await two.memory!.history('s2', 'chat')).turns, 0);
  await t1.close();
  await t2.close();
});

test('redis: [transport] kind = "redis" in agentflow.toml builds the runner on Redis; a bad URL names the key', async () => {
  const { createRunnerFromConfig, ConfigError } = await import('../../src/config/index.js');
  const runner = await createRunnerFromConfig(
    { agent_flow: { name: 'cfg-redis' }, transport: { kind: 'redis', url: '${REDIS_URL}', namespace: `cfg${n++}`, partitions: 2, lease_ms: 1000 }, agents: { echo: { role: 'echo' } } },
    { logger: silentLogger(), env: { REDIS_URL: redis().url }, agents: { echo: (c, e, s) => s.clone().set('echoed', true) } },
  );
  assert.equal(runner.getTransport().name, 'redis');
  await runner.start();
  const res = await runner.run(newEvent('echo', { x: 1 }));
  assert.equal(res.state.get('echoed'), true);
  await runner.stop();
  await assert.rejects(
    createRunnerFromConfig({ agent_flow: { name: 'bad' }, transport: { kind: 'redis', url: 'http://nope' } }, { logger: silentLogger(), env: {} }),
    (e: InstanceType<typeof ConfigError>) => e instanceof ConfigError && e.issues.some((i) => i.key === 'transport.url'),
  );
});
