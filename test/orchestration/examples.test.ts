import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../src/index.js';
import { runBroadcast } from '../../examples/broadcast/main.js';
import { runWorkflow } from '../../examples/workflow-chaining/main.js';
import { runSessions } from '../../examples/session-manager/main.js';
import { runPriorities } from '../../examples/priority-deadline/main.js';

test('broadcast example: each target gets its own event with broadcast_id', async () => {
  const r = await runBroadcast(silentLogger());
  assert.equal(r.received.length, 3);
  assert.deepEqual(r.received.map((x) => x.agent).sort(), ['data_analyzer', 'data_processor', 'report_generator']);
  assert.ok(r.received.every((x) => x.broadcastId === r.broadcastId && x.announcement === 'New data available for processing'));
  assert.equal(r.events, 4);
});

test('workflow chaining example: four steps by route, with workflow_step and the causal chain', async () => {
  const { result, trace } = await runWorkflow(silentLogger());
  assert.equal(result.events, 4);
  assert.equal(result.state.get('publish'), 'done at step 4');
  assert.equal(result.state.getMeta('workflow_step'), '4');
  assert.deepEqual(trace.map((e) => e.agentId), ['intake', 'enrich', 'score', 'publish']);
  for (let i = 1; i < trace.length; i++) assert.equal(trace[i]!.parentEventId, trace[i - 1]!.eventId);
});

test('session manager example: per-user context, each session in order', async () => {
  const r = await runSessions(silentLogger());
  assert.deepEqual(r.alice.context.turns, ['hi', 'tell me more', 'thanks']);
  assert.deepEqual(r.bob.context.turns, ['HI', 'TELL ME MORE', 'THANKS']);
  assert.equal(r.aliceTrace.length, 3);
});

test('priority/deadline example: critical before high before normal; a passed deadline is not run', async () => {
  const r = await runPriorities(silentLogger());
  assert.deepEqual(r.order, ['system_failure_analysis', 'urgent_analysis', 'routine_analysis']);
  assert.equal(r.lateStatus, 'failed');
  assert.equal(r.lateReason, 'deadline_exceeded');
});
