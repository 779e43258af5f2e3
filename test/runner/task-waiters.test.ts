/**
 * Abort waits on a task: every wait armed while the event runs is removed
 * when it ends (a finished wait left on its task kept its agent call, states
 * and continuations reachable: a 10-way fan-out event's garbage then survived
 * scavenges, ~47% survival instead of ~7%, 3-4x slower), and an abort breaks
 * exactly the waits still armed, in arming order.
 */
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import assert from 'node:assert/strict';
import { HookPoint, newEvent, TimeoutError, silentLogger, type Delivery } from '../../src/index.js';
import { MemoryStepStore } from '../../src/core/steps.js';
import { Task, type AbortWaiter, type TaskHost } from '../../src/runner/task.js';
import { collaborative } from '../../src/orchestration/index.js';
import { testRunner } from './helpers.js';

function task(): Task {
  const host: TaskHost = { logger: silentLogger(), checkEvent: () => undefined, publishLate: () => undefined, deterministicChildIds: false, steps: new MemoryStepStore(), report: () => undefined };
  const ev = newEvent('a');
  const d: Delivery = { event: ev, receipt: ev.getId(), deliveryCount: 1 };
  return new Task(host, d);
}

test('removed waits and functions are not called on abort, whichever position they held; the rest are, in arming order', () => {
  const t = task();
  const calls: string[] = [];
  const w = (name: string): AbortWaiter => ({ abortWith: () => void calls.push(name) });
  const [w1, w2, w3, w4] = [w('w1'), w('w2'), w('w3'), w('w4')];
  const f1 = (): void => void calls.push('f1');
  const f2 = (): void => void calls.push('f2');
  const f3 = (): void => void calls.push('f3');
  for (const x of [w1, w2, w3, w4]) t.addWaiter(x);
  for (const f of [f1, f2, f3]) t.onAbort(f);
  t.removeWaiter(w1); // the slot
  t.removeWaiter(w3); // the middle of the list
  t.offAbort(f1); // not the last one armed
  t.offAbort(f2);
  t.abort(new TimeoutError('a', t.eventId, 10));
  assert.deepEqual(calls, ['w2', 'w4', 'f3']);
  calls.length = 0;
  t.abort(new TimeoutError('a', t.eventId, 10));
  assert.deepEqual(calls, [], 'an abort breaks each wait once');
});

for (const late of [false, true]) {
  test(`after a 10-way fan-out${late ? ' where three calls outlive the timeout' : ''}, the task keeps none of its agent calls alive`, async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const r = testRunner({ orchestrator: collaborative(), timeoutMs: late ? 50 : 30_000 });
    let task: Task | undefined;
    const inputs: WeakRef<object>[] = [];
    for (let i = 0; i < 10; i++) {
      r.registerAgent(`a${i}`, async (ctx, _e, s) => {
        if (i === 0) task = (ctx as unknown as { task: Task }).task;
        inputs.push(new WeakRef(s));
        if (late && i >= 7) await new Promise((res) => setTimeout(res, 100));
        return s.clone().set(`out${i}`, i);
      });
    }
    await r.start();
    await r.run(newEvent('a0')).catch(() => undefined);
    await r.stop();
    if (late) await new Promise((res) => setTimeout(res, 150)); // the late handlers settle
    assert.ok(task instanceof Task, 'the task is held here (as anything could hold it)');
    assert.equal(inputs.length, 10);
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((res) => setImmediate(res));
    }
    const alive = inputs.filter((w) => w.deref() !== undefined).length;
    assert.equal(alive, 0, `${alive} of the agents' input states are still reachable from the finished task`);
  });
}

test('a callback promise that rejects disarms its wait (route mode with callbacks)', async () => {
  const r = testRunner({ timeoutMs: 30_000 });
  let task: Task | undefined;
  r.registerAgent('a', (_c, _e, s) => s);
  r.registerCallback(HookPoint.BeforeAgentRun, 'refuse', async (ctx) => {
    task = ctx as unknown as Task;
    await new Promise((res) => setTimeout(res, 5));
    throw new Error('no');
  });
  await r.start();
  await r.run(newEvent('a')).catch(() => undefined);
  await r.stop();
  assert.ok(task instanceof Task);
  const left = (task as unknown as { rejects: unknown[] | undefined }).rejects;
  assert.ok(left === undefined || left.length === 0, `waits left armed: ${left?.length}`);
});
