import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes } from '../../src/core/errors.js';
import {
  CONFIG_DEFAULTS,
  CONFIG_MODES,
  ConfigError,
  ConfigNotFoundError,
  defaultConfig,
  formatIssue,
  loadConfig,
  loadConfigSync,
  parseConfig,
  resolveAgentLlm,
  validateConfigObject,
  validateLlmAgents,
} from '../../src/config/index.js';
import { configError, fixture, issue, repoFile } from './fixtures/helpers.js';

const SEEDS = ['examples/config/message-passing-demo.toml', 'examples/config/message-passing-system.toml'];

test('both seed files parse and validate cleanly, with no warnings', async () => {
  const demo = await loadConfig(repoFile(SEEDS[0]!), { env: {} });
  assert.deepEqual(demo.warnings, []);
  assert.equal(demo.file, repoFile(SEEDS[0]!));
  assert.equal(demo.config.agent_flow.name, 'message-passing-demo');
  assert.equal(demo.config.llm.provider, 'ollama');
  assert.equal(demo.config.llm.model, 'gemma3:1b');
  assert.equal(demo.config.llm.temperature, 0.7, 'the default');
  assert.equal(demo.config.orchestration.mode, 'route');
  assert.equal(demo.config.orchestration.timeout_seconds, 30);
  assert.deepEqual(Object.keys(demo.config.agents), ['processor', 'analyzer']);
  assert.equal(demo.config.agents.processor!.role, 'data_processor');
  validateLlmAgents(demo.config, []);

  const system = loadConfigSync(repoFile(SEEDS[1]!), { env: {} });
  assert.deepEqual(system.warnings, []);
  assert.equal(system.config.agent_flow.name, 'message-passing-system');
  assert.deepEqual(Object.keys(system.config.agents), ['data_processor', 'data_analyzer', 'report_generator']);
  assert.ok(Object.values(system.config.agents).every((a) => a.enabled === true && (a.system_prompt ?? '').length > 0));
  validateLlmAgents(system, []);
});

test('a file using every documented key validates with no warnings and keeps snake_case keys', () => {
  const { config, warnings } = loadConfigSync(fixture('full.toml'), { env: { OPENAI_API_KEY: 'sk-test' } });
  assert.deepEqual(warnings, []);
  assert.equal(config.logging.format, 'pretty');
  assert.equal(config.runtime.max_concurrent_agents, 4);
  assert.equal(config.runtime.timeout_seconds, 12.5);
  assert.equal(config.llm.temperature, 0);
  assert.equal(config.llm.top_p, 0.9);
  assert.deepEqual(config.agents.writer!.metadata, { team: 'content', tier: 'gold' });
  assert.deepEqual(config.agents.writer!.capabilities, ['drafting', 'tone']);
  assert.equal(config.agents.writer!.retry_policy!.backoff_factor, 1.5);
  assert.equal(config.agents.writer!.rate_limit!.burst_size, 10);
  assert.equal(config.agents.local!.enabled, false);
  assert.equal(config.agents.local!.llm!.model_path, 'models/tiny.gguf');
  assert.equal(config.orchestration.mode, 'mixed');
  assert.deepEqual(config.error_routing.category_handlers, { timeout: 'error_handler' });
  assert.equal(config.error_routing.circuit_breaker.failure_threshold, 3);
  assert.equal(config.error_routing.circuit_breaker.timeout_ms, 5000);
  // [error_routing] max_retries / retry_delay_ms fold into the retry table, whose own keys win.
  assert.deepEqual(config.error_routing.retry, { max_retries: 4, base_delay_ms: 250, max_delay_ms: 2000, backoff_factor: 3, enable_jitter: false });
  assert.equal(config.dead_letter.file, '.agentflow/dead-letters.jsonl');
  assert.equal(config.providers.openai!.organization, 'acme', 'free-form provider keys are kept');
});

test('malformed TOML: one issue with the line and column of the syntax error', () => {
  const file = fixture('malformed.toml');
  const err = configError(() => loadConfigSync(file, { env: {} }));
  assert.equal(err.code, ErrorCodes.CONFIG_INVALID);
  assert.equal(err.issues.length, 1);
  const [i] = err.issues;
  assert.equal(i!.key, '(syntax)');
  assert.equal(i!.file, file);
  assert.equal(i!.line, 5);
  assert.equal(typeof i!.column, 'number');
  assert.ok(i!.column! > 1);
  assert.match(i!.message, /TOML syntax error/);
  assert.equal(i!.received, 'model = "gemma3:1b', 'the offending line');
  assert.ok(err.message.split('\n').includes(formatIssue(i!)));
  assert.match(err.message, new RegExp(`malformed\\.toml:5:${i!.column} \\(syntax\\): TOML syntax error`));
});

test('wrong types name the key, its line, what was expected and what was found; every one is reported', () => {
  const err = configError(() => loadConfigSync(fixture('wrong-types.toml'), { env: {} }));
  assert.equal(err.code, ErrorCodes.CONFIG_INVALID);
  const t = issue(err, 'llm.temperature');
  assert.equal(t.line, 6);
  assert.equal(t.expected, 'number');
  assert.equal(t.received, 'string "hot"');
  assert.match(t.message, /^expected number, got string "hot"$/);
  const mt = issue(err, 'llm.max_tokens');
  assert.equal(mt.line, 7);
  assert.equal(mt.expected, 'integer');
  assert.equal(issue(err, 'agents.writer.enabled').line, 11);
  assert.equal(issue(err, 'agents.writer.enabled').expected, 'boolean');
  assert.equal(issue(err, 'agents.writer.capabilities').line, 12);
  assert.equal(err.issues.length, 4);
  assert.match(err.message, /wrong-types\.toml:6 llm\.temperature: expected number, got string "hot"/);
});

test('an unknown orchestration mode lists the valid modes, suggests the closest, and carries its own code', () => {
  const err = configError(() => parseConfig('[orchestration]\nmode = "paralel"\n', { file: 'flow.toml', env: {} }));
  assert.equal(err.code, ErrorCodes.CONFIG_INVALID);
  const i = issue(err, 'orchestration.mode');
  assert.equal(i.code, ErrorCodes.UNKNOWN_ORCHESTRATION_MODE);
  assert.equal(i.line, 2);
  assert.equal(i.received, 'string "paralel"');
  for (const m of CONFIG_MODES) assert.ok(i.message.includes(m), `lists ${m}`);
  assert.match(i.message, /did you mean "parallel"\?/);
  assert.equal(err.message.split('\n')[1], `flow.toml:2 orchestration.mode: ${i.message}`);
});

test('a mode without the agents it needs: sequential, loop, mixed', () => {
  const seq = configError(() => parseConfig('[agents.a]\nsystem_prompt = "s"\n\n[orchestration]\nmode = "sequential"\n', { env: {} }));
  const s = issue(seq, 'orchestration.sequential_agents');
  assert.equal(s.line, 5, 'points at the mode that needs the list');
  assert.match(s.message, /mode "sequential" requires sequential_agents/);
  const empty = configError(() => parseConfig('[orchestration]\nmode = "sequential"\nsequential_agents = []\n', { env: {} }));
  assert.equal(issue(empty, 'orchestration.sequential_agents').line, 3);

  const loop = configError(() => parseConfig('[orchestration]\nmode = "loop"\nmax_iterations = 0\n', { env: {} }));
  assert.equal(issue(loop, 'orchestration.loop_agent').line, 2);
  assert.match(issue(loop, 'orchestration.max_iterations').message, /must be greater than 0, got 0/);
  assert.equal(issue(loop, 'orchestration.max_iterations').line, 3);

  const mixed = configError(() => parseConfig('[orchestration]\nmode = "mixed"\n', { env: {} }));
  assert.match(issue(mixed, 'orchestration.mode').message, /mode "mixed" requires collaborative_agents .* sequential_agents/);
  // With one list it is fine.
  parseConfig('[agents.a]\nsystem_prompt = "s"\n[orchestration]\nmode = "mixed"\nsequential_agents = ["a"]\n', { env: {} });
});

test('agent lists naming an undeclared agent: the key, the line, and the column when the line is not enough', () => {
  const text = [
    '[agents.writer]', // 1
    'system_prompt = "w"', // 2
    '[agents.editor]', // 3
    'system_prompt = "e"', // 4
    'enabled = false', // 5
    '[orchestration]', // 6
    'mode = "sequential"', // 7
    'sequential_agents = [', // 8
    '  "writer",', // 9
    '  "writter",', // 10
    ']', // 11
    'collaborative_agents = ["ghost"]', // 12
    'loop_agent = "phantom"', // 13
    '[error_routing]', // 14
    'error_handler_name = "handler"', // 15
    'severity_handlers = { critical = "pager" }', // 16
  ].join('\n');
  const err = configError(() => parseConfig(text, { file: 'refs.toml', env: {} }));
  const seq = issue(err, 'orchestration.sequential_agents');
  assert.equal(seq.line, 10);
  assert.equal(seq.column, undefined, 'first on its line: the line is enough');
  assert.match(seq.message, /names agent "writter", which is not declared under \[agents\] \(declared: writer, editor\) \(did you mean "writer"\?\)/);
  const col = issue(err, 'orchestration.collaborative_agents');
  assert.deepEqual([col.line, col.column], [12, 25], 'inside a line: the column pins the name');
  assert.equal(issue(err, 'orchestration.loop_agent').line, 13);
  assert.equal(issue(err, 'error_routing.error_handler_name').line, 15);
  assert.equal(issue(err, 'error_routing.severity_handlers.critical').line, 16);
  assert.equal(err.issues.length, 5);
  assert.match(err.message, /refs\.toml:10 orchestration\.sequential_agents: names agent "writter"/);
  assert.match(err.message, /refs\.toml:12:25 orchestration\.collaborative_agents: names agent "ghost"/);
  // Naming a declared but disabled agent is a warning.
  const { warnings } = parseConfig('[agents.a]\nenabled = false\n[orchestration]\nmode = "loop"\nloop_agent = "a"\n', { env: {} });
  assert.deepEqual(warnings.map((w) => [w.key, w.line]), [['orchestration.loop_agent', 5]]);
  assert.match(warnings[0]!.message, /disabled/);
});

test('an LLM agent (enabled, no code handler) must have a system_prompt; code agents and disabled agents need none', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'af-cfg-')), 'agentflow.toml');
  writeFileSync(file, '[agents.coder]\nrole = "c"\n\n[agents.writer]\nrole = "w"\n\n[agents.blank]\nsystem_prompt = "  "\n\n[agents.off]\nenabled = false\n');
  const { config } = loadConfigSync(file, { env: {} });
  const err = configError(() => validateLlmAgents(config, ['coder']));
  assert.equal(err.code, ErrorCodes.CONFIG_INVALID);
  assert.deepEqual(err.issues.map((i) => [i.key, i.line, i.file]), [
    ['agents.writer.system_prompt', 4, file],
    ['agents.blank.system_prompt', 8, file],
  ]);
  assert.match(err.issues[0]!.message, /agent "writer" has no code handler, so it runs as an LLM agent and needs a system_prompt/);
  validateLlmAgents(config, ['coder', 'writer', 'blank']);
  // A config given as an object: the issue names only the key.
  const obj = validateConfigObject({ agents: { a: { role: 'x' } } }, { env: {} });
  const e2 = configError(() => validateLlmAgents(obj, []));
  assert.deepEqual(e2.issues.map((i) => [i.key, i.line, i.file]), [['agents.a.system_prompt', undefined, undefined]]);
  assert.equal(e2.message.split('\n')[1], `agents.a.system_prompt: ${e2.issues[0]!.message}`);
});

test('several errors in one file are reported together, in file order, one line each', () => {
  const file = fixture('many-errors.toml');
  const err = configError(() => loadConfigSync(file, { env: {} }));
  assert.deepEqual(
    err.issues.map((i) => [i.key, i.line]),
    [
      ['runtime.timeout_seconds', 3],
      ['llm.temperature', 6],
      ['orchestration.sequential_agents', 10],
      ['orchestration.max_iterations', 11],
      ['agents.writer.enabled', 15],
      ['error_routing.error_handler_name', 18],
    ],
  );
  const lines = err.message.split('\n');
  assert.match(lines[0]!, /\(6 problems\):$/);
  assert.deepEqual(lines.slice(1), err.issues.map(formatIssue));
  assert.ok(lines.slice(1).every((l) => l.startsWith(`${file}:`)));
  assert.match(issue(err, 'runtime.timeout_seconds').message, /must be greater than 0, got -5/);
  assert.match(issue(err, 'llm.temperature').message, /must be at most 2, got 9/);
  assert.match(issue(err, 'orchestration.sequential_agents').message, /"ghost"/);
  // The unknown-key warning found along the way travels with the error.
  assert.deepEqual(err.warnings.map((w) => w.key), ['orchestration.max_iterations']);
});

test('unknown keys and sections are errors by default, each with its line and a "did you mean"; AgenticGoKit-only keys stay warnings; [agent_memory] is a supported section', () => {
  const file = fixture('unknown-keys.toml');
  let err: ConfigError | undefined;
  try {
    loadConfigSync(file, { env: {} });
  } catch (e) {
    err = e as ConfigError;
  }
  assert.ok(err instanceof ConfigError, 'a misspelt key fails the load');
  assert.deepEqual(err.issues.map((i) => [i.key, i.line]), [['agent_flow.colour', 3], ['llm.temprature', 8], ['agents.writer.mood', 15], ['memory', 18]]);
  assert.match(err.issues[1]!.message, /unknown key "temprature" in \[llm\] \(did you mean "temperature"\?\).*--lenient/);
  assert.match(err.issues[3]!.message, /unknown section \[memory\]/);
  assert.deepEqual(err.warnings.map((w) => w.key), ['logging.file_only', 'agents.writer.auto_llm']);
  // The environment switch is the same as the option.
  assert.doesNotThrow(() => loadConfigSync(file, { env: { AGENTFLOW_LENIENT_CONFIG: '1' } }));
});

test('lenient: unknown keys are warnings with their line; AgenticGoKit-only keys are explained', () => {
  const file = fixture('unknown-keys.toml');
  const { config, warnings } = loadConfigSync(file, { env: {}, lenient: true });
  assert.deepEqual(
    warnings.map((w) => [w.key, w.line, w.file]),
    [
      ['agent_flow.colour', 3, file],
      ['llm.temprature', 8, file],
      ['logging.file_only', 11, file],
      ['agents.writer.mood', 15, file],
      ['agents.writer.auto_llm', 16, file],
      ['memory', 18, file],
    ],
  );
  const byKey = Object.fromEntries(warnings.map((w) => [w.key, w.message]));
  assert.match(byKey['agent_flow.colour']!, /unknown key "colour" in \[agent_flow\]; it is ignored/);
  assert.match(byKey['llm.temprature']!, /did you mean "temperature"\?/);
  assert.match(byKey['logging.file_only']!, /AgenticGoKit setting that agentflow does not support/);
  assert.match(byKey.memory!, /unknown section \[memory\]/);
  assert.equal(config.llm.temperature, 0.7, 'the misspelt key does not set temperature');
  assert.equal((config.llm as Record<string, unknown>).temprature, undefined, 'unknown keys are dropped from the result');
});

test('temperature 0 is kept, in [llm] and in an agent override of a non-zero [llm] temperature', () => {
  const { config } = parseConfig('[llm]\ntemperature = 0\n[agents.a]\nsystem_prompt = "s"\n', { env: {} });
  assert.equal(config.llm.temperature, 0);
  assert.equal(resolveAgentLlm(config, 'a').temperature, 0);
  const over = parseConfig('[llm]\ntemperature = 1.2\n[agents.a]\nsystem_prompt = "s"\nllm = { temperature = 0 }\n', { env: {} }).config;
  assert.equal(over.agents.a!.llm!.temperature, 0);
  assert.equal(resolveAgentLlm(over, 'a').temperature, 0);
  assert.equal(validateConfigObject({ llm: { temperature: 0 } }, { env: {} }).config.llm.temperature, 0);
});

test('enabled defaults to true; enabled = false is kept', () => {
  const { config } = parseConfig('[agents.a]\nsystem_prompt = "s"\n[agents.b]\nsystem_prompt = "s"\nenabled = false\n', { env: {} });
  assert.equal(config.agents.a!.enabled, true);
  assert.equal(config.agents.b!.enabled, false);
});

test('__proto__, constructor and prototype keys are rejected with an issue and pollute no prototype', () => {
  const err = configError(() => loadConfigSync(fixture('proto.toml'), { env: {} }));
  assert.deepEqual(
    err.issues.map((i) => [i.key, i.line]),
    [
      ['agents.__proto__', 1],
      ['llm.constructor', 7],
      ['providers.ollama.prototype', 11],
    ],
  );
  assert.match(err.issues[0]!.message, /the key "__proto__" is not allowed/);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);

  const obj = JSON.parse('{"llm": {"model": "m", "__proto__": {"polluted": 1}}, "agents": {"constructor": {"system_prompt": "x"}}}') as unknown;
  const e2 = configError(() => validateConfigObject(obj, { env: {} }));
  assert.deepEqual(e2.issues.map((i) => i.key).sort(), ['agents.constructor', 'llm.__proto__']);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('a missing file is ConfigNotFoundError naming the path (async and sync)', async () => {
  const path = join(tmpdir(), 'af-no-such-dir', 'agentflow.toml');
  await assert.rejects(loadConfig(path, { env: {} }), (e: unknown) => {
    assert.ok(e instanceof ConfigNotFoundError);
    assert.equal(e.code, ErrorCodes.CONFIG_NOT_FOUND);
    assert.equal(e.path, path);
    assert.ok(e.message.includes(path));
    return true;
  });
  assert.throws(() => loadConfigSync(path, { env: {} }), (e: unknown) => e instanceof ConfigNotFoundError && e.code === ErrorCodes.CONFIG_NOT_FOUND);
  // A directory is not a config file either.
  assert.throws(() => loadConfigSync(tmpdir(), { env: {} }), (e: unknown) => e instanceof ConfigNotFoundError && e.message.includes(tmpdir()));
});

test('defaultConfig() is exactly what an empty file parses to, and a fresh copy each time', () => {
  const empty = parseConfig('', { env: {} });
  assert.deepEqual(empty.warnings, []);
  assert.deepEqual(empty.config, defaultConfig());
  const d = defaultConfig();
  assert.equal(d.agent_flow.name, 'agentflow');
  assert.equal(d.logging.level, 'info');
  assert.equal(d.runtime.queue_size, 1000);
  assert.equal(d.runtime.max_hops, 10);
  assert.equal(d.llm.max_tokens, 800);
  assert.equal(d.orchestration.max_iterations, 5);
  assert.deepEqual(d.error_routing.circuit_breaker, { failure_threshold: 5, success_threshold: 3, reset_timeout_ms: 30_000, half_open_max_calls: 2 });
  assert.deepEqual(d.error_routing.retry, { max_retries: 3, base_delay_ms: 1000, max_delay_ms: 30_000, backoff_factor: 2, enable_jitter: true });
  assert.equal(d.dead_letter.enabled, true);
  d.runtime.queue_size = 1;
  assert.equal(defaultConfig().runtime.queue_size, 1000);
  assert.equal(CONFIG_DEFAULTS.runtime.queue_size, 1000);
});

test('validateConfigObject: the same checks, issues name only the key, the input is not modified', () => {
  const input = { llm: { temperature: 'hot', base_url: '${HOST:-http://127.0.0.1:11434}' }, orchestration: { mode: 'loop' } };
  const snapshot = structuredClone(input);
  const err = configError(() => validateConfigObject(input, { env: {} }));
  assert.deepEqual(err.issues.map((i) => [i.key, i.line, i.file]), [
    ['llm.temperature', undefined, undefined],
    ['orchestration.loop_agent', undefined, undefined],
  ]);
  assert.equal(err.message.split('\n')[1], 'llm.temperature: expected number, got string "hot"');
  assert.deepEqual(input, snapshot);
  const ok = validateConfigObject({ llm: { base_url: '${HOST:-http://127.0.0.1:11434}' } }, { env: {} });
  assert.equal(ok.config.llm.base_url, 'http://127.0.0.1:11434');
  assert.equal(ok.file, undefined);
  for (const bad of [null, 42, 'x', []]) assert.equal(configError(() => validateConfigObject(bad)).issues[0]!.key, '(root)');
});

test('llama-cpp needs model_path (from [llm], the agent, or [providers.llama-cpp])', () => {
  const e = configError(() => parseConfig('[llm]\nprovider = "llama-cpp"\n', { env: {} }));
  assert.equal(issue(e, 'llm.model_path').line, 2);
  const viaFlow = configError(() => parseConfig('[agent_flow]\nprovider = "llama-cpp"\n', { env: {} }));
  assert.equal(issue(viaFlow, 'llm.model_path').line, 2);
  parseConfig('[llm]\nprovider = "llama-cpp"\n[providers.llama-cpp]\nmodel_path = "m.gguf"\n', { env: {} });
  const agent = configError(() => parseConfig('[agents.a]\nsystem_prompt = "s"\n[agents.a.llm]\nprovider = "llama-cpp"\n', { env: {} }));
  assert.equal(issue(agent, 'agents.a.llm.model_path').line, 4);
  parseConfig('[agents.a]\nsystem_prompt = "s"\n[agents.a.llm]\nprovider = "llama-cpp"\nmodel_path = "m.gguf"\n', { env: {} });
});

test('secrets: a literal api_key is a warning, api_key_env must be a variable name, openai without a key is flagged', () => {
  const lit = parseConfig('[llm]\nprovider = "openai"\nmodel = "gpt-4o-mini"\napi_key = "sk-123"\n', { env: {} });
  assert.deepEqual(lit.warnings.map((w) => [w.key, w.line]), [['llm.api_key', 4]]);
  assert.match(lit.warnings[0]!.message, /api_key_env/);
  // A key taken from the environment by interpolation is not a literal.
  assert.deepEqual(parseConfig('[llm]\nprovider = "openai"\napi_key = "${OPENAI_API_KEY}"\n', { env: { OPENAI_API_KEY: 'sk-env' } }).warnings, []);
  const pasted = configError(() => parseConfig('[llm]\nprovider = "openai"\napi_key_env = "sk-abc-123"\n', { env: {} }));
  assert.match(issue(pasted, 'llm.api_key_env').message, /NAME of an environment variable/);
  const none = parseConfig('[llm]\nprovider = "openai"\nmodel = "gpt-4o-mini"\n', { env: {} });
  assert.deepEqual(none.warnings.map((w) => [w.key, w.line]), [['llm.provider', 2]]);
  const unset = parseConfig('[llm]\nprovider = "openai"\napi_key_env = "OPENAI_API_KEY"\n', { env: {} });
  assert.deepEqual(unset.warnings.map((w) => w.key), ['llm.api_key_env']);
  assert.deepEqual(parseConfig('[llm]\nprovider = "openai"\napi_key_env = "OPENAI_API_KEY"\n', { env: { OPENAI_API_KEY: 'sk' } }).warnings, []);
});

test('[error_routing]: unknown categories are errors with a suggestion; retry delays must be ordered', () => {
  const err = configError(() =>
    parseConfig('[agents.h]\nsystem_prompt = "s"\n[error_routing]\ncategory_handlers = { timeouts = "h" }\n[error_routing.retry]\nbase_delay_ms = 5000\nmax_delay_ms = 100\n', { env: {} }),
  );
  const cat = issue(err, 'error_routing.category_handlers.timeouts');
  assert.equal(cat.line, 4);
  assert.match(cat.message, /unknown error category "timeouts": expected one of timeout, network.*\(did you mean "timeout"\?\)/);
  assert.equal(issue(err, 'error_routing.retry.max_delay_ms').line, 7);
});

test('the shorthand [error_routing] max_retries applies unless [error_routing.retry] sets it', () => {
  assert.equal(parseConfig('[error_routing]\nmax_retries = 7\n', { env: {} }).config.error_routing.retry.max_retries, 7);
  const both = parseConfig('[error_routing]\nmax_retries = 7\n[error_routing.retry]\nmax_retries = 1\n', { env: {} });
  assert.equal(both.config.error_routing.retry.max_retries, 1);
  assert.deepEqual(both.warnings.map((w) => [w.key, w.line]), [['error_routing.max_retries', 2]]);
});

test('settings the chosen mode ignores are warnings', () => {
  const { warnings } = parseConfig('[agents.a]\nsystem_prompt = "s"\n[orchestration]\nmode = "route"\nsequential_agents = ["a"]\n', { env: {} });
  assert.deepEqual(warnings.map((w) => [w.key, w.line]), [['orchestration.sequential_agents', 5]]);
  assert.match(warnings[0]!.message, /ignored in mode "route"/);
});

test('ConfigError keeps its structure: code, issues, warnings, details, and formatIssue renders what is known', () => {
  const err = new ConfigError([{ file: 'a.toml', line: 3, column: 7, key: 'llm.model', message: 'must not be empty' }], 'a.toml');
  assert.equal(err.code, ErrorCodes.CONFIG_INVALID);
  assert.equal(err.details.line, 3);
  assert.equal(err.details.key, 'llm.model');
  assert.equal(err.message, 'invalid configuration in a.toml (1 problem):\na.toml:3:7 llm.model: must not be empty');
  assert.equal(formatIssue({ line: 2, key: 'k', message: 'm' }), '<toml>:2 k: m');
  assert.equal(formatIssue({ key: 'k', message: 'm' }), 'k: m');
});

test('validation: an unknown LLM provider fails validation (with a suggestion), not the first run; a registered custom provider passes', async () => {
  const { parseConfig, validateLlmAgents } = await import('../../src/config/index.js');
  const { registerProvider } = await import('../../src/providers/index.js');
  const loaded = parseConfig('[llm]\nprovider = "olama"\n[agents.a]\nsystem_prompt = "x"\n', { env: {}, file: 'agentflow.toml' });
  assert.throws(
    () => validateLlmAgents(loaded, []),
    (e: ConfigError) => e.issues.length === 1 && e.issues[0]!.key === 'llm.provider' && e.issues[0]!.line === 2 && /unknown LLM provider "olama".*did you mean "ollama"/.test(e.issues[0]!.message),
  );
  assert.doesNotThrow(() => validateLlmAgents(loaded, ['a']), 'a code agent needs no provider');
  registerProvider('my-llm', () => ({ name: 'my-llm', model: 'm', chat: async () => ({ content: '', model: 'm', usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 }, finishReason: 'stop', durationMs: 0 }), async *stream() {} }));
  const custom = parseConfig('[llm]\nprovider = "my-llm"\n[agents.a]\nsystem_prompt = "x"\n', { env: {} });
  assert.doesNotThrow(() => validateLlmAgents(custom, []));
});
