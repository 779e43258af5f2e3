import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes } from '../../src/core/errors.js';
import { LLM_FALLBACKS, agentWithDefaults, parseConfig, resolveAgentConfig, resolveAgentLlm } from '../../src/config/index.js';
import { configError } from './fixtures/helpers.js';

const TEXT = `
[agent_flow]
provider = "ollama"

[llm]
model = "base-model"
base_url = "http://ollama:11434"
temperature = 0.3
top_p = 0.8

[agents.plain]
system_prompt = "p"

[agents.tuned]
role = "tuner"
description = "tunes"
system_prompt = "t"
capabilities = ["x"]
metadata = { k = "v" }
timeout_seconds = 9
llm = { model = "tuned-model", temperature = 0, max_tokens = 50 }

[agents.remote]
system_prompt = "r"
llm = { provider = "openai", api_key_env = "OPENAI_API_KEY" }

[providers.openai]
base_url = "https://api.example.com"
model = "gpt-4o-mini"
`;

test('resolveAgentLlm merges [llm] with [agents.NAME.llm]; the agent wins, defaults fill the rest', () => {
  const { config } = parseConfig(TEXT, { env: { OPENAI_API_KEY: 'k' } });
  assert.deepEqual(resolveAgentLlm(config, 'plain'), {
    provider: 'ollama',
    model: 'base-model',
    base_url: 'http://ollama:11434',
    temperature: 0.3,
    top_p: 0.8,
    max_tokens: 800,
    timeout_seconds: 30,
  });
  const tuned = resolveAgentLlm(config, 'tuned');
  assert.equal(tuned.model, 'tuned-model');
  assert.equal(tuned.temperature, 0);
  assert.equal(tuned.max_tokens, 50);
  assert.equal(tuned.top_p, 0.8, 'sampling settings carry over');
  assert.equal(tuned.base_url, 'http://ollama:11434');
});

test('an agent that switches provider takes its endpoint from [providers.NAME], not from [llm]', () => {
  const { config } = parseConfig(TEXT, { env: { OPENAI_API_KEY: 'k' } });
  const remote = resolveAgentLlm(config, 'remote');
  assert.equal(remote.provider, 'openai');
  assert.equal(remote.model, 'gpt-4o-mini');
  assert.equal(remote.base_url, 'https://api.example.com');
  assert.equal(remote.api_key_env, 'OPENAI_API_KEY');
  assert.equal(remote.temperature, 0.3, 'sampling settings still carry over');
});

test('provider fallbacks: [agent_flow] provider, then ollama; undeclared agents get [llm]', () => {
  const viaFlow = parseConfig('[agent_flow]\nprovider = "openai-compatible"\n[llm]\nbase_url = "http://x:1"\n', { env: {} }).config;
  assert.equal(resolveAgentLlm(viaFlow, 'anyone').provider, 'openai-compatible');
  const bare = parseConfig('', { env: {} }).config;
  const r = resolveAgentLlm(bare, 'code_only');
  assert.equal(r.provider, LLM_FALLBACKS.provider);
  assert.equal(r.model, LLM_FALLBACKS.model);
  const llama = parseConfig('[llm]\nprovider = "llama-cpp"\nmodel_path = "m.gguf"\n', { env: {} }).config;
  assert.equal(resolveAgentLlm(llama, 'x').model, 'local');
  // Works on a hand-written config too.
  assert.equal(resolveAgentLlm({ llm: { temperature: 0 } }, 'x').temperature, 0);
});

test('resolveAgentConfig fills the agent defaults and resolves its LLM; an undeclared agent is a ConfigError', () => {
  const { config } = parseConfig(TEXT, { env: { OPENAI_API_KEY: 'k' } });
  const plain = resolveAgentConfig(config, 'plain');
  assert.deepEqual(
    { ...plain, llm: undefined },
    { name: 'plain', role: 'plain', description: '', system_prompt: 'p', capabilities: [], enabled: true, timeout_seconds: undefined, metadata: {}, llm: undefined, retry_policy: undefined, rate_limit: undefined, max_concurrency: undefined },
  );
  const tuned = resolveAgentConfig(config, 'tuned');
  assert.equal(tuned.role, 'tuner');
  assert.deepEqual(tuned.metadata, { k: 'v' });
  assert.equal(tuned.timeout_seconds, 9);
  assert.equal(tuned.llm.model, 'tuned-model');
  const err = configError(() => resolveAgentConfig(config, 'ghost'));
  assert.equal(err.code, ErrorCodes.CONFIG_INVALID);
  assert.equal(err.issues[0]!.key, 'agents.ghost');
  assert.match(err.issues[0]!.message, /declared: plain, tuned, remote/);
  // Inherited object keys are not agents.
  assert.throws(() => resolveAgentConfig(config, 'toString'));
});

test('agentWithDefaults: enabled true unless set false, capabilities []', () => {
  assert.equal(agentWithDefaults({ role: 'x' }).enabled, true);
  assert.equal(agentWithDefaults({ enabled: false }).enabled, false);
  assert.deepEqual(agentWithDefaults({}).capabilities, []);
});
