import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newEvent, HookPoint, UnrecoverableError, EventFailedError, ErrorCodes, TimeoutError, type EventOutcome } from '../../src/index.js';
import {
  retryPolicy,
  backoffDelay,
  defaultRetrySettings,
  classifyError,
  DeadLetterQueue,
  JsonlDeadLetterStore,
  readDeadLetters,
  purgeDeadLetters,
  errorRouting,
  CircuitBreaker,
  CircuitOpenError,
  circuitBreakerMiddleware,
} from '../../src/reliability/index.js';
import { assertBalanced, sleep, testRunner, untilAborted } from '../runner/helpers.js';

const netError = (msg = 'socket hang up') => Object.assign(new Error(msg), { code: 'ECONNRESET' });

test('classifyError: structure first (codes, status, cause chain), keywords last', () => {
  assert.deepEqual(classifyError(netError()), { retryable: true, category: 'network', severity: 'high' });
  assert.equal(classifyError(new TimeoutError('a', 'e', 10)).category, 'timeout');
  assert.equal(classifyError(Object.assign(new Error('x'), { status: 429 })).category, 'rate_limit');
  assert.equal(classifyError(Object.assign(new Error('x'), { status: 503 })).retryable, true);
  assert.deepEqual(classifyError(Object.assign(new Error('x'), { status: 403 })), { retryable: false, category: 'auth', severity: 'critical' });
  assert.equal(classifyError(new UnrecoverableError('temporary glitch, they say')).retryable, false, 'an explicit mark beats keywords');
  assert.equal(classifyError(new Error('outer', { cause: netError() })).category, 'network');
  assert.equal(classifyError(new Error('connection reset by peer')).retryable, true);
  assert.equal(classifyError(new Error('validation failed: name')).retryable, false);
  assert.equal(classifyError(new Error('authorization denied')).category, 'auth');
  assert.deepEqual(classifyError(new Error('something odd')), { retryable: false, category: 'unknown', severity: 'medium' });
});

test('backoff grows exponentially, is capped, and jitter stays within [d/2, d]', () => {
  const s = { ...defaultRetrySettings(), jitter: false };
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(s, n)), [1000, 2000, 4000, 8000, 16000, 30000]);
  const j = { ...defaultRetrySettings(), jitter: true };
  for (let n = 1; n < 6; n++) {
    const d = backoffDelay(j, n);
    const full = backoffDelay(s, n);
    assert.ok(d >= full / 2 && d <= full, `${d} within [${full / 2}, ${full}]`);
  }
});

test('retries a retryable failure with growing delays; each attempt is in the trace; success on the 3rd attempt', async () => {
  const r = testRunner({ retry: retryPolicy({ maxRetries: 3, baseDelayMs: 10, backoffFactor: 2, jitter: false }) });
  const times: number[] = [];
  r.registerAgent('flaky', (ctx, e, s) => {
    times.push(Date.now());
    if (ctx.attempt < 3) throw netError();
    return s.clone().set('attempt', ctx.attempt);
  });
  await r.start();
  const res = await r.run(newEvent('flaky', {}, { session_id: 'retry-s' }));
  await r.stop();
  assert.equal(res.state.get('attempt'), 3);
  assert.equal(times.length, 3);
  assert.ok(times[1]! - times[0]! >= 9 && times[2]! - times[1]! >= 18, `gaps ${times[1]! - times[0]!}, ${times[2]! - times[1]!}`);
  const trace = r.dumpTrace('retry-s');
  const retries = trace.filter((e) => e.type === 'retry');
  assert.deepEqual(retries.map((e) => e.detail?.nextAttempt), [2, 3]);
  assert.deepEqual(retries.map((e) => e.detail?.delayMs), [10, 20]);
  assert.equal(trace.at(-1)!.attempt, 3);
  const s = r.stats();
  assert.equal(s.retried, 2);
  assert.equal(s.emitted, 1);
  assert.equal(s.completed, 1);
  assertBalanced(r);
});

test('retries run out: reason retries_exhausted with the last error and attempt count; fatal and unrecoverable errors are not retried', async () => {
  const dlq = new DeadLetterQueue();
  const r = testRunner({ retry: retryPolicy({ maxRetries: 2, baseDelayMs: 1, jitter: false }), deadLetter: dlq });
  let calls = 0;
  let fatalCalls = 0;
  let unrecCalls = 0;
  r.registerAgent('down', () => {
    calls++;
    throw netError(`down #${calls}`);
  });
  r.registerAgent('fatal', () => {
    fatalCalls++;
    throw Object.assign(new Error('forbidden'), { status: 403 });
  });
  r.registerAgent('unrec', () => {
    unrecCalls++;
    throw new UnrecoverableError('bad input: no user');
  });
  await r.start();
  const down = newEvent('down');
  await assert.rejects(r.run(down), (e: EventFailedError) => e.reason === 'retries_exhausted');
  await assert.rejects(r.run(newEvent('fatal')), (e: EventFailedError) => e.reason === 'agent_error');
  await assert.rejects(r.run(newEvent('unrec')), (e: EventFailedError) => e.reason === 'agent_error');
  await r.stop();
  assert.equal(calls, 3);
  assert.equal(fatalCalls, 1);
  assert.equal(unrecCalls, 1);
  const rec = dlq.get(down.getId())!;
  assert.equal(rec.reason, 'retries_exhausted');
  assert.equal(rec.attempts, 3);
  assert.match(rec.error.message, /down #3/);
  assertBalanced(r);
});

test('per-agent retry settings override the global ones', async () => {
  const policy = retryPolicy({ maxRetries: 5, baseDelayMs: 1, jitter: false, perAgent: { once: { maxRetries: 1 } } });
  assert.equal(policy.settingsFor('once').maxRetries, 1);
  const r = testRunner({ retry: policy });
  let n = 0;
  r.registerAgent('once', () => {
    n++;
    throw netError();
  });
  await r.start();
  await assert.rejects(r.run(newEvent('once')));
  await r.stop();
  assert.equal(n, 2);
});

test('dead-letter queue receives every kind of failure with its reason', async () => {
  const dlq = new DeadLetterQueue();
  let release!: () => void;
  const held = new Promise<void>((res) => (release = res));
  const r = testRunner({ deadLetter: dlq, maxHops: 2, concurrency: 1, timeoutMs: 0, retry: retryPolicy({ maxRetries: 1, baseDelayMs: 1, jitter: false }) });
  r.registerAgent('boom', () => {
    throw new UnrecoverableError('fatal');
  });
  r.registerAgent('net', () => {
    throw netError();
  });
  r.registerAgent('loop', (c, e, s) => s.clone().setMeta('route', 'loop'));
  r.registerAgent('gated', (c, e, s) => s);
  r.registerAgent('hold', async (c, e, s) => (await held, s));
  r.registerCallback(HookPoint.BeforeEventHandling, 'gate', (_c, a) => {
    if (a.event.getTargetAgentId() === 'gated') throw new Error('rejected by policy');
  });
  await r.start();
  const runs = [
    r.run(newEvent('ghost')),
    r.run(newEvent('boom')),
    r.run(newEvent('net')),
    r.run(newEvent('loop')),
    r.run(newEvent('gated')),
    r.run(newEvent('boom', {}, { deadline: new Date(Date.now() - 5).toISOString() })),
  ];
  await Promise.allSettled(runs);
  r.emit(newEvent('hold'));
  r.emit(newEvent('gated', {}, { note: 'queued at stop' }));
  await sleep(5);
  setTimeout(release, 50);
  await r.stop({ timeoutMs: 20, drain: false });
  const reasons = dlq.list().map((d) => d.reason).sort();
  assert.deepEqual(reasons, ['agent_error', 'deadline_exceeded', 'hook_rejected', 'hop_limit_exceeded', 'no_such_agent', 'retries_exhausted', 'shutdown', 'shutdown']);
  for (const d of dlq.list()) {
    assert.ok(d.event.id && d.error.code && d.error.message, JSON.stringify(d));
    assert.ok(d.attempts >= 1);
  }
  const s = r.stats();
  assert.equal(s.deadLettered, 8);
  assert.equal(s.failed, 0);
  assertBalanced(r);
});

test('replay re-emits a dead letter and removes it; purge removes by filter', async () => {
  const dlq = new DeadLetterQueue();
  const r = testRunner({ deadLetter: dlq });
  let fixed = false;
  r.registerAgent('svc', (c, e, s) => {
    if (!fixed) throw new Error('not yet');
    return s.clone().set('ok', true);
  });
  await r.start();
  const a = newEvent('svc', { n: 1 });
  await assert.rejects(r.run(a));
  await assert.rejects(r.run(newEvent('nobody')));
  assert.equal(dlq.size(), 2);
  fixed = true;
  assert.deepEqual(dlq.replay(r, a.getId()), [a.getId()]);
  await r.drain();
  assert.equal(dlq.size(), 1);
  assert.equal(r.dumpTrace(a.getSessionId()).filter((e) => e.type === 'event_end').at(-1)!.status, 'completed');
  assert.equal(dlq.purge({ reason: 'no_such_agent' }), 1);
  assert.equal(dlq.size(), 0);
  await r.stop();
});

test('JSONL store survives a restart; the file helpers list and purge', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'af-dlq-')), 'dead.jsonl');
  const r = testRunner({ deadLetter: new DeadLetterQueue({ store: new JsonlDeadLetterStore(path) }) });
  await r.start();
  await Promise.allSettled([r.run(newEvent('x1')), r.run(newEvent('x2'))]);
  await r.stop();
  const reopened = new DeadLetterQueue({ store: new JsonlDeadLetterStore(path) });
  assert.equal(reopened.size(), 2);
  assert.equal(readDeadLetters(path).length, 2);
  assert.equal(readDeadLetters(path, { reason: 'no_such_agent', limit: 1 }).length, 1);
  assert.equal(purgeDeadLetters(path, { agentId: 'x1' }), 1);
  assert.deepEqual(readDeadLetters(path).map((d) => d.agentId), ['x2']);
});

test('dead letters can be forwarded to a dead_letter_handler agent; its own failures are not forwarded again', async () => {
  const seen: unknown[] = [];
  // The runner's sink and the queue's forwarding target are each other, so wire them in two steps.
  const fwdQueue: DeadLetterQueue[] = [];
  const main = testRunner({ deadLetter: { add: (rec) => fwdQueue[0]!.add(rec) } });
  fwdQueue.push(new DeadLetterQueue({ forward: { runner: main } }));
  main.registerAgent('dead_letter_handler', (c, e, s) => {
    seen.push(e.getData());
    if (e.getData().failed_agent === 'bad') throw new Error('handler broke too');
    return s;
  });
  main.registerAgent('bad', () => {
    throw new Error('original failure');
  });
  await main.start();
  await assert.rejects(main.run(newEvent('bad')));
  await main.drain();
  await main.stop();
  assert.equal(seen.length, 1);
  assert.equal((seen[0] as { error_message: string }).error_message.includes('original failure'), true);
  assert.equal(fwdQueue[0]!.size(), 2, 'the original and the failed forward are both kept, nothing loops');
  assertBalanced(main);
});

test('error routing sends an error event with the original session to the chosen handler; no loops without a handler', async () => {
  const r = testRunner();
  const got: Record<string, unknown>[] = [];
  r.registerAgent('worker', () => {
    throw netError('db connection lost');
  });
  r.registerAgent('net_handler', (c, e, s) => (got.push({ ...e.getData(), session: e.getSessionId(), meta: e.getMetadataValue('error_event') }), s));
  errorRouting(r, { categoryHandlers: { network: 'net_handler' } });
  await r.start();
  await assert.rejects(r.run(newEvent('worker', { job: 7 }, { session_id: 'orig-session' })));
  await r.drain();
  await r.stop();
  assert.equal(got.length, 1);
  assert.equal(got[0]!.failed_agent, 'worker');
  assert.equal(got[0]!.error_category, 'network');
  assert.equal(got[0]!.severity, 'high');
  assert.equal(got[0]!.session, 'orig-session');
  assert.equal(got[0]!.meta, 'true');
  assert.deepEqual(got[0]!.original_event, { job: 7 });

  const lonely = testRunner();
  lonely.registerAgent('worker', () => {
    throw new Error('x');
  });
  errorRouting(lonely);
  await lonely.start();
  await assert.rejects(lonely.run(newEvent('worker')));
  await lonely.drain();
  await lonely.stop();
  const s = lonely.stats();
  assert.equal(s.emitted, 2, 'the failure and exactly one error event');
  assert.equal(s.failed, 2);
  assertBalanced(lonely);
});

test('circuit breaker: closed → open → half-open → closed, and open → half-open → open', () => {
  let now = 0;
  const changes: string[] = [];
  const b = new CircuitBreaker('svc', { failureThreshold: 2, successThreshold: 2, resetTimeoutMs: 100, halfOpenMaxCalls: 1, now: () => now, onStateChange: (c) => changes.push(`${c.from}>${c.to}`) });
  const fail = () => {
    b.acquire();
    b.onFailure();
  };
  const ok = () => {
    b.acquire();
    b.onSuccess();
  };
  fail();
  assert.equal(b.state, 'closed');
  fail();
  assert.equal(b.state, 'open');
  assert.throws(() => b.acquire(), (e: CircuitOpenError) => e.code === ErrorCodes.CIRCUIT_OPEN && e.retryAfterMs === 100);
  now = 100;
  assert.equal(b.state, 'half-open');
  b.acquire();
  assert.throws(() => b.acquire(), CircuitOpenError, 'only one probe at a time');
  b.onSuccess();
  ok();
  assert.equal(b.state, 'closed');
  fail();
  fail();
  now = 250;
  assert.equal(b.state, 'half-open');
  fail();
  assert.equal(b.state, 'open');
  assert.deepEqual(changes, ['closed>open', 'open>half-open', 'half-open>closed', 'closed>open', 'open>half-open', 'half-open>open']);
});

test('circuit breaker middleware fails fast with circuit_open while open; state changes are traced and reported', async () => {
  const changes: string[] = [];
  const r = testRunner({ concurrency: 1 });
  const { middleware, breakers } = circuitBreakerMiddleware({ failureThreshold: 3, resetTimeoutMs: 60_000, onStateChange: (c) => changes.push(c.to), traceLogger: r.getTraceLogger() });
  const r2 = testRunner({ concurrency: 1, middleware: [middleware] });
  let calls = 0;
  r2.registerAgent('api', () => {
    calls++;
    throw netError();
  });
  await r2.start();
  const outcomes: EventOutcome[] = [];
  r2.onOutcome((o) => outcomes.push(o));
  for (let i = 0; i < 6; i++) await r2.run(newEvent('api')).catch(() => undefined);
  await r2.stop();
  assert.equal(calls, 3, 'after 3 failures the agent is not called');
  assert.deepEqual(outcomes.map((o) => o.reason), ['agent_error', 'agent_error', 'agent_error', 'circuit_open', 'circuit_open', 'circuit_open']);
  assert.equal(breakers.get('api')!.state, 'open');
  assert.deepEqual(changes, ['open']);
  assert.equal(r.dumpTrace('circuit').filter((e) => e.type === 'circuit' && e.status === 'open').length, 1);
});

test('graceful stop: intake stops, in-flight work finishes within the timeout, the rest ends as shutdown', async () => {
  const dlq = new DeadLetterQueue();
  const r = testRunner({ concurrency: 2, deadLetter: dlq, timeoutMs: 0 });
  let finished = 0;
  r.registerAgent('quick', async (c, e, s) => {
    await sleep(10);
    finished++;
    return s;
  });
  r.registerAgent('hang', (ctx) => untilAborted(ctx.signal));
  await r.start();
  r.emit(newEvent('quick'));
  r.emit(newEvent('hang'));
  for (let i = 0; i < 5; i++) r.emit(newEvent('hang', { queued: i }));
  await sleep(2);
  const stopping = r.stop({ timeoutMs: 60 });
  assert.throws(() => r.emit(newEvent('quick')), { code: ErrorCodes.RUNNER_NOT_RUNNING });
  await stopping;
  assert.equal(finished, 1);
  assert.equal(dlq.list({ reason: 'shutdown' }).length, 6);
  assertBalanced(r);
});
