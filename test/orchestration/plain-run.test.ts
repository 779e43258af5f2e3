/**
 * An orchestrator's agent call made while no callback is registered skips
 * runAgent's async steps (PlainRun); callbacks registered while that agent
 * runs must still fire for it, as they did through runAgent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HookPoint, createRunner, newEvent, silentLogger } from '../../src/index.js';
import { collaborative } from '../../src/orchestration/index.js';
import { sleep } from '../runner/helpers.js';

test('callbacks registered while an orchestrated agent runs fire for it (AgentError, AfterAgentRun)', async () => {
  const r = createRunner({ logger: silentLogger(), orchestrator: collaborative({ agents: ['a', 'b'] }) });
  r.registerAgent('a', async (_c, _e, s) => (await sleep(30), s.clone().set('a', 1)));
  r.registerAgent('b', async () => {
    await sleep(30);
    throw new Error('b broke');
  });
  const seen: string[] = [];
  await r.start();
  const done = r.run(newEvent('a', {}, { session_id: 's' }));
  await sleep(5); // both agents are running, with no callback registered when they started
  for (const hook of [HookPoint.AgentError, HookPoint.AfterAgentRun]) r.registerCallback(hook, `late-${hook}`, (_c, args) => void seen.push(`${hook}:${args.agentId}`));
  const result = await done;
  await r.stop();
  assert.deepEqual(seen.sort(), ['AfterAgentRun:a', 'AfterAgentRun:b', 'AgentError:b']);
  assert.equal(result.state.get('a'), 1);
});
