import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes } from '../../src/index.js';
import {
  loadConfig,
  loadConfigSync,
  parseConfig,
  validateConfigObject,
  validateLlmAgents,
  resolveAgentLlm,
  agentWithDefaults,
  defaultConfig,
  keyLines,
  ConfigError,
  ConfigNotFoundError,
} from '../../src/config/index.js';

const issuesOf = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
};

test('both seed files parse and validate with no warnings', async () => {
  for (const f of ['examples/config/message-passing-demo.toml', 'examples/config/message-passing-system.toml']) {
    const { config, warnings } = await loadConfig(f, { env: {} });
    assert.deepEqual(warnings, [], f);
    assert.equal(config.llm?.provider, 'ollama');
    assert.equal(config.llm?.model, 'gemma3:1b');
    assert.equal(config.orchestration?.mode, 'route');
    assert.ok(Object.keys(config.agents ?? {}).length >= 2);
  }
});

test('malformed TOML: a ConfigError with line and column', () => {
  const e = issuesOf(() => parseConfig('[llm]\nmodel = "gemma3:1b\nprovider = "ollama"\n', { file: 'bad.toml', env: {} }));
  assert.equal(e.code, ErrorCodes.CONFIG_INVALID);
  assert.equal(e.issues[0]!.line, 2);
  assert.equal(typeof e.issues[0]!.column, 'number');
  assert.match(e.message, /bad\.toml:2:\d+ \(syntax\): TOML syntax error/);
});

test('wrong types name the key, its line, what was expected and what was found', () => {
  const text = '[agent_flow]\nname = "x"\n\n[llm]\nprovider = "ollama"\ntemperature = "hot"\n\n[agents.writer]\nsystem_prompt = "w"\nenabled = "yes"\ncapabilities = "all"\n';
  const e = issuesOf(() => parseConfig(text, { file: 'types.toml', env: {} }));
  const byKey = Object.fromEntries(e.issues.map((i) => [i.key, i]));
  assert.equal(byKey['llm.temperature']!.line, 6);
  assert.equal(byKey['llm.temperature']!.expected, 'number');
  assert.match(byKey['llm.temperature']!.message, /expected number, got the string "hot"/);
  assert.equal(byKey['agents.writer.enabled']!.line, 10);
  assert.equal(byKey['agents.writer.capabilities']!.line, 11);
  assert.equal(e.issues.length, 3, 'every problem at once');
});

test('unknown orchestration mode, sequential without a list, undeclared agents: all reported together', () => {
  const e = issuesOf(() => parseConfig('[orchestration]\nmode = "paralel"\n', { env: {} }));
  assert.equal(e.issues[0]!.key, 'orchestration.mode');
  assert.equal(e.issues[0]!.line, 2);
  assert.match(e.issues[0]!.message, /unknown orchestration mode "paralel": expected one of route, collaborative/);
  const seq = issuesOf(() => parseConfig('[orchestration]\nmode = "sequential"\n', { env: {} }));
  assert.match(seq.issues[0]!.message, /sequential mode requires sequential_agents/);
  const multi = issuesOf(() =>
    parseConfig('[orchestration]\nmode = "mixed"\ncollaborative_agents = ["a", "ghost"]\nsequential_agents = ["phantom"]\n[llm]\ntemperature = 9\n[agents.a]\nsystem_prompt = "x"\n', { env: {} }),
  );
  const keys = multi.issues.map((i) => i.key).sort();
  assert.deepEqual(keys, ['llm.temperature', 'orchestration.collaborative_agents', 'orchestration.sequential_agents']);
  assert.ok(multi.issues.some((i) => /"ghost", which is not declared/.test(i.message)));
  assert.ok(multi.issues.some((i) => /"phantom"/.test(i.message)));
  assert.equal(multi.issues.find((i) => i.key === 'orchestration.collaborative_agents')!.line, 3);
});

test('loop mode needs loop_agent; llama-cpp needs model_path', () => {
  assert.match(issuesOf(() => parseConfig('[orchestration]\nmode = "loop"\n', { env: {} })).issues[0]!.message, /loop_agent/);
  const e = issuesOf(() => parseConfig('[llm]\nprovider = "llama-cpp"\n', { env: {} }));
  assert.equal(e.issues[0]!.key, 'llm.model_path');
});

test('an LLM agent (no code handler) must have a system prompt; a code agent need not', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'af-cfg-')), 'agentflow.toml');
  writeFileSync(file, '[agents.coder]\nrole = "c"\n\n[agents.writer]\nrole = "w"\n');
  const loaded = loadConfigSync(file, { env: {} });
  const e = issuesOf(() => validateLlmAgents(loaded, ['coder']));
  assert.equal(e.issues.length, 1);
  assert.equal(e.issues[0]!.key, 'agents.writer.system_prompt');
  assert.equal(e.issues[0]!.line, 4);
  validateLlmAgents(loaded, ['coder', 'writer']);
});

test('unknown keys are warnings with their line, not errors; unsupported sections are flagged', () => {
  const { warnings } = parseConfig('[llm]\nmodel = "m"\ncolour = "blue"\n\n[agents.a]\nsystem_prompt = "s"\nmood = "happy"\n\n[mcp]\nenabled = true\n', { file: 'w.toml', env: {} });
  assert.deepEqual(
    warnings.map((w) => [w.key, w.line]),
    [
      ['llm.colour', 3],
      ['agents.a.mood', 7],
      ['mcp', 9],
    ],
  );
  assert.match(warnings[0]!.message, /unknown key "colour" in \[llm\]/);
});

test('environment: ${VAR}, ${VAR:-default}, a missing variable, and AGENTFLOW_* overrides', () => {
  const text = '[llm]\nprovider = "ollama"\nbase_url = "${OLLAMA_HOST}"\nmodel = "${MODEL:-gemma3:1b}"\n';
  const ok = parseConfig(text, { env: { OLLAMA_HOST: 'http://127.0.0.1:11434' } });
  assert.equal(ok.config.llm?.base_url, 'http://127.0.0.1:11434');
  assert.equal(ok.config.llm?.model, 'gemma3:1b');
  const missing = issuesOf(() => parseConfig(text, { env: {} }));
  assert.equal(missing.issues[0]!.key, 'llm.base_url');
  assert.equal(missing.issues[0]!.line, 3);
  assert.match(missing.issues[0]!.message, /OLLAMA_HOST is not set/);
  const over = parseConfig('[llm]\nprovider = "ollama"\nmodel = "a"\n', { env: { AGENTFLOW_LLM_MODEL: 'b', AGENTFLOW_LLM_TEMPERATURE: '0.1' } });
  assert.equal(over.config.llm?.model, 'b');
  assert.equal(over.config.llm?.temperature, 0.1);
  assert.match(issuesOf(() => parseConfig('', { env: { AGENTFLOW_LLM_TEMPERATURE: 'warm' } })).issues[0]!.message, /not a number/);
});

test('a literal api_key is a warning; api_key_env is the way', () => {
  const { warnings } = parseConfig('[llm]\nprovider = "openai"\napi_key = "sk-123"\n', { env: {} });
  assert.match(warnings[0]!.message, /api_key_env/);
});

test('temperature 0 is kept, enabled defaults to true, and defaults are documented in one place', () => {
  const { config } = parseConfig('[llm]\ntemperature = 0\n[agents.a]\nsystem_prompt = "s"\n', { env: {} });
  assert.equal(config.llm?.temperature, 0);
  assert.equal(resolveAgentLlm(config, 'a').temperature, 0);
  assert.equal(agentWithDefaults(config.agents!.a!).enabled, true);
  assert.equal(defaultConfig().runtime?.timeout_seconds, 30);
  const agentOverride = parseConfig('[llm]\nprovider = "ollama"\nmodel = "base"\n[agents.a]\nsystem_prompt = "s"\n[agents.a.llm]\nmodel = "special"\n', { env: {} }).config;
  assert.equal(resolveAgentLlm(agentOverride, 'a').model, 'special');
  assert.equal(resolveAgentLlm(agentOverride, 'a').provider, 'ollama');
});

test('__proto__ and constructor keys are rejected and pollute nothing', () => {
  const e = issuesOf(() => parseConfig('[agents.__proto__]\npolluted = "yes"\n[llm.constructor]\nx = 1\n', { env: {} }));
  assert.ok(e.issues.some((i) => i.key === 'agents.__proto__'));
  assert.ok(e.issues.some((i) => i.key === 'llm.constructor'));
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  const e2 = issuesOf(() => validateConfigObject(JSON.parse('{"llm": {"__proto__": {"polluted": 1}}}')));
  assert.equal(e2.issues[0]!.key, 'llm.__proto__');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('a missing file is ConfigNotFoundError naming the path', async () => {
  await assert.rejects(loadConfig('/nonexistent/agentflow.toml'), (e: ConfigNotFoundError) => e.code === ErrorCodes.CONFIG_NOT_FOUND && e.message.includes('/nonexistent/agentflow.toml'));
});

test('keyLines maps tables, dotted keys and inline tables', () => {
  const lines = keyLines('# c\n[a]\nx = 1\n"q.k" = 2\n[a.b]\ny.z = 3\nt = { u = 1, v = 2 }\n[[arr]]\nw = 1\n');
  assert.equal(lines.get('a'), 2);
  assert.equal(lines.get('a.x'), 3);
  assert.equal(lines.get('a.q.k'), 4);
  assert.equal(lines.get('a.b.y.z'), 6);
  assert.equal(lines.get('a.b.t.v'), 7);
  assert.equal(lines.get('arr.w'), 9);
});
