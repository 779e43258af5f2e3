/**
 * Regression tests for runner defects found by attacking agentflow (the
 * hardening issue); each is named after its defect.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BaseAgent, newEvent, type AgentContext, type EventOutcome, type State } from '../../src/index.js';
import { retryPolicy } from '../../src/reliability/index.js';
import { assertBalanced, sleep, testRunner, untilAborted } from '../runner/helpers.js';

class Hangs extends BaseAgent {
  constructor(private readonly where: 'shutdown' | 'initialize') {
    super({ name: 'hangs' });
  }
  override initialize(): Promise<void> | void {
    if (this.where === 'initialize') return new Promise<void>(() => undefined);
  }
  override shutdown(): Promise<void> | void {
    if (this.where === 'shutdown') return new Promise<void>(() => undefined);
  }
  run(_ctx: AgentContext, s: State): State {
    return s;
  }
}

test('defect: an agent shutdown() that never resolves hung stop({ timeoutMs }) forever', async () => {
  const r = testRunner();
  r.registerAgent('hangs', new Hangs('shutdown'));
  await r.start();
  const t0 = Date.now();
  await assert.rejects(r.stop({ timeoutMs: 50 }), (e: { code?: string }) => e.code === 'AF_ERR_AGENT_LIFECYCLE');
  assert.ok(Date.now() - t0 < 2000, 'stop() overran its timeout');
  assert.equal(r.getStatus(), 'stopped');
});

test('defect: stop() during start() was ignored and the runner then ran', async () => {
  const r = testRunner({ stopTimeoutMs: 100 });
  r.registerAgent('slow', {
    name: 'slow',
    role: 'slow',
    description: '',
    capabilities: [],
    systemPrompt: '',
    enabled: true,
    initialize: () => sleep(30),
    run: (_c: AgentContext, s: State) => s,
    handleEvent: (_c: AgentContext, _e: unknown, s: State) => s,
  } as never);
  const starting = r.start();
  const stopping = r.stop();
  await starting;
  await stopping;
  assert.equal(r.getStatus(), 'stopped');
});

test('defect: a retry cut short by stop was recorded retries_exhausted instead of shutdown', async () => {
  const r = testRunner({ retry: retryPolicy({ maxRetries: 5, baseDelayMs: 10_000, jitter: false }) });
  r.registerAgent('flaky', () => {
    throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
  });
  const outcomes: EventOutcome[] = [];
  r.onOutcome((o) => outcomes.push(o));
  await r.start();
  r.emit(newEvent('flaky'));
  await sleep(20);
  assert.equal(r.stats().retryPending, 1);
  await r.stop({ timeoutMs: 20 });
  assert.equal(outcomes.length, 1);
  assert.equal(outcomes[0]!.reason, 'shutdown');
  assertBalanced(r);
});

test('defect: two run() calls for the same event left the first promise unsettled', async () => {
  const r = testRunner();
  r.registerAgent('a', async (c, e, s) => (await sleep(5), s));
  await r.start();
  const ev = newEvent('a', { n: 1 });
  const first = r.run(ev);
  const second = r.run(ev);
  const settled = await Promise.race([Promise.allSettled([first, second]).then(() => 'both'), sleep(2000).then(() => 'hung')]);
  assert.equal(settled, 'both');
  await r.drain();
  await r.stop();
});

test('defect: a deadline in year 9999 made the shared expiry clock fire every millisecond', async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.name);
  process.on('warning', onWarning);
  const r = testRunner();
  let aborted = false;
  r.registerAgent('a', async (ctx, e, s) => {
    ctx.signal.addEventListener('abort', () => (aborted = true));
    await sleep(40);
    return s;
  });
  await r.start();
  await r.run(newEvent('a', {}, { deadline: '9999-12-31T23:59:59Z', timeout: '999999999h' }));
  await r.stop();
  process.off('warning', onWarning);
  assert.equal(aborted, false, 'a far deadline aborted the handler early');
  assert.deepEqual(warnings.filter((w) => w === 'TimeoutOverflowWarning'), []);
});

test('defect: a 3e9 ms retry delay gave 4 attempts in 9 ms (Node clamps long timers to 1 ms)', async () => {
  let attempts = 0;
  const r = testRunner({ retry: retryPolicy({ maxRetries: 3, baseDelayMs: 3e9, maxDelayMs: 3e9, jitter: false }) });
  r.registerAgent('a', () => {
    attempts++;
    throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
  });
  await r.start();
  r.emit(newEvent('a'));
  await sleep(50);
  assert.equal(attempts, 1);
  await r.stop({ timeoutMs: 10 });
  assertBalanced(r);
});

test('defect: metadata timeout "0s" switched off the runner’s timeout for that event', async () => {
  const r = testRunner({ timeoutMs: 30 });
  r.registerAgent('a', (ctx) => untilAborted(ctx.signal));
  await r.start();
  await assert.rejects(r.run(newEvent('a', {}, { timeout: '0s' })), (e: { reason?: string }) => e.reason === 'timeout');
  await r.stop();
});

test('defect: agentConcurrencyLimit waiters ignored the abort and ran after their event had timed out', async () => {
  const { agentConcurrencyLimit } = await import('../../src/reliability/limits.js');
  let runs = 0;
  const r = testRunner({ concurrency: 10, timeoutMs: 40, middleware: [agentConcurrencyLimit({ slow: 1 })] });
  r.registerAgent('slow', async (ctx, e, s) => {
    runs++;
    await sleep(60);
    return s;
  });
  await r.start();
  const all = Array.from({ length: 6 }, () => r.run(newEvent('slow')).catch((err: { reason?: string }) => err.reason));
  const reasons = await Promise.all(all);
  await sleep(150);
  await r.stop();
  assert.ok(reasons.every((x) => x === 'timeout'), JSON.stringify(reasons));
  assert.equal(runs, 1, `${runs} handler runs happened for events that had already timed out`);
});

test('defect: throwing getters and Proxy traps in event data escaped as untyped errors', () => {
  const getter = Object.defineProperty({}, 'x', { enumerable: true, get: () => { throw new Error('boom'); } });
  assert.throws(() => newEvent('a', getter as never), (e: { code?: string }) => e.code === 'AF_ERR_INVALID_EVENT_DATA');
  const proxy = new Proxy({}, { ownKeys: () => { throw new Error('trap'); } });
  assert.throws(() => newEvent('a', proxy as never), (e: { code?: string }) => e.code === 'AF_ERR_INVALID_EVENT_DATA');
});

test('defect: the trace logger kept references to a logged entry’s error and detail objects', async () => {
  const { InMemoryTraceLogger } = await import('../../src/index.js');
  const t = new InMemoryTraceLogger();
  const error = { code: 'AF_ERR_TIMEOUT', message: 'original' };
  const detail: Record<string, string | number | boolean | null> = { delayMs: 5 };
  t.log({ timestamp: 1, type: 'retry', eventId: 'e', sessionId: 's', agentId: 'a', error, detail });
  error.message = 'changed';
  detail.delayMs = 999;
  const [entry] = t.getTrace('s');
  assert.equal(entry!.error!.message, 'original');
  assert.equal(entry!.detail!.delayMs, 5);
});

test('defect: circuit breakers counted a timeout as a success and hung probes held their slots forever', async () => {
  const { circuitBreakerMiddleware } = await import('../../src/reliability/index.js');
  const { middleware, breakers } = circuitBreakerMiddleware({ failureThreshold: 2, resetTimeoutMs: 30, halfOpenMaxCalls: 1, successThreshold: 1 });
  let hang = true;
  const r = testRunner({ timeoutMs: 20, middleware: [middleware] });
  // Ignores its signal entirely while the dependency hangs.
  r.registerAgent('dep', (c, e, s) => (hang ? new Promise<State>(() => undefined) : s));
  await r.start();
  for (let i = 0; i < 2; i++) await r.run(newEvent('dep')).catch(() => undefined);
  assert.equal(breakers.get('dep')!.state, 'open', 'two timeouts did not open the breaker');
  await sleep(40);
  await r.run(newEvent('dep')).catch(() => undefined); // half-open probe times out
  assert.equal(breakers.get('dep')!.state, 'open');
  hang = false;
  await sleep(40);
  await r.run(newEvent('dep'));
  assert.equal(breakers.get('dep')!.state, 'closed', 'after recovery the breaker stayed open (a hung probe held its slot)');
  await r.stop();
});

test('defect: circuitBreakerProvider counted the runner’s timeout abort as a success', async () => {
  const { circuitBreakerProvider } = await import('../../src/providers/index.js');
  const { TimeoutError } = await import('../../src/index.js');
  const never = {
    name: 'never',
    model: 'm',
    chat: (_req: unknown, opts: { signal?: AbortSignal } = {}) => new Promise<never>((_, reject) => opts.signal?.addEventListener('abort', () => reject(opts.signal!.reason))),
    // eslint-disable-next-line require-yield
    async *stream() {
      throw new Error('unused');
    },
  };
  const p = circuitBreakerProvider(never as never, { failureThreshold: 2 });
  for (let i = 0; i < 2; i++) {
    const ac = new AbortController();
    const call = p.chat({ messages: [] } as never, { signal: ac.signal });
    ac.abort(new TimeoutError('llm', 'e', 10));
    await call.catch(() => undefined);
  }
  assert.equal(p.breaker.state, 'open');
  const q = circuitBreakerProvider(never as never, { failureThreshold: 1 });
  const ac = new AbortController();
  const call = q.chat({ messages: [] } as never, { signal: ac.signal });
  ac.abort(new Error('stop'));
  await call.catch(() => undefined);
  assert.equal(q.breaker.state, 'closed', 'an abort for a stop must not count');
});

test('defect: the trace ring and the in-memory dead-letter queue were bounded by count only (600 events with 1 MB session ids held 600 MB); both are bounded by bytes too', async () => {
  const { InMemoryTraceLogger } = await import('../../src/index.js');
  const { DeadLetterQueue } = await import('../../src/reliability/index.js');
  const trace = new InMemoryTraceLogger({ maxEntries: 10_000, maxBytes: 4 * 1024 * 1024 });
  const big = (i: number) => `${i}-${'s'.repeat(1024 * 1024)}`;
  for (let i = 0; i < 600; i++) trace.log({ timestamp: i, type: 'event_end', eventId: `e${i}`, sessionId: big(i), agentId: 'a', status: 'completed' });
  const size = trace.size();
  assert.ok(size.bytes <= 4 * 1024 * 1024, `ring holds ${size.bytes} bytes`);
  assert.ok(size.entries >= 2 && size.entries <= 4, `ring holds ${size.entries} entries`);
  assert.equal(size.dropped, 600 - size.entries);
  assert.equal(trace.getTrace(big(599)).length, 1, 'the newest entry is kept');
  assert.equal(trace.getTrace(big(0)).length, 0);
  // Small entries are unaffected: the count bound applies as before.
  const small = new InMemoryTraceLogger({ maxEntries: 100 });
  for (let i = 0; i < 250; i++) small.log({ timestamp: i, type: 'event_end', eventId: `e${i}`, sessionId: 's', agentId: 'a' });
  assert.deepEqual(small.getTrace('s').map((e) => e.eventId).slice(0, 2), ['e150', 'e151']);

  const dlq = new DeadLetterQueue({ maxEntries: 10_000, maxBytes: 3 * 1024 * 1024 });
  for (let i = 0; i < 20; i++) {
    const ev = newEvent('x', { blob: 'b'.repeat(1024 * 1024) });
    dlq.add({ id: ev.getId(), event: ev.toJSON(), reason: 'agent_error', error: { code: 'AF_ERR_AGENT_FAILED', message: 'm' }, attempts: 1, agentId: 'x', sessionId: 's', at: i });
  }
  assert.ok(dlq.bytes() <= 3 * 1024 * 1024, `dlq holds ${dlq.bytes()} bytes`);
  assert.equal(dlq.size() + dlq.evicted(), 20);
  assert.ok(dlq.size() >= 2);
});
