/**
 * Review findings (stop 14): how the observational hook points
 * (`AgentError`, `AfterEventHandling`) wait for a callback's promise. The
 * orchestrated path waited without bound (a never-settling promise kept its
 * event in flight past `timeoutMs`, and a callback halted by `stop` was
 * counted after `stop()` resolved); route mode raced the promise with the
 * task's abort and recorded a cut-short wait. Both paths now do as route
 * mode does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HookPoint, newEvent, type EventOutcome, type Orchestrator, type Runner } from '../../src/index.js';
import { sleep, testRunner } from '../runner/helpers.js';

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

/** Agent `a` throws; an AgentError callback rejects `afterMs` later. */
function failingWithObserver(r: Runner, afterMs: number): Runner {
  r.registerAgent('a', async () => {
    throw new Error('agent failed');
  });
  r.registerCallback(HookPoint.AgentError, 'observer', async () => {
    await sleep(afterMs);
    throw new Error('observer down');
  });
  return r;
}

for (const orchestrated of [false, true]) {
  const mode = orchestrated ? 'orchestrated' : 'route mode';
  const runner = (timeoutMs: number) => testRunner({ timeoutMs, traceDetail: 'full', ...(orchestrated ? { orchestrator: customRoute } : {}) });

  test(`${mode}: a never-settling AfterEventHandling promise is cut short by the event's timeout and recorded; the outcome stands`, async () => {
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
    assert.equal(r.stats().inFlight, 0);
    assert.equal(r.stats().callbackErrors, 1);
    const entries = r.dumpTrace('s').filter((e) => e.type === 'callback_error');
    assert.deepEqual(entries.map((e) => [e.hook, e.error?.code]), [['AfterEventHandling', 'AF_ERR_TIMEOUT']]);
    await r.stop();
  });

  test(`${mode}: a rejecting async observational callback is recorded once, before the outcome`, async () => {
    const r = failingWithObserver(runner(5000), 5);
    let errorsAtOutcome = -1;
    r.onOutcome(() => (errorsAtOutcome = r.stats().callbackErrors));
    const out = await outcomeOf(r);
    assert.equal(out.reason, 'agent_error', "the outcome is the agent's");
    assert.equal(errorsAtOutcome, 1);
    const entries = r.dumpTrace('s').filter((e) => e.type === 'callback_error');
    assert.deepEqual(entries.map((e) => e.hook), ['AgentError']);
    await r.stop();
  });

  // (With no timeout and no deadline the wait is not raced at all: the failure comes after the event settled.)
  for (const timeoutMs of [60_000, 0]) test(`${mode}: a stop that halts an observational callback counts nothing after stop() resolved (timeoutMs ${timeoutMs})`, async () => {
    const r = failingWithObserver(runner(timeoutMs), 150);
    await r.start();
    r.emit(newEvent('a', {}, { session_id: 's' }));
    await sleep(20);
    await r.stop({ timeoutMs: 30 });
    const atStop = r.stats();
    await sleep(250);
    assert.deepEqual(r.stats(), atStop, 'stats changed after stop() resolved');
    assert.equal(atStop.emitted, atStop.completed + atStop.failed + atStop.deadLettered);
  });
}
