/**
 * Review finding: the task dispatched right after a settle took its start
 * time from the finished agent's end time, which an agent returning an
 * `AgentResult` sets itself. A made-up end time moved the next task's start
 * and so its timeout: it timed out at once, or (NaN) never. Only the
 * runner's own clock reading is reused now.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BaseAgent, createRunner, newEvent, silentLogger, type Runner, type State } from '../../src/index.js';
import { sleep } from '../runner/helpers.js';

/** Runs `a` (which reports `endTime`), then `b`, with no outcome listener (the lean path); returns the counters. */
async function next(endTime: number, timeoutMs: number, takesMs: number): Promise<{ completed: number; failed: number }> {
  const r = createRunner({ logger: silentLogger(), concurrency: 1, timeoutMs });
  r.registerAgent('a', async (_c, _e, s) => (await sleep(5), { outputState: s, endTime }));
  r.registerAgent('b', async (_c, _e, s) => (await sleep(takesMs), s));
  return aThenB(r);
}

/** Starts `r`, emits an event to `a` then one to `b`, waits for both; returns the counters. */
async function aThenB(r: Runner): Promise<{ completed: number; failed: number }> {
  await r.start();
  r.emit(newEvent('a', {}, { session_id: 'x' }));
  r.emit(newEvent('b', {}, { session_id: 'y' }));
  await r.drain();
  const { completed, failed } = r.stats();
  await r.stop();
  return { completed, failed };
}

test('review: an agent-supplied end time far in the past made the next task time out at once', async () => {
  assert.deepEqual(await next(1234.5, 5000, 20), { completed: 2, failed: 0 });
});

test('review: an agent-supplied NaN end time switched the next task\'s timeout off', async () => {
  assert.deepEqual(await next(Number.NaN, 100, 400), { completed: 1, failed: 1 });
});

test('with callbacks, the next task starts at a clock reading taken after the last callback, not at the agent\'s end', async () => {
  // A slow AfterEventHandling callback runs after the agent returned: starting the next task at the agent's end
  // time would put its start 60 ms in the past, and its 50 ms timeout would fire at once.
  const r = createRunner({ logger: silentLogger(), concurrency: 1, timeoutMs: 50 });
  r.registerAgent('a', async (_c, _e, s) => s);
  r.registerAgent('b', async (_c, _e, s) => (await sleep(20), s));
  r.registerCallback('AfterEventHandling', 'slow', (_ctx, args) => {
    if (args.agentId === 'a') {
      const until = Date.now() + 60;
      while (Date.now() < until);
    }
  });
  assert.deepEqual(await aThenB(r), { completed: 2, failed: 0 });
});

test('with callbacks only after the agent (or only before it), a hooked event reads the clock once more than a fast one, not twice', async () => {
  /** Clock readings per event for 200 events through a runner with callbacks at `hooks`. */
  async function readsPerEvent(hooks: string[]): Promise<number> {
    const r = createRunner({ logger: silentLogger(), concurrency: 1 });
    r.registerAgent('a', async (_c, _e, s) => s);
    for (const h of hooks) r.registerCallback(h as 'AfterEventHandling', `cb-${h}`, () => undefined);
    await r.start();
    const now = Date.now;
    let n = 0;
    Date.now = () => (n++, now());
    try {
      for (let i = 0; i < 200; i++) r.emit(newEvent('a', {}, { session_id: 's' }));
      await r.drain();
    } finally {
      Date.now = now;
    }
    await r.stop();
    return Math.round(n / 200);
  }
  const fast = await readsPerEvent([]);
  assert.equal(await readsPerEvent(['AfterEventHandling', 'AfterAgentRun']), fast + 1, 'the agent starts when the task did');
  assert.equal(await readsPerEvent(['BeforeEventHandling', 'BeforeAgentRun']), fast + 1, 'the event ends when its agent did');
  assert.equal(await readsPerEvent(['BeforeEventHandling', 'AfterEventHandling']), fast + 2, 'callbacks on both sides: both readings');
});

test('with no callback before the agent, its start is the task\'s; a slow BeforeAgentRun callback is not counted in the agent\'s duration', async () => {
  const r = createRunner({ logger: silentLogger(), concurrency: 1 });
  r.registerAgent('a', async (_c, _e, s) => s);
  const durations: number[] = [];
  r.onOutcome((o) => durations.push(o.agentResult!.duration));
  r.registerCallback('BeforeAgentRun', 'slow', () => {
    const until = Date.now() + 30;
    while (Date.now() < until);
  });
  await r.start();
  await r.run(newEvent('a', {}, { session_id: 's' }));
  await r.stop();
  assert.ok(durations[0]! < 25, `the agent's own duration, not the callback's: ${durations[0]} ms`);
});

test('review: a callback that unregisters itself still counts as having run (the event ends after it; the next task starts after it)', async () => {
  const r = createRunner({ logger: silentLogger(), concurrency: 1 });
  const outcomes: Record<string, { status: string; ms: number }> = {};
  r.onOutcome((o) => (outcomes[o.agentId] = { status: o.status, ms: o.durationMs }));
  r.registerAgent('a', async (_c, _e, s) => s);
  r.registerAgent('b', async (_c, _e, s) => (await sleep(20), s));
  r.registerCallback('AfterAgentRun', 'once', async (_ctx, args) => {
    if (args.agentId !== 'a') return;
    r.unregisterCallback('AfterAgentRun', 'once');
    await sleep(200);
  });
  await r.start();
  r.emit(newEvent('a', {}, { session_id: 'x' }));
  // If the next task started at a's agent end (~200 ms in the past), its own 150 ms timeout would cut its 20 ms agent.
  r.emit(newEvent('b', {}, { session_id: 'y', timeout: '150ms' }));
  await r.drain();
  await r.stop();
  assert.equal(outcomes.b?.status, 'completed');
  assert.ok(outcomes.a!.ms >= 190, `a's event duration includes the callback: ${outcomes.a!.ms} ms`);
  assert.ok(outcomes.b!.ms < 150, `b's duration is its own: ${outcomes.b!.ms} ms`);
});

test('review: time before the agent that a self-removing callback or a wait for readiness took is not the agent\'s', async () => {
  const r = createRunner({ logger: silentLogger(), concurrency: 1 });
  const agentMs: Record<string, number> = {};
  r.onOutcome((o) => (agentMs[o.agentId] = o.agentResult!.duration));
  r.registerAgent('a', async (_c, _e, s) => s);
  r.registerCallback('BeforeEventHandling', 'once', async () => {
    r.unregisterCallback('BeforeEventHandling', 'once');
    await sleep(150);
  });
  r.registerCallback('AfterEventHandling', 'keep-hooked', () => undefined);
  await r.start();
  await r.run(newEvent('a', {}, { session_id: 's' }));
  // A full agent registered while running waits for its `initialize` (its first event takes the hooked route).
  r.registerAgent(
    'slow-init',
    new (class extends BaseAgent {
      override initialize(): Promise<void> {
        return sleep(150);
      }
      run(_c: unknown, s: State): State {
        return s;
      }
    })({ name: 'slow-init' }),
  );
  await r.run(newEvent('slow-init', {}, { session_id: 's' }));
  await r.stop();
  assert.ok(agentMs.a! < 100, `agent a: ${agentMs.a} ms`);
  assert.ok(agentMs['slow-init']! < 100, `agent slow-init: ${agentMs['slow-init']} ms`);
});
