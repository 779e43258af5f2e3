import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes } from '../../src/core/errors.js';
import { ENV_OVERRIDES, applyEnvOverrides, interpolateString, loadConfigSync, parseConfig, resolveAgentLlm } from '../../src/config/index.js';
import { configError, fixture, issue } from './fixtures/helpers.js';

test('interpolateString: ${VAR}, ${VAR:-default}, nesting, escapes, malformed references', () => {
  assert.deepEqual(interpolateString('http://${HOST}:${PORT}', { HOST: 'h', PORT: '1' }), { value: 'http://h:1', missing: [] });
  assert.equal(interpolateString('${HOST:-localhost}', {}).value, 'localhost');
  assert.equal(interpolateString('${HOST:-localhost}', { HOST: '' }).value, 'localhost', ':- also covers an empty value');
  assert.equal(interpolateString('${HOST}', { HOST: '' }).value, '', 'a set but empty variable is used as is');
  assert.equal(interpolateString('${A:-${B:-x}}', { B: 'b' }).value, 'b');
  assert.equal(interpolateString('${A:-${B:-x}}', {}).value, 'x');
  assert.deepEqual(interpolateString('${A:-${NOPE}}', { A: 'a' }).missing, [], 'an unused default is not expanded');
  assert.equal(interpolateString('$${LITERAL} and ${X}', { X: 'x' }).value, '${LITERAL} and x');
  assert.equal(interpolateString('${X}', { X: '${Y}' }).value, '${Y}', 'values are not expanded again');
  assert.deepEqual(interpolateString('${A}-${B}', {}).missing, ['A', 'B']);
  assert.equal(interpolateString('${1BAD}', {}).malformed, '${1BAD}');
  assert.equal(interpolateString('${UNCLOSED', {}).malformed, '${UNCLOSED');
  assert.equal(interpolateString('no refs, $HOME stays', {}).value, 'no refs, $HOME stays');
});

test('env interpolation in the file: present, default, and a missing variable named with its key and line', () => {
  const file = fixture('env.toml');
  const ok = loadConfigSync(file, { env: { OLLAMA_HOST: 'http://127.0.0.1:11434', AUDIENCE: 'children' } });
  assert.equal(ok.config.llm.base_url, 'http://127.0.0.1:11434');
  assert.equal(ok.config.llm.model, 'gemma3:1b', 'the default');
  assert.equal(ok.config.agents.writer!.system_prompt, 'You write for children.');
  assert.deepEqual(ok.warnings, []);
  const withModel = loadConfigSync(file, { env: { OLLAMA_HOST: 'http://h:1', AGENT_MODEL: 'gemma3:4b' } });
  assert.equal(withModel.config.llm.model, 'gemma3:4b');
  assert.equal(withModel.config.agents.writer!.system_prompt, 'You write for everyone.');

  const err = configError(() => loadConfigSync(file, { env: {} }));
  assert.equal(err.code, ErrorCodes.CONFIG_INVALID);
  assert.equal(err.issues.length, 1, 'no follow-up error about the empty URL');
  const i = issue(err, 'llm.base_url');
  assert.equal(i.line, 6);
  assert.equal(i.file, file);
  assert.match(i.message, /environment variable OLLAMA_HOST is not set/);
  assert.match(err.message, /env\.toml:6 llm\.base_url: environment variable OLLAMA_HOST is not set/);
});

test('interpolation reaches array elements and reports malformed references', () => {
  const text = '[agents.a]\nsystem_prompt = "s"\n[orchestration]\nmode = "sequential"\nsequential_agents = ["${FIRST:-a}"]\n[[mcp.servers]]\nname = "m"\ncommand = "node"\nargs = ["${SCRIPT:-server.mjs}"]\n';
  const { config } = parseConfig(text, { env: {} });
  assert.deepEqual(config.orchestration.sequential_agents, ['a']);
  assert.deepEqual(config.mcp.servers[0]!.args, ['server.mjs'], '[mcp] is interpolated like the rest');
  const bad = configError(() => parseConfig('[llm]\nmodel = "${1BAD}"\n', { env: {} }));
  assert.equal(issue(bad, 'llm.model').line, 2);
  assert.match(issue(bad, 'llm.model').message, /malformed variable reference/);
});

test('AGENTFLOW_LLM_* overrides apply after parsing, replace [llm] values, and are validated like the file', () => {
  assert.deepEqual(
    ENV_OVERRIDES.map((o) => o.variable),
    ['AGENTFLOW_LLM_PROVIDER', 'AGENTFLOW_LLM_MODEL', 'AGENTFLOW_LLM_TEMPERATURE', 'AGENTFLOW_LLM_MAX_TOKENS', 'AGENTFLOW_LLM_TIMEOUT_SECONDS'],
  );
  const text = '[llm]\nprovider = "ollama"\nmodel = "a"\ntemperature = 0.5\n[agents.w]\nsystem_prompt = "s"\nllm = { model = "own" }\n';
  const env = { AGENTFLOW_LLM_PROVIDER: 'openai-compatible', AGENTFLOW_LLM_MODEL: 'b', AGENTFLOW_LLM_TEMPERATURE: '0', AGENTFLOW_LLM_MAX_TOKENS: '64', AGENTFLOW_LLM_TIMEOUT_SECONDS: '2.5' };
  const { config } = parseConfig(text, { env });
  assert.equal(config.llm.provider, 'openai-compatible');
  assert.equal(config.llm.model, 'b');
  assert.equal(config.llm.temperature, 0);
  assert.equal(config.llm.max_tokens, 64);
  assert.equal(config.llm.timeout_seconds, 2.5);
  assert.equal(resolveAgentLlm(config, 'w').model, 'own', 'an agent override still wins');
  // No [llm] table at all: the override creates it.
  assert.equal(parseConfig('', { env: { AGENTFLOW_LLM_MODEL: 'm' } }).config.llm.model, 'm');
  // Empty variables are ignored.
  assert.equal(parseConfig(text, { env: { AGENTFLOW_LLM_MODEL: '' } }).config.llm.model, 'a');

  const notNumber = configError(() => parseConfig(text, { file: 'f.toml', env: { AGENTFLOW_LLM_TEMPERATURE: 'warm' } }));
  const nn = issue(notNumber, 'llm.temperature');
  assert.match(nn.message, /AGENTFLOW_LLM_TEMPERATURE="warm" is not a number/);
  assert.equal(nn.line, undefined, 'not from the file');
  const outOfRange = configError(() => parseConfig(text, { file: 'f.toml', env: { AGENTFLOW_LLM_TEMPERATURE: '5', AGENTFLOW_LLM_MAX_TOKENS: '1.5' } }));
  assert.match(issue(outOfRange, 'llm.temperature').message, /must be at most 2, got 5 \(the value comes from the environment variable AGENTFLOW_LLM_TEMPERATURE\)/);
  assert.equal(issue(outOfRange, 'llm.temperature').line, undefined);
  assert.equal(issue(outOfRange, 'llm.max_tokens').expected, 'integer');
});

test('applyEnvOverrides reports which keys came from which variable', () => {
  const raw: Record<string, unknown> = { llm: { model: 'a' } };
  const r = applyEnvOverrides(raw, { AGENTFLOW_LLM_MODEL: 'b', AGENTFLOW_LLM_MAX_TOKENS: '12' });
  assert.deepEqual([...r.applied], [
    ['llm.model', 'AGENTFLOW_LLM_MODEL'],
    ['llm.max_tokens', 'AGENTFLOW_LLM_MAX_TOKENS'],
  ]);
  assert.deepEqual(raw, { llm: { model: 'b', max_tokens: 12 } });
});

test('the environment defaults to process.env', () => {
  const name = 'AF_CONFIG_TEST_HOST';
  process.env[name] = 'http://from-process-env:1';
  try {
    assert.equal(parseConfig(`[llm]\nbase_url = "\${${name}}"\n`).config.llm.base_url, 'http://from-process-env:1');
  } finally {
    delete process.env[name];
  }
  assert.equal(configError(() => parseConfig(`[llm]\nbase_url = "\${${name}}"\n`)).issues[0]!.key, 'llm.base_url');
});
