/**
 * Regression tests for configuration defects (the hardening issue).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newEvent, silentLogger, type State } from '../../src/index.js';
import { createRunnerFromConfig } from '../../src/config/index.js';
import { untilAborted } from '../runner/helpers.js';

test('defect: [agents.NAME.retry_policy] switched on default retries for every agent', async () => {
  let greeterCalls = 0;
  let formatterCalls = 0;
  const reset = () => Object.assign(new Error('reset'), { code: 'ECONNRESET' });
  const runner = await createRunnerFromConfig(
    {
      agent_flow: { name: 'retry-scope' },
      agents: {
        greeter: { role: 'greeter' },
        formatter: { role: 'formatter', retry_policy: { max_retries: 2, base_delay_ms: 1, jitter: false } },
      },
    },
    {
      logger: silentLogger(),
      env: {},
      agents: {
        greeter: () => {
          greeterCalls++;
          throw reset();
        },
        formatter: () => {
          formatterCalls++;
          throw reset();
        },
      },
    },
  );
  await runner.start();
  await assert.rejects(runner.run(newEvent('greeter')));
  await assert.rejects(runner.run(newEvent('formatter')));
  await runner.stop();
  assert.equal(greeterCalls, 1, 'a policy on formatter made greeter retry');
  assert.equal(formatterCalls, 3);
});

test('defect: timeout_seconds of a code agent declared in agentflow.toml was ignored', async () => {
  const runner = await createRunnerFromConfig(
    { agent_flow: { name: 'code-timeout' }, runtime: { timeout_seconds: 60 }, agents: { slow: { role: 'slow', timeout_seconds: 0.05 } } },
    { logger: silentLogger(), env: {}, agents: { slow: (ctx) => untilAborted(ctx.signal) as Promise<State> } },
  );
  await runner.start();
  const t0 = Date.now();
  await assert.rejects(runner.run(newEvent('slow')), (e: { reason?: string }) => e.reason === 'timeout');
  assert.ok(Date.now() - t0 < 5000);
  await runner.stop();
});
