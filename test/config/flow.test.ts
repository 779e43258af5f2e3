import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newEvent, silentLogger, EventFailedError } from '../../src/index.js';
import { createRunnerFromConfig, ConfigError } from '../../src/config/index.js';
import { startProtocolServer, requireModel, type ProtocolServer } from '../support/protocol-server.js';

let server: ProtocolServer;
before(async () => {
  server = await startProtocolServer();
});
after(async () => {
  await server.close();
});

function writeToml(text: string): string {
  const f = join(mkdtempSync(join(tmpdir(), 'af-flow-')), 'agentflow.toml');
  writeFileSync(f, text);
  return f;
}

test('a flow of two LLM agents runs end to end against the Ollama protocol server (sequential mode)', async () => {
  const file = writeToml(`
[agent_flow]
name = "two-llm-agents"

[llm]
provider = "ollama"
model = "gemma3:1b"
base_url = "\${OLLAMA_HOST}"
temperature = 0
seed = 3
max_tokens = 20

[orchestration]
mode = "sequential"
sequential_agents = ["writer", "editor"]

[agents.writer]
role = "writer"
system_prompt = "You write a short story opening."

[agents.editor]
role = "editor"
system_prompt = "You continue the story."
`);
  const streamed: Record<string, string> = {};
  const runner = await createRunnerFromConfig(file, {
    env: { OLLAMA_HOST: server.url },
    logger: silentLogger(),
    onToken: (t, agent) => (streamed[agent] = (streamed[agent] ?? '') + t),
  });
  assert.deepEqual(runner.flow.llmAgents, ['writer', 'editor']);
  assert.equal(runner.flow.entryAgent, 'writer');
  await runner.start();
  const before = server.requests.length;
  const { state } = await runner.run(newEvent(runner.flow.entryAgent, { input: 'Once upon a time' }, { session_id: 'llm-flow' }));
  await runner.stop();
  const reqs = server.requests.slice(before);
  assert.equal(reqs.length, 2, 'one /api/chat call per agent');
  assert.ok(reqs.every((r) => r.path === '/api/chat'));
  const first = reqs[0]!.body as { messages: { role: string; content: string }[]; options: { temperature: number } };
  assert.deepEqual(first.messages[0], { role: 'system', content: 'You write a short story opening.' });
  assert.equal(first.messages[1]!.content, 'Once upon a time');
  assert.equal(first.options.temperature, 0);
  const second = reqs[1]!.body as { messages: { role: string; content: string }[] };
  const responses = state.get('responses') as Record<string, string>;
  assert.equal(second.messages[1]!.content, responses.writer, "the editor reads the writer's reply");
  assert.equal(state.get('response'), responses.editor);
  assert.equal(streamed.writer, responses.writer, 'tokens were streamed as they arrived');
  const usage = state.get('usage') as Record<string, { promptTokens: number; completionTokens: number; model: string }>;
  assert.ok(usage.writer!.completionTokens > 0 && usage.editor!.promptTokens > 0);
  assert.equal(usage.writer!.model, 'gemma3:1b');
});

test('code handlers take their declared names; the rest become LLM agents (OpenAI-compatible provider)', async () => {
  const runner = await createRunnerFromConfig(
    {
      llm: { provider: 'openai', model: 'gemma3:1b', base_url: server.url, temperature: 0, max_tokens: 8 },
      agents: { prep: { role: 'code' }, summarize: { system_prompt: 'Summarize.' } },
      orchestration: { mode: 'sequential', sequential_agents: ['prep', 'summarize'] },
    },
    { logger: silentLogger(), env: {}, agents: { prep: (ctx, ev, s) => s.clone().set('input', `Tom said: ${s.get('input')}`) } },
  );
  assert.deepEqual(runner.flow.codeAgents, ['prep']);
  await runner.start();
  const { state } = await runner.run(newEvent('prep', { input: 'hello' }));
  await runner.stop();
  assert.equal(state.get('input'), 'Tom said: hello');
  assert.equal(typeof state.get('response'), 'string');
  assert.ok((server.requests.at(-1)!.body as { messages: { content: string }[] }).messages[1]!.content.includes('Tom said: hello'));
});

test('the seed config with provider = "llama-cpp" and the test model runs fully offline', async () => {
  const file = writeToml(`
[agent_flow]
name = "message-passing-demo"

[llm]
provider = "llama-cpp"
model_path = "${requireModel()}"
temperature = 0
max_tokens = 16

[orchestration]
mode = "route"
timeout_seconds = 30

[agents.processor]
role = "data_processor"
system_prompt = "You process data efficiently."
enabled = true

[agents.analyzer]
role = "data_analyzer"
system_prompt = "You analyze processed data."
enabled = true
`);
  const runner = await createRunnerFromConfig(file, { logger: silentLogger(), env: {} });
  assert.equal(runner.flow.providers.length, 1, 'both agents share one loaded model');
  await runner.start();
  const { state } = await runner.run(newEvent('processor', { input: 'Once upon a time' }));
  await runner.stop();
  assert.match(String(state.get('response')), /\w+/);
});

test('a declared LLM agent without a system prompt is a ConfigError; disabled agents are not dispatched to', async () => {
  await assert.rejects(createRunnerFromConfig({ agents: { a: { role: 'x' } } }, { logger: silentLogger(), env: {} }), (e: ConfigError) => e.issues[0]!.key === 'agents.a.system_prompt');
  const runner = await createRunnerFromConfig({ agents: { off: { enabled: false }, on: {} } }, { logger: silentLogger(), env: {}, agents: { on: (c, e, s) => s } });
  await runner.start();
  await assert.rejects(runner.run(newEvent('off')), (e: EventFailedError) => e.reason === 'agent_disabled');
  await runner.stop();
  assert.equal(runner.flow.deadLetters!.list()[0]!.reason, 'agent_disabled', 'the dead-letter queue is on by default');
});

test('[error_routing] wires retries, circuit breakers and the error handler', async () => {
  let calls = 0;
  const handled: unknown[] = [];
  const runner = await createRunnerFromConfig(
    {
      agents: { flaky: {}, error_handler: {} },
      error_routing: { enabled: true, enable_circuit_breaker: true, error_handler_name: 'error_handler', retry: { max_retries: 2, base_delay_ms: 1, enable_jitter: false }, circuit_breaker: { failure_threshold: 10 } },
    },
    {
      logger: silentLogger(),
      env: {},
      agents: {
        flaky: () => {
          calls++;
          throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
        },
        error_handler: (c, e, s) => (handled.push(e.getData()), s),
      },
    },
  );
  await runner.start();
  await assert.rejects(runner.run(newEvent('flaky')), (e: EventFailedError) => e.reason === 'retries_exhausted');
  await runner.drain();
  await runner.stop();
  assert.equal(calls, 3);
  assert.equal(handled.length, 1);
  assert.equal((handled[0] as { retry_count: number }).retry_count, 2);
  assert.ok(runner.flow.breakers!.has('flaky'));
});
