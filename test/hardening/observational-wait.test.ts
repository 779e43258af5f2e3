/**
 * Review findings (stop 14): how long the observational hook points
 * (`AgentError`, `AfterEventHandling`) are waited for when a callback
 * returns a promise. An abort (timeout, deadline, stop) ends the wait
 * without being recorded against the callback; a callback's own rejection
 * is recorded; nothing is counted after the event settled. Route mode and
 * the orchestrated path behave the same.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HookPoint, newEvent, type EventOutcome, type Orchestrator, type Runner } from '../../src/index.js';
import { sleep, testRunner, untilAborted } from '../runner/helpers.js';

/** A route orchestrator that is not the built-in one: the runner uses the orchestrated (async) pipeline for it. */
const customRoute: Orchestrator = {
  mode: 'custom-route',
  async dispatch(ctx, target, state) {
    const run = await ctx.runAgent(target, state);
    return { agentId: run.agentId, state: run.state, agentResult: run.result, error: run.error, reason: run.reason };
  },
};

/** Starts `r`, emits one event to `a` (session `s`) and returns its outcome. */
async function outcomeOf(r: Runner): Promise<EventOutcome> {
  const outcomes: EventOutcome[] = [];
  r.onOutcome((o) => outcomes.push(o));
  await r.start();
  r.emit(newEvent('a', {}, { session_id: 's' }));
  await r.drain();
  assert.equal(outcomes.length, 1);
  return outcomes[0]!;
}

for (const orchestrated of [false, true]) {
  const mode = orchestrated ? 'orchestrated' : 'route mode';
  const runner = (timeoutMs: number) => testRunner({ timeoutMs, traceDetail: 'full', ...(orchestrated ? { orchestrator: customRoute } : {}) });

  test(`${mode}: a never-settling AfterEventHandling promise is bounded by the event's timeout and is not counted as a failed callback`, async () => {
    const r = runner(50);
    r.registerAgent('a', async (_c, _e, s) => s);
    r.registerCallback(HookPoint.AfterEventHandling, 'hang', () => new Promise(() => undefined));
    const outcomes: EventOutcome[] = [];
    r.onOutcome((o) => outcomes.push(o));
    await r.start();
    r.emit(newEvent('a', {}, { session_id: 's' }));
    await sleep(400);
    assert.equal(outcomes.length, 1, 'the event settled at its timeout');
    assert.equal(outcomes[0]!.status, 'completed', 'an observational point cannot change the outcome');
    assert.equal(r.stats().callbackErrors, 0);
    assert.equal(r.stats().inFlight, 0);
    await r.stop();
  });

  test(`${mode}: an async AgentError callback on a timed-out event is not recorded as failed; the later points still run`, async () => {
    const r = runner(40);
    r.registerAgent('a', async (ctx) => untilAborted(ctx.signal));
    const seen: string[] = [];
    r.registerCallback(HookPoint.AgentError, 'observe', async (_c, a) => (seen.push(a.hook), await sleep(5), a.state));
    r.registerCallback(HookPoint.AfterAgentRun, 'after', (_c, a) => void seen.push(a.hook));
    r.registerCallback(HookPoint.AfterEventHandling, 'end', async (_c, a) => void seen.push(a.hook));
    const out = await outcomeOf(r);
    assert.equal(out.status, 'failed');
    assert.equal(out.reason, 'timeout');
    assert.deepEqual(seen, ['AgentError', 'AfterAgentRun', 'AfterEventHandling']);
    assert.equal(r.stats().callbackErrors, 0);
    assert.equal(r.dumpTrace('s').filter((e) => e.type === 'callback_error').length, 0);
    await r.stop();
  });

  test(`${mode}: a rejecting async observational callback is still recorded (once, before the outcome)`, async () => {
    const r = runner(5000);
    r.registerAgent('a', async () => {
      throw new Error('agent failed');
    });
    r.registerCallback(HookPoint.AgentError, 'flaky', async () => {
      await sleep(5);
      throw new Error('observer down');
    });
    let errorsAtOutcome = -1;
    r.onOutcome(() => (errorsAtOutcome = r.stats().callbackErrors));
    const out = await outcomeOf(r);
    assert.equal(out.reason, 'agent_error', 'the outcome is the agent\'s');
    assert.equal(errorsAtOutcome, 1);
    const entries = r.dumpTrace('s').filter((e) => e.type === 'callback_error');
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.hook, 'AgentError');
    await r.stop();
  });

  test(`${mode}: a stop that halts an observational callback counts nothing after the event settled`, async () => {
    const r = runner(60_000);
    r.registerAgent('a', async () => {
      throw new Error('agent failed');
    });
    r.registerCallback(HookPoint.AgentError, 'late', async () => {
      await sleep(150);
      throw new Error('late');
    });
    await r.start();
    r.emit(newEvent('a', {}, { session_id: 's' }));
    await sleep(20);
    await r.stop({ timeoutMs: 30 });
    const atStop = r.stats();
    await sleep(250);
    assert.deepEqual(r.stats(), atStop, 'stats changed after stop() resolved');
    assert.equal(atStop.callbackErrors, 0);
    assert.equal(atStop.emitted, atStop.completed + atStop.failed + atStop.deadLettered);
  });
}
