/**
 * Loading agentflow.toml: parse (smol-toml), interpolate `${ENV}`, apply
 * `AGENTFLOW_*` overrides, validate (zod) and cross-check, reporting every
 * problem at once with file, line and key.
 * @module
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parse, TomlError } from 'smol-toml';
import type { z } from 'zod';
import { ConfigSchema, CONFIG_MODES, type AgentflowConfig } from './schema.js';
import { ConfigError, ConfigNotFoundError, type ConfigIssue, type ConfigWarning } from './errors.js';
import { keyLines, lineOf } from './locate.js';

/**
 * A loaded configuration and the warnings about it.
 *
 * @example
 * ```ts
 * const { config, warnings, file } = loadConfigSync('agentflow.toml');
 * ```
 */
export interface LoadedConfig {
  config: AgentflowConfig;
  warnings: ConfigWarning[];
  file?: string;
}

/**
 * Options for loading.
 *
 * @example
 * ```ts
 * parseConfig(text, { file: 'agentflow.toml', env: { OLLAMA_HOST: 'http://127.0.0.1:11434' } });
 * ```
 */
export interface LoadOptions {
  /** Named in errors. */
  file?: string;
  /** Environment for `${VAR}` and `AGENTFLOW_*` overrides. Default `process.env`. */
  env?: Record<string, string | undefined>;
}

/**
 * Reads and validates a config file.
 * @throws {@link ConfigNotFoundError}, {@link ConfigError}
 * @example
 * ```ts
 * const { config } = await loadConfig('agentflow.toml');
 * ```
 */
export async function loadConfig(path: string, options: Omit<LoadOptions, 'file'> = {}): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigNotFoundError(path, err);
  }
  return parseConfig(text, { ...options, file: path });
}

/**
 * Synchronous {@link loadConfig}.
 *
 * @example
 * ```ts
 * const { config } = loadConfigSync('agentflow.toml');
 * ```
 */
export function loadConfigSync(path: string, options: Omit<LoadOptions, 'file'> = {}): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigNotFoundError(path, err);
  }
  return parseConfig(text, { ...options, file: path });
}

/**
 * Parses and validates TOML text.
 * @throws {@link ConfigError} listing every problem
 * @example
 * ```ts
 * const { config } = parseConfig('[llm]\nprovider = "ollama"\nmodel = "gemma3:1b"\n');
 * ```
 */
export function parseConfig(text: string, options: LoadOptions = {}): LoadedConfig {
  let raw: Record<string, unknown>;
  try {
    raw = parse(text) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TomlError) {
      const first = err.message.split('\n')[0]!.replace(/^Invalid TOML document:\s*/, '');
      throw new ConfigError([{ file: options.file, line: err.line, column: err.column, key: '(syntax)', message: `TOML syntax error: ${first}` }], options.file);
    }
    throw err;
  }
  return check(raw, options, keyLines(text));
}

/**
 * Validates a config given as an object (errors then name only the key).
 * @throws {@link ConfigError}
 * @example
 * ```ts
 * validateConfigObject({ orchestration: { mode: 'sequential', sequential_agents: ['a'] }, agents: { a: { system_prompt: 'x' } } });
 * ```
 */
export function validateConfigObject(obj: unknown, options: LoadOptions = {}): LoadedConfig {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new ConfigError([{ key: '(root)', message: 'a configuration must be an object' }], options.file);
  return check(JSON.parse(JSON.stringify(obj)) as Record<string, unknown>, options, new Map());
}

const OVERRIDES: [string, string, 'string' | 'number'][] = [
  ['AGENTFLOW_LLM_PROVIDER', 'provider', 'string'],
  ['AGENTFLOW_LLM_MODEL', 'model', 'string'],
  ['AGENTFLOW_LLM_TEMPERATURE', 'temperature', 'number'],
  ['AGENTFLOW_LLM_MAX_TOKENS', 'max_tokens', 'number'],
  ['AGENTFLOW_LLM_TIMEOUT_SECONDS', 'timeout_seconds', 'number'],
];

function check(raw: Record<string, unknown>, options: LoadOptions, lines: Map<string, number>): LoadedConfig {
  const file = options.file;
  const env = options.env ?? process.env;
  const issues: ConfigIssue[] = [];
  const warnings: ConfigWarning[] = [];
  const at = (key: string) => ({ file, line: lineOf(lines, key), key });

  forbidProtoKeys(raw, '', issues, at);
  interpolate(raw, '', env, issues, at);

  // Environment overrides.
  for (const [name, key, type] of OVERRIDES) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    const llm = ((raw.llm ??= {}) as Record<string, unknown>);
    if (type === 'number') {
      const n = Number(v);
      if (Number.isNaN(n)) issues.push({ ...at(`llm.${key}`), message: `environment variable ${name}="${v}" is not a number` });
      else llm[key] = n;
    } else llm[key] = v;
  }

  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    for (const i of parsed.error.issues) issues.push(zodIssue(i, at, valueAt(raw, i.path)));
  }
  unknownKeys(raw, ConfigSchema, '', warnings, at);
  for (const section of ['agent_memory', 'mcp'] as const) {
    if (raw[section] !== undefined) warnings.push({ ...at(section), message: `[${section}] is not supported by agentflow yet and is ignored` });
  }
  const llmTables: [string, Record<string, unknown> | undefined][] = [['llm', raw.llm as Record<string, unknown> | undefined]];
  for (const [name, a] of Object.entries((raw.agents ?? {}) as Record<string, Record<string, unknown>>)) llmTables.push([`agents.${name}.llm`, a?.llm as Record<string, unknown> | undefined]);
  for (const [key, t] of llmTables) {
    if (t && typeof t.api_key === 'string' && t.api_key !== '') warnings.push({ ...at(`${key}.api_key`), message: 'a literal api_key in the file is a leaked secret: use api_key_env = "OPENAI_API_KEY" and set it in the environment' });
  }

  crossCheck(raw as AgentflowConfig, issues, at);
  if (issues.length > 0) throw new ConfigError(issues, file, warnings);
  return { config: parsed.data!, warnings, file };
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

function describeValue(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'object') return v === null ? 'null' : 'a table';
  return `${typeof v} ${String(v)}`;
}

function zodIssue(i: z.core.$ZodIssue, at: (k: string) => { file?: string; line?: number; key: string }, value: unknown): ConfigIssue {
  const key = i.path.map(String).join('.') || '(root)';
  const base = at(key);
  const rec = describeValue(value);
  switch (i.code) {
    case 'invalid_type':
      return { ...base, message: `expected ${i.expected}${rec ? `, got ${rec}` : ''}`, expected: String(i.expected), received: rec };
    case 'invalid_value':
      return { ...base, message: `expected one of ${i.values.map((v) => JSON.stringify(v)).join(', ')}${rec ? `, got ${rec}` : ''}`, expected: i.values.join('|'), received: rec };
    case 'too_small':
    case 'too_big':
      return { ...base, message: `${i.message.replace(/^Too (small|big): expected (number|string|array) to (have|be) /, 'must be ')}${rec ? `, got ${rec}` : ''}`, received: rec };
    default:
      return { ...base, message: i.message };
  }
}

function forbidProtoKeys(v: unknown, path: string, issues: ConfigIssue[], at: (k: string) => { file?: string; line?: number; key: string }): void {
  if (v === null || typeof v !== 'object') return;
  for (const k of Object.keys(v)) {
    const p = path ? `${path}.${k}` : k;
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') {
      issues.push({ ...at(p), message: `the key "${k}" is not allowed in a configuration` });
      continue;
    }
    forbidProtoKeys((v as Record<string, unknown>)[k], p, issues, at);
  }
}

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

function interpolate(v: Record<string, unknown> | unknown[], path: string, env: Record<string, string | undefined>, issues: ConfigIssue[], at: (k: string) => { file?: string; line?: number; key: string }): void {
  const entries: [string | number, unknown][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
  for (const [k, x] of entries) {
    const p = path ? `${path}.${k}` : String(k);
    if (typeof x === 'string' && x.includes('${')) {
      const out = x.replace(VAR, (_m, name: string, def: string | undefined) => {
        const val = env[name];
        if (val !== undefined && val !== '') return val;
        if (def !== undefined) return def;
        issues.push({ ...at(p), message: `environment variable ${name} is not set (write \${${name}:-default} for a fallback)` });
        return '';
      });
      (v as Record<string | number, unknown>)[k] = out;
    } else if (x !== null && typeof x === 'object') interpolate(x as Record<string, unknown>, p, env, issues, at);
  }
}

/** Walks the raw object against the schema's shapes; keys the schema lacks become warnings. */
function unknownKeys(v: unknown, schema: z.ZodType, path: string, warnings: ConfigWarning[], at: (k: string) => { file?: string; line?: number; key: string }): void {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return;
  let s: z.ZodType = schema;
  for (let guard = 0; guard < 5; guard++) {
    const def = (s as unknown as { def: { type: string; innerType?: z.ZodType } }).def;
    if ((def.type === 'optional' || def.type === 'default' || def.type === 'nullable') && def.innerType) s = def.innerType;
    else break;
  }
  const def = (s as unknown as { def: { type: string; shape?: Record<string, z.ZodType>; valueType?: z.ZodType } }).def;
  if (def.type === 'object' && def.shape) {
    for (const [k, child] of Object.entries(v)) {
      const p = path ? `${path}.${k}` : k;
      if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
      const sub = Object.prototype.hasOwnProperty.call(def.shape, k) ? def.shape[k] : undefined;
      if (!sub) warnings.push({ ...at(p), message: `unknown key "${k}"${path ? ` in [${path}]` : ''}; it is ignored` });
      else unknownKeys(child, sub, p, warnings, at);
    }
  } else if (def.type === 'record' && def.valueType) {
    for (const [k, child] of Object.entries(v)) {
      if (k !== '__proto__' && k !== 'constructor' && k !== 'prototype') unknownKeys(child, def.valueType, path ? `${path}.${k}` : k, warnings, at);
    }
  }
}

function crossCheck(c: AgentflowConfig, issues: ConfigIssue[], at: (k: string) => { file?: string; line?: number; key: string }): void {
  const agents = c.agents !== null && typeof c.agents === 'object' ? c.agents : {};
  const declared = new Set(Object.keys(agents));
  const o = c.orchestration !== null && typeof c.orchestration === 'object' ? c.orchestration : undefined;
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const mode = typeof o?.mode === 'string' ? o.mode : 'route';
  const need = (key: string, name: string) => {
    if (!declared.has(name)) issues.push({ ...at(key), message: `names agent "${name}", which is not declared under [agents] (declared: ${[...declared].join(', ') || 'none'})` });
  };
  if (!(CONFIG_MODES as readonly string[]).includes(mode)) {
    issues.push({ ...at('orchestration.mode'), message: `unknown orchestration mode "${mode}": expected one of ${CONFIG_MODES.join(', ')}`, expected: CONFIG_MODES.join('|'), received: mode });
  }
  const seqAgents = list(o?.sequential_agents);
  const colAgents = list(o?.collaborative_agents);
  if (mode === 'sequential' && !seqAgents.length) issues.push({ ...at('orchestration.sequential_agents'), message: 'sequential mode requires sequential_agents = ["a", "b", ...]' });
  if (mode === 'loop' && !o?.loop_agent) issues.push({ ...at('orchestration.loop_agent'), message: 'loop mode requires loop_agent = "name"' });
  if (mode === 'mixed' && !seqAgents.length && !colAgents.length) {
    issues.push({ ...at('orchestration'), message: 'mixed mode requires collaborative_agents or sequential_agents' });
  }
  seqAgents.forEach((a) => need('orchestration.sequential_agents', a));
  colAgents.forEach((a) => need('orchestration.collaborative_agents', a));
  if (typeof o?.loop_agent === 'string' && o.loop_agent) need('orchestration.loop_agent', o.loop_agent);
  const handler = c.error_routing?.error_handler_name;
  if (c.error_routing?.enabled && handler && !declared.has(handler)) {
    issues.push({ ...at('error_routing.error_handler_name'), message: `names agent "${handler}", which is not declared under [agents]` });
  }
  const checkLlm = (key: string, provider: string | undefined, modelPath: string | undefined) => {
    if (provider === 'llama-cpp' && !modelPath) issues.push({ ...at(`${key}.model_path`), message: 'provider "llama-cpp" needs model_path = "path/to/model.gguf"' });
  };
  checkLlm('llm', c.llm?.provider ?? c.agent_flow?.provider, c.llm?.model_path);
  for (const [name, a] of Object.entries(agents)) {
    if (a && typeof a === 'object' && a.llm && typeof a.llm === 'object') checkLlm(`agents.${name}.llm`, a.llm.provider ?? c.llm?.provider, a.llm.model_path ?? c.llm?.model_path);
  }
}

/**
 * Checks that every declared, enabled agent without a code handler (an LLM
 * agent) has a `system_prompt`.
 * @throws {@link ConfigError}
 * @example
 * ```ts
 * validateLlmAgents(loaded, ['data_processor']); // the others must have system prompts
 * ```
 */
export function validateLlmAgents(loaded: LoadedConfig, codeAgentNames: readonly string[]): void {
  const text = loaded.file ? safeRead(loaded.file) : undefined;
  const lines = text ? keyLines(text) : new Map<string, number>();
  const issues: ConfigIssue[] = [];
  for (const [name, a] of Object.entries(loaded.config.agents ?? {})) {
    if (a.enabled === false || codeAgentNames.includes(name)) continue;
    if (!a.system_prompt || a.system_prompt.trim() === '') {
      issues.push({ file: loaded.file, line: lineOf(lines, `agents.${name}`), key: `agents.${name}.system_prompt`, message: `agent "${name}" has no code handler, so it is an LLM agent and needs a system_prompt` });
    }
  }
  if (issues.length) throw new ConfigError(issues, loaded.file);
}

function safeRead(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}
