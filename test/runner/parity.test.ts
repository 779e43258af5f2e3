/**
 * The fast path (no callbacks), the route path with callbacks (a
 * pass-through callback on every hook point) and the orchestrated path (a
 * custom route orchestrator, with and without callbacks) share one
 * invocation function; these scenarios
 * check that they also give the same outcomes, traces and stats (traces of
 * the orchestrated path record agents at standard detail, so only outcomes
 * and stats are compared there).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HookPoint, newEvent, type EventOutcome, type Orchestrator, type Runner, type RunnerConfig, type TraceEntry } from '../../src/index.js';
import { retryPolicy } from '../../src/reliability/index.js';
import { assertBalanced, sleep, testRunner, untilAborted } from './helpers.js';

interface Scenario {
  name: string;
  config?: Partial<RunnerConfig>;
  setup(r: Runner): void;
  /** Emits and waits; returns the session to compare. */
  drive(r: Runner): Promise<void>;
}

const SESSION = 'parity';
const emitOne = (target: string, meta: Record<string, string> = {}) => async (r: Runner) => {
  await r.run(newEvent(target, { n: 1 }, { session_id: SESSION, ...meta })).catch(() => undefined);
};

const scenarios: Scenario[] = [
  { name: 'success', setup: (r) => r.registerAgent('a', (c, e, s) => s.clone().set('ok', true)), drive: emitOne('a') },
  {
    name: 'throw',
    setup: (r) =>
      r.registerAgent('a', () => {
        throw new Error('boom');
      }),
    drive: emitOne('a'),
  },
  { name: 'timeout', config: { timeoutMs: 30 }, setup: (r) => r.registerAgent('a', (ctx) => untilAborted(ctx.signal)), drive: emitOne('a') },
  {
    name: 'abort on stop',
    setup: (r) => r.registerAgent('a', (ctx) => untilAborted(ctx.signal)),
    drive: async (r) => {
      r.emit(newEvent('a', {}, { session_id: SESSION }));
      await sleep(10);
      await r.stop({ timeoutMs: 20 });
    },
  },
  { name: 'bad result', setup: (r) => r.registerAgent('a', (() => 42) as never), drive: emitOne('a') },
  {
    name: 'route',
    setup: (r) => {
      r.registerAgent('a', (c, e, s) => s.clone().set('step', 1).setMeta('route', 'b'));
      r.registerAgent('b', (c, e, s) => s.clone().set('step', 2));
    },
    drive: emitOne('a'),
  },
  {
    name: 'broadcast',
    setup: (r) => {
      r.registerAgent('b', (c, e, s) => s.clone().set('who', 'b'));
      r.registerAgent('c', (c, e, s) => s.clone().set('who', 'c'));
    },
    drive: emitOne('b', { broadcast: 'true', broadcast_targets: 'b,c' }),
  },
  {
    name: 'retry',
    config: { retry: retryPolicy({ maxRetries: 2, baseDelayMs: 5, jitter: false }) },
    setup: (r) =>
      r.registerAgent('a', (ctx, e, s) => {
        if (ctx.attempt < 2) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
        return s.clone().set('attempt', ctx.attempt);
      }),
    drive: emitOne('a'),
  },
];

const outcomeView = (o: EventOutcome) => ({
  agentId: o.agentId,
  status: o.status,
  reason: o.reason,
  code: o.error?.code,
  attempts: o.attempts,
  emitted: o.emitted.length,
  state: o.state.toObject(),
});
const traceView = (e: TraceEntry) => ({ type: e.type, agentId: e.agentId, status: e.status, reason: e.reason, code: e.error?.code, attempt: e.attempt, hopCount: e.hopCount });
const byJson = (a: unknown, b: unknown) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);

/** A route orchestrator that is not the built-in one: the runner uses the orchestrated (async) pipeline for it. */
const customRoute: Orchestrator = {
  mode: 'custom-route',
  async dispatch(ctx, target, state) {
    const run = await ctx.runAgent(target, state);
    return { agentId: run.agentId, state: run.state, agentResult: run.result, error: run.error, reason: run.reason };
  },
};

async function runScenario(s: Scenario, hooked: boolean | 'async', orchestrated = false) {
  const r = testRunner({ traceDetail: 'full', ...s.config, ...(orchestrated ? { orchestrator: customRoute } : {}) });
  // Async callbacks take the route's general steps (each point waits for a promise); sync ones its one-method lane.
  if (hooked === 'async') for (const hook of Object.values(HookPoint)) r.registerCallback(hook, `pass-${hook}`, async (ctx, args) => args.state);
  else if (hooked) for (const hook of Object.values(HookPoint)) r.registerCallback(hook, `pass-${hook}`, (ctx, args) => args.state);
  s.setup(r);
  const outcomes: ReturnType<typeof outcomeView>[] = [];
  r.onOutcome((o) => outcomes.push(outcomeView(o)));
  await r.start();
  await s.drive(r);
  await r.drain();
  await r.stop();
  assertBalanced(r);
  const stats = { ...r.stats() };
  return { outcomes: outcomes.sort(byJson), trace: r.dumpTrace(SESSION).map(traceView).sort(byJson), stats };
}

for (const s of scenarios) {
  test(`parity: ${s.name}: the fast path and the hooked path give the same outcomes, traces and stats`, async () => {
    const fast = await runScenario(s, false);
    const hooked = await runScenario(s, true);
    assert.ok(fast.outcomes.length > 0, 'the scenario produced no outcome');
    assert.deepEqual(hooked.outcomes, fast.outcomes);
    assert.deepEqual(hooked.trace, fast.trace);
    assert.deepEqual(hooked.stats, fast.stats);
    // Async callbacks: the same outcomes. (Traces and stats differ where an abort comes first: an async AgentError or
    // AfterEventHandling callback on a timed-out event is cut short and recorded, a sync one runs; docs/pipeline.md.)
    const hookedAsync = await runScenario(s, 'async');
    assert.deepEqual(hookedAsync.outcomes, fast.outcomes, 'async callbacks');
    const orchestrated = await runScenario(s, true, true);
    assert.deepEqual(orchestrated.outcomes, fast.outcomes, 'orchestrated pipeline');
    assert.deepEqual(orchestrated.stats, fast.stats, 'orchestrated pipeline');
    // Without callbacks an orchestrator's agent calls skip runAgent's async steps (PlainRun): same again.
    const plain = await runScenario(s, false, true);
    assert.deepEqual(plain.outcomes, fast.outcomes, 'orchestrated pipeline without callbacks');
    assert.deepEqual(plain.stats, fast.stats, 'orchestrated pipeline without callbacks');
  });
}
