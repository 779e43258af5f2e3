/**
 * Regression tests for configuration defects (the hardening issue).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newEvent, silentLogger, type State } from '../../src/index.js';
import { createRunnerFromConfig, ConfigError, parseConfig } from '../../src/config/index.js';
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

test('defect: a 20,000-deep table overflowed the stack with an untyped error; it is a ConfigError (exit 2) naming the depth', async () => {
  const { parseConfig, validateConfigObject, ConfigError } = await import('../../src/config/index.js');
  const deep = `[${Array.from({ length: 20_000 }, () => 'a').join('.')}]\nx = 1\n`;
  assert.throws(() => parseConfig(deep, { env: {} }), (e: unknown) => e instanceof ConfigError && e.code === 'AF_ERR_CONFIG_INVALID' && /deeper than 64 levels/.test(e.message));
  let obj: Record<string, unknown> = {};
  const root = obj;
  for (let i = 0; i < 20_000; i++) obj = (obj.a = {}) as Record<string, unknown>;
  assert.throws(() => validateConfigObject(root, { env: {} }), (e: unknown) => e instanceof ConfigError && /deeper than 64 levels/.test(e.message));
});

test('defect: error messages grew with every problem and every echoed value; they list at most 100 issues, each bounded', async () => {
  const { parseConfig, ConfigError } = await import('../../src/config/index.js');
  const wide = Array.from({ length: 5000 }, (_, i) => `[agents.a${i}]\nsystem_prompt = "x"\nbogus_key_${i} = 1`).join('\n');
  let err: InstanceType<typeof ConfigError> | undefined;
  try {
    parseConfig(wide, { env: {} });
  } catch (e) {
    err = e as InstanceType<typeof ConfigError>;
  }
  assert.ok(err instanceof ConfigError);
  assert.equal(err.issues.length, 5000, 'every issue is still in .issues');
  assert.ok(err.message.length < 40_000, `message is ${err.message.length} characters`);
  assert.match(err.message, /… and 4900 more$/);
  const huge = parseConfigError(() => parseConfig(`[llm]\ntemperature = "${'h'.repeat(250_000)}"\n`, { env: {} }));
  assert.ok(huge.length < 5000, `one huge echoed value gives a ${huge.length}-character message`);
});

function parseConfigError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return '';
}

test('defect: in route mode a second LLM agent never ran, silently; `next` hands an LLM agent\'s output on, and validate warns about agents nothing reaches', async () => {
  const { parseConfig, unreachableAgents } = await import('../../src/config/index.js');
  const modelPath = new URL('../../../shared/models/stories260K.gguf', import.meta.url).pathname;
  const llm = `[llm]\nprovider = "llama-cpp"\nmodel_path = "${modelPath}"\nmodel = "stories260K"\ntemperature = 0\nseed = 1\nmax_tokens = 8\n`;
  const unreachable = parseConfig(`${llm}[agents.first]\nsystem_prompt = "a"\n[agents.second]\nsystem_prompt = "b"\n`, { env: {} });
  assert.deepEqual(unreachableAgents(unreachable.config, []), ['second']);
  assert.deepEqual(unreachableAgents(unreachable.config, ['first']), [], 'a code agent may route anywhere');
  const chained = parseConfig(`${llm}[agents.first]\nsystem_prompt = "a"\nnext = "second"\n[agents.second]\nsystem_prompt = "b"\n`, { env: {} });
  assert.deepEqual(unreachableAgents(chained.config, []), []);
  assert.throws(() => parseConfig(`${llm}[agents.first]\nsystem_prompt = "a"\nnext = "secnd"\n[agents.second]\nsystem_prompt = "b"\n`, { env: {} }), /agents\.first\.next: names agent "secnd".*did you mean "second"/);

  // The real model: both LLM agents run, one after the other.
  const runner = await createRunnerFromConfig(chained.config, { logger: silentLogger() });
  await runner.start();
  try {
    await runner.run(newEvent('first', { input: 'Once' }, { session_id: 'next-1' }));
    await runner.drain();
    const ran = runner.dumpTrace('next-1').filter((e) => e.type === 'event_end').map((e) => [e.agentId, e.status]);
    assert.deepEqual(ran, [['first', 'completed'], ['second', 'completed']]);
  } finally {
    await runner.stop();
    for (const p of runner.flow.providers) await p.close?.();
  }
});

test('secrets: a value interpolated from ${ENV} is never echoed by validation errors; a literal URL is shown without its credentials', () => {
  const env = { URL: 'ftp://user:hunter2@x', TEMP: 'hot-sk-abcdefghijkl', MODE: 'sekret-mode' };
  let err: unknown;
  try {
    parseConfig('[llm]\nprovider = "openai"\nbase_url = "${URL}"\ntemperature = "${TEMP}"\n[orchestration]\nmode = "${MODE}"\n[agents.a]\nsystem_prompt = "s"\n', { env });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof ConfigError);
  const text = JSON.stringify({ message: err.message, issues: err.issues });
  for (const secret of ['hunter2', 'abcdefghijkl', 'sekret']) assert.ok(!text.includes(secret), `"${secret}" leaked: ${text}`);
  assert.match(err.message, /llm\.base_url: must be an http:\/\/ or https:\/\/ URL.*got a value from the environment \(not shown\)/);
  assert.match(err.message, /orchestration\.mode: unknown orchestration mode a value from the environment \(not shown\)/);
  let literal: unknown;
  try {
    parseConfig('[llm]\nprovider = "openai"\nbase_url = "ftp://user:hunter2@x"\n', { env: {} });
  } catch (e) {
    literal = e;
  }
  assert.ok(literal instanceof ConfigError);
  assert.ok(!literal.message.includes('hunter2'), literal.message);
  assert.match(literal.message, /got string "ftp:\/\/\*\*\*@x"/);
});
