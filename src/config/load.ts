/**
 * Loading agentflow.toml: read, parse (smol-toml), sanitise, interpolate
 * `${ENV}`, apply `AGENTFLOW_LLM_*` overrides, validate (zod) and
 * cross-check, reporting every problem at once with file, line, column and
 * key.
 * @module
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parse, TomlError } from 'smol-toml';
import { ErrorCodes, type ErrorCode } from '../core/errors.js';
import { crossCheck, didYouMean, reportSchemaIssues, reportUnknownKeys, type Reporter } from './checks.js';
import { listProviders } from '../providers/registry.js';
import { resolveAgentLlm } from './defaults.js';
import { KNOWN_PROVIDERS } from './schema.js';
import { applyEnvOverrides, interpolateEnv, type Env } from './env.js';
import { ConfigError, ConfigNotFoundError, type ConfigIssue, type ConfigWarning } from './errors.js';
import { KeyLocator } from './locate.js';
import { ConfigSchema, type AgentflowConfig } from './schema.js';

/**
 * A loaded configuration: the validated config (defaults filled in), the
 * warnings about it, and the file it came from.
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
 * Options of {@link parseConfig}; {@link loadConfig} takes the same without
 * `file`.
 *
 * @example
 * ```ts
 * parseConfig(text, { file: 'agentflow.toml', env: { OLLAMA_HOST: 'http://127.0.0.1:11434' } });
 * ```
 */
export interface LoadOptions {
  /** Named in issues and warnings. */
  file?: string;
  /** Environment for `${VAR}` and the `AGENTFLOW_LLM_*` overrides. Default `process.env`. */
  env?: Env;
  /**
   * Unknown keys and sections are warnings instead of errors (forward
   * compatibility with newer files). Default: `AGENTFLOW_LENIENT_CONFIG=1`
   * in the environment, else false.
   */
  lenient?: boolean;
}

/**
 * Options of {@link validateConfigObject}.
 *
 * @example
 * ```ts
 * validateConfigObject(obj, { env: {} });
 * ```
 */
export interface ValidateOptions {
  /** Environment for `${VAR}` and the `AGENTFLOW_LLM_*` overrides. Default `process.env`. */
  env?: Env;
  /** Unknown keys are warnings, not errors (see {@link LoadOptions.lenient}). */
  lenient?: boolean;
}

/** Where each validated config came from, for later checks (validateLlmAgents). */
const sources = new WeakMap<object, { file?: string; locator?: KeyLocator }>();

function readFailure(path: string, err: unknown): never {
  throw new ConfigNotFoundError(path, err);
}

/**
 * Reads, parses and validates a config file.
 *
 * @throws {@link ConfigNotFoundError} when the file cannot be read, {@link ConfigError} listing every problem
 * @example
 * ```ts
 * const { config, warnings } = await loadConfig('agentflow.toml', { env: process.env });
 * for (const w of warnings) console.warn(formatIssue(w));
 * console.log(config.orchestration.mode);
 * ```
 */
export async function loadConfig(path: string, options: Omit<LoadOptions, 'file'> = {}): Promise<LoadedConfig> {
  const text = await readFile(path, 'utf8').catch((err: unknown) => readFailure(path, err));
  return parseConfig(text, { ...options, file: path });
}

/**
 * Synchronous {@link loadConfig}.
 *
 * @throws {@link ConfigNotFoundError}, {@link ConfigError}
 * @example
 * ```ts
 * const { config } = loadConfigSync('examples/config/message-passing-system.toml', { env: {} });
 * Object.keys(config.agents); // ['data_processor', 'data_analyzer', 'report_generator']
 * ```
 */
export function loadConfigSync(path: string, options: Omit<LoadOptions, 'file'> = {}): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    readFailure(path, err);
  }
  return parseConfig(text, { ...options, file: path });
}

/**
 * Parses and validates TOML text. A syntax error is a {@link ConfigError}
 * with one issue (key `(syntax)`) at the line and column smol-toml reports;
 * otherwise every problem is reported together, each at the line and column
 * of its key.
 *
 * @throws {@link ConfigError}
 * @example
 * ```ts
 * const { config } = parseConfig('[llm]\nprovider = "ollama"\nmodel = "gemma3:1b"\ntemperature = 0\n', { env: {} });
 * config.llm.temperature; // 0
 * ```
 */
export function parseConfig(text: string, options: LoadOptions = {}): LoadedConfig {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let raw: unknown;
  try {
    raw = parse(source);
  } catch (err) {
    if (err instanceof RangeError) throw tooDeep(options.file, '(syntax)');
    if (err instanceof TomlError) {
      const reason = (err.message.split('\n')[0] ?? '').replace(/^Invalid TOML document:\s*/i, '');
      const hint = /control characters|unterminated|end of (file|input)/i.test(reason) ? ' (is a closing quote or bracket missing?)' : '';
      const lineText = source.split(/\r?\n/)[err.line - 1]?.trim();
      throw new ConfigError([clean({ file: options.file, line: err.line, column: err.column, key: '(syntax)', message: `TOML syntax error: ${reason}${hint}`, received: lineText, code: ErrorCodes.CONFIG_INVALID })], options.file);
    }
    throw new ConfigError([clean({ file: options.file, key: '(syntax)', message: `TOML syntax error: ${(err as Error)?.message ?? String(err)}`, code: ErrorCodes.CONFIG_INVALID })], options.file);
  }
  return check(raw, { file: options.file, env: options.env ?? process.env, locator: new KeyLocator(source), lenient: options.lenient });
}

/**
 * Validates a configuration given as an object (for example built in code):
 * the same checks, defaults, interpolation and overrides as a file, but
 * issues name only the key (there are no lines). The object is not
 * modified.
 *
 * @throws {@link ConfigError}
 * @example
 * ```ts
 * const { config } = validateConfigObject({
 *   orchestration: { mode: 'sequential', sequential_agents: ['a'] },
 *   agents: { a: { system_prompt: 'You are a.' } },
 * }, { env: {} });
 * config.agents.a.enabled; // true
 * ```
 */
export function validateConfigObject(obj: unknown, options: ValidateOptions = {}): LoadedConfig {
  return check(obj, { env: options.env ?? process.env, lenient: options.lenient });
}

/**
 * Checks that every declared, enabled agent that gets no code handler (so
 * it will run as an LLM agent) has a non-empty `system_prompt`. Agents named
 * in `codeAgentNames` need none. Accepts a config returned by this module
 * (issues then carry file and line) or the whole {@link LoadedConfig}.
 *
 * @throws {@link ConfigError} with one issue (key `agents.NAME.system_prompt`) per agent missing a prompt
 * @example
 * ```ts
 * const { config } = loadConfigSync('agentflow.toml');
 * validateLlmAgents(config, ['data_processor']); // every other enabled agent needs a system_prompt
 * ```
 */
export function validateLlmAgents(config: AgentflowConfig | LoadedConfig, codeAgentNames: readonly string[], codeToolNames?: readonly string[]): void {
  const loaded = isLoaded(config) ? config : undefined;
  const c = loaded ? loaded.config : (config as AgentflowConfig);
  const src = sources.get(c);
  const file = loaded?.file ?? src?.file;
  const code = new Set(codeAgentNames);
  const issues: ConfigIssue[] = [];
  for (const [name, a] of Object.entries(c.agents ?? {})) {
    if (a.enabled === false || code.has(name)) continue;
    if (typeof a.system_prompt === 'string' && a.system_prompt.trim() !== '') continue;
    const key = `agents.${name}.system_prompt`;
    issues.push(
      clean({
        file,
        ...position(src?.locator, src?.locator?.get(key) ? key : `agents.${name}`),
        key,
        message: `agent "${name}" has no code handler, so it runs as an LLM agent and needs a system_prompt (or register a handler named "${name}")`,
        expected: 'a non-empty string',
        received: a.system_prompt === undefined ? undefined : `string ${JSON.stringify(a.system_prompt)}`,
        code: ErrorCodes.CONFIG_INVALID,
      }),
    );
  }
  // An LLM agent's provider must exist now (built in, or registered by the agents module): fail at validation, not at the first run.
  const known = listProviders();
  const reported = new Set<string>();
  for (const [name, a] of Object.entries(c.agents ?? {})) {
    if (a.enabled === false || code.has(name)) continue;
    const provider = resolveAgentLlm(c, name).provider;
    if (known.includes(provider)) continue;
    const own = (a as { llm?: { provider?: string } }).llm?.provider !== undefined;
    const key = own ? `agents.${name}.llm.provider` : c.llm?.provider !== undefined ? 'llm.provider' : 'agent_flow.provider';
    if (reported.has(key)) continue;
    reported.add(key);
    issues.push(
      clean({
        file,
        ...position(src?.locator, key),
        key,
        message: `unknown LLM provider "${provider}" (used by agent "${name}")${didYouMean(provider, known)}; built in: ${KNOWN_PROVIDERS.join(', ')}; a custom provider must be registered with registerProvider() in the agents module`,
        expected: known.join('|'),
        received: `string ${JSON.stringify(provider)}`,
        code: ErrorCodes.CONFIG_INVALID,
      }),
    );
  }
  // Code tools an LLM agent names must be given (MCP tools, `server.tool`, were checked against [[mcp.servers]]).
  const servers = new Set((c.mcp?.servers ?? []).map((s) => s.name));
  if (codeToolNames !== undefined) {
    for (const [name, a] of Object.entries(c.agents ?? {})) {
      if (a.enabled === false || code.has(name)) continue;
      (a.tools ?? []).forEach((t, i) => {
        if (codeToolNames.includes(t) || (t.includes('.') && servers.has(t.slice(0, t.indexOf('.'))))) return;
        const key = `agents.${name}.tools.${i}`;
        issues.push(
          clean({
            file,
            ...position(src?.locator, key),
            key,
            message: `agent "${name}" names tool "${t}", which is neither a tool given in code (${codeToolNames.join(', ') || 'none given'})${didYouMean(t, codeToolNames)} nor "<server>.<tool>" of an [[mcp.servers]] entry; give it with the tools option or the agents module's \`tools\` export`,
            code: ErrorCodes.TOOL_INVALID,
          }),
        );
      });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues, file, loaded?.warnings);
}

/** Line of a key, and its column when the line alone does not pin it down. */
function position(locator: KeyLocator | undefined, path: string): { line?: number; column?: number } {
  const p = locator?.get(path) ?? locator?.nearest(path);
  if (!locator || !p) return {};
  return locator.startsLine(p) ? { line: p.line } : { line: p.line, column: p.column };
}

function isLoaded(x: AgentflowConfig | LoadedConfig): x is LoadedConfig {
  return typeof x === 'object' && x !== null && 'config' in x && 'warnings' in x && Array.isArray((x as LoadedConfig).warnings);
}

function clean<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

const isPlain = (v: object): boolean => {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

/** A deep copy made of fresh plain objects, without the keys that could reach a prototype. */
function sanitize(v: unknown, path: string, r: Reporter, seen: WeakSet<object>): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (seen.has(v)) {
    r.error(path || '(root)', 'refers to itself (a circular reference)');
    return undefined;
  }
  if (Array.isArray(v)) {
    seen.add(v);
    const out = v.map((x, i) => sanitize(x, path ? `${path}.${i}` : String(i), r, seen));
    seen.delete(v);
    return out;
  }
  if (!isPlain(v)) return v; // a date-time, or a class instance the schema will reject
  seen.add(v);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const p = path ? `${path}.${k}` : k;
    if (FORBIDDEN.has(k)) {
      r.error(p, `the key "${k}" is not allowed (it could reach JavaScript object prototypes); rename it`, { received: JSON.stringify(k) });
      continue;
    }
    out[k] = sanitize((v as Record<string, unknown>)[k], p, r, seen);
  }
  seen.delete(v);
  return out;
}

const lineOrder = (a: { line?: number }, b: { line?: number }) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER);

/** Tables and arrays nest at most this deep (a config bomb must fail typed, not overflow the stack). */
const MAX_DEPTH = 64;

function tooDeep(file: string | undefined, key: string): ConfigError {
  return new ConfigError([clean({ file, key, message: `the configuration nests deeper than ${MAX_DEPTH} levels`, code: ErrorCodes.CONFIG_INVALID })], file);
}

/** The first path deeper than MAX_DEPTH, found without recursion. */
function depthViolation(root: unknown): string | undefined {
  const stack: Array<{ v: unknown; path: string[] }> = [{ v: root, path: [] }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (path.length > MAX_DEPTH) return `${path.slice(0, 8).join('.')}.…`;
    for (const [k, child] of Object.entries(v as Record<string, unknown>)) if (child !== null && typeof child === 'object') stack.push({ v: child, path: [...path, k] });
  }
  return undefined;
}

function check(input: unknown, ctx: { file?: string; env: Env; locator?: KeyLocator; lenient?: boolean }): LoadedConfig {
  const deep = depthViolation(input);
  if (deep !== undefined) throw tooDeep(ctx.file, deep);
  const issues: ConfigIssue[] = [];
  const warnings: ConfigWarning[] = [];
  let fromEnv = new Map<string, string>();
  // Keys whose interpolation failed: their (empty) value would only add follow-up errors.
  const unresolved = new Set<string>();
  const locate = (path: string) => position(ctx.locator, path);
  const r: Reporter = {
    error(key, message, extra = {}) {
      if (unresolved.has(key)) return;
      const variable = fromEnv.get(key);
      issues.push(
        clean({
          ...(variable === undefined ? { file: ctx.file, ...locate(extra.at ?? key) } : {}),
          key,
          message: variable === undefined ? message : `${message} (the value comes from the environment variable ${variable})`,
          expected: extra.expected,
          received: extra.received,
          code: extra.code ?? (ErrorCodes.CONFIG_INVALID as ErrorCode),
        }),
      );
    },
    warn(key, message, at) {
      warnings.push(clean({ file: ctx.file, ...locate(at ?? key), key, message }));
    },
  };

  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    r.error('(root)', `a configuration must be a table (an object), got ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input}`);
    throw new ConfigError(issues, ctx.file);
  }
  const raw = sanitize(input, '', r, new WeakSet()) as Record<string, unknown>;

  const interpolation = interpolateEnv(raw, ctx.env);
  for (const i of interpolation.issues) r.error(i.key, i.message, { expected: i.expected });
  for (const i of interpolation.issues) unresolved.add(i.key);
  const overrides = applyEnvOverrides(raw, ctx.env);
  fromEnv = overrides.applied;
  // Not from the file: no file or line.
  for (const i of overrides.issues) issues.push(clean({ ...i, code: ErrorCodes.CONFIG_INVALID as ErrorCode }));

  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) reportSchemaIssues(parsed.error.issues, raw, r, interpolation.interpolated);
  reportUnknownKeys(raw, r, { lenient: ctx.lenient ?? ctx.env.AGENTFLOW_LENIENT_CONFIG === '1' });
  crossCheck(raw, r, { env: ctx.env, interpolated: interpolation.interpolated });

  issues.sort(lineOrder);
  warnings.sort(lineOrder);
  if (issues.length > 0 || !parsed.success) throw new ConfigError(issues, ctx.file, warnings);

  const config = parsed.data;
  // [error_routing] max_retries / retry_delay_ms are shorthands for the retry table.
  const rawEr = raw.error_routing as Record<string, unknown> | undefined;
  const rawRetry = rawEr?.retry as Record<string, unknown> | undefined;
  const er = config.error_routing;
  if (er.max_retries !== undefined && rawRetry?.max_retries === undefined) er.retry.max_retries = er.max_retries;
  if (er.retry_delay_ms !== undefined && rawRetry?.base_delay_ms === undefined) er.retry.base_delay_ms = er.retry_delay_ms;

  sources.set(config, { file: ctx.file, locator: ctx.locator });
  return ctx.file === undefined ? { config, warnings } : { config, warnings, file: ctx.file };
}
