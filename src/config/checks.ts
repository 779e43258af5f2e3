/**
 * The checks zod cannot express: schema issues turned into readable
 * {@link ConfigIssue}s, unknown keys as warnings, cross-field rules, secrets.
 * They all run on the raw (sanitised, interpolated) object, so that every
 * problem is reported at once even when the schema fails.
 * @module
 */
import { z } from 'zod';
import { ErrorCodes, type ErrorCode } from '../core/errors.js';
import type { Env } from './env.js';
import { CONFIG_MODES, ConfigSchema, ERROR_CATEGORIES, ERROR_SEVERITIES } from './schema.js';

/**
 * Where the checks send what they find; the loader adds file, line and
 * column. `at` is the dotted path to locate when it differs from `key`.
 *
 * @example
 * ```ts
 * const r: Reporter = { error: (key, message) => console.error(key, message), warn: (key, message) => console.warn(key, message) };
 * ```
 */
export interface Reporter {
  error(key: string, message: string, extra?: { at?: string; expected?: string; received?: string; code?: ErrorCode }): void;
  warn(key: string, message: string, at?: string): void;
}

type Table = Record<string, unknown>;

const isTable = (v: unknown): v is Table => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);
const tableAt = (t: unknown, k: string): Table | undefined => (isTable(t) && isTable(t[k]) ? t[k] : undefined);
const strAt = (t: Table | undefined, k: string): string | undefined => (t && typeof t[k] === 'string' ? t[k] : undefined);

export { describeValue, suggest, didYouMean } from './suggest.js';
import { describeValue, didYouMean } from './suggest.js';
import { redactText } from '../core/redact.js';

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** Stands for a value that must not be shown (it came from the environment). */
const HIDDEN = Symbol('hidden');

const TYPE_WORDS: Record<string, string> = { object: 'table', record: 'table', int: 'integer', array: 'array', string: 'string', number: 'number', boolean: 'boolean' };

const MODE_LIST = CONFIG_MODES.map((m) => (m === 'parallel' ? 'parallel (alias of collaborative)' : m)).join(', ');

/**
 * Reports every zod issue as a readable problem: the key, what was expected,
 * what was found, and a "did you mean" hint for misspelt choices. An unknown
 * `[orchestration] mode` carries the code `AF_ERR_UNKNOWN_ORCHESTRATION_MODE`.
 *
 * @example
 * ```ts
 * const r = ConfigSchema.safeParse(raw);
 * if (!r.success) reportSchemaIssues(r.error.issues, raw, reporter);
 * ```
 */
export function reportSchemaIssues(issues: readonly z.core.$ZodIssue[], raw: unknown, r: Reporter, fromEnv: ReadonlySet<string> = new Set()): void {
  for (const i of issues) {
    const key = i.path.map(String).join('.') || '(root)';
    // A value from ${ENV} may be a secret: never echoed; a literal is shown without credentials or keys.
    const hidden = fromEnv.has(key);
    const value = hidden ? HIDDEN : valueAt(raw, i.path);
    const shown = describeValue(value);
    const got = hidden ? 'a value from the environment (not shown)' : shown === undefined ? shown : redactText(shown);
    switch (i.code) {
      case 'invalid_type': {
        const exp = TYPE_WORDS[i.expected] ?? i.expected;
        if (value === undefined) r.error(key, `is required (${exp})`, { expected: exp });
        else r.error(key, `expected ${exp}, got ${got}`, { expected: exp, received: got });
        break;
      }
      case 'invalid_value': {
        const values = i.values.map(String);
        if (key === 'orchestration.mode') {
          r.error(key, `unknown orchestration mode ${hidden ? got : JSON.stringify(value)}: expected one of ${MODE_LIST}${typeof value === 'string' ? didYouMean(value, values) : ''}`, {
            expected: values.join('|'),
            received: got,
            code: ErrorCodes.UNKNOWN_ORCHESTRATION_MODE,
          });
        } else {
          r.error(key, `expected one of ${values.map((v) => JSON.stringify(v)).join(', ')}, got ${got}${typeof value === 'string' ? didYouMean(value, values) : ''}`, { expected: values.join('|'), received: got });
        }
        break;
      }
      case 'too_small':
      case 'too_big': {
        const small = i.code === 'too_small';
        const bound = Number(small ? (i as { minimum: number | bigint }).minimum : (i as { maximum: number | bigint }).maximum);
        if (i.origin === 'string' || i.origin === 'array') {
          if (small && bound === 1) r.error(key, 'must not be empty', { expected: 'non-empty', received: got });
          else r.error(key, `must have ${small ? 'at least' : 'at most'} ${bound} ${i.origin === 'string' ? 'characters' : 'items'}`, { received: got });
        } else {
          const op = small ? (i.inclusive ? '>=' : '>') : i.inclusive ? '<=' : '<';
          const words = small ? (i.inclusive ? 'at least' : 'greater than') : i.inclusive ? 'at most' : 'less than';
          r.error(key, `must be ${words} ${bound}, got ${hidden ? got : String(value)}`, { expected: `${op} ${bound}`, received: got });
        }
        break;
      }
      case 'invalid_format':
        r.error(key, `${i.message}, got ${got}`, { expected: i.format, received: got });
        break;
      case 'unrecognized_keys': {
        const last = i.path[i.path.length - 1];
        const allowed: readonly string[] = last === 'category_handlers' ? ERROR_CATEGORIES : last === 'severity_handlers' ? ERROR_SEVERITIES : [];
        const what = last === 'category_handlers' ? 'error category' : last === 'severity_handlers' ? 'severity' : 'key';
        for (const k of i.keys) {
          r.error(`${key}.${k}`, `unknown ${what} "${k}"${allowed.length ? `: expected one of ${allowed.join(', ')}${didYouMean(k, allowed)}` : ''}`, { expected: allowed.join('|') || undefined });
        }
        break;
      }
      case 'invalid_key':
        r.error(key, `invalid name ${JSON.stringify(String(i.path[i.path.length - 1] ?? ''))}: names must not be empty`);
        break;
      case 'invalid_union': {
        const expected = new Set<string>();
        for (const branch of i.errors) for (const e of branch) if (e.code === 'invalid_type') expected.add(TYPE_WORDS[e.expected] ?? e.expected);
        const list = [...expected];
        const text = list.length > 1 ? `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]!}` : list.length === 1 ? list[0]! : 'another value';
        r.error(key, `expected ${text}, got ${got}`, { expected: list.join('|'), received: got });
        break;
      }
      default:
        r.error(key, i.message, { received: got });
    }
  }
}

/** A node of the configuration's JSON Schema (zod's public `toJSONSchema`). */
interface JsonSchemaNode {
  properties?: Record<string, JsonSchemaNode>;
  additionalProperties?: boolean | JsonSchemaNode;
  items?: JsonSchemaNode;
  anyOf?: JsonSchemaNode[];
  oneOf?: JsonSchemaNode[];
}

let configJsonSchema: JsonSchemaNode | undefined;
function schemaTree(): JsonSchemaNode {
  configJsonSchema ??= z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  return configJsonSchema;
}

/** The branch of a union that describes tables (or the node itself). */
function tableBranch(n: JsonSchemaNode): JsonSchemaNode {
  for (const alt of [...(n.anyOf ?? []), ...(n.oneOf ?? [])]) if (alt.properties !== undefined || typeof alt.additionalProperties === 'object') return alt;
  return n;
}

/** AgenticGoKit keys that agentflow recognises but does not support (path pattern, `*` for a name). */
const GO_ONLY: Record<string, string> = {
  'logging.file_only': 'log rotation is not built in; point `file` at a path and rotate it outside',
  'logging.max_size': 'log rotation is not built in',
  'logging.max_backups': 'log rotation is not built in',
  'logging.max_age': 'log rotation is not built in',
  'logging.compress': 'log rotation is not built in',
  'agents.*.auto_llm': 'every enabled agent without a code handler is an LLM agent',
};

/**
 * Warns about every key the schema does not know, naming it and its table,
 * with a "did you mean" hint; AgenticGoKit-only keys get their own
 * explanation. Free-form tables (`metadata`, `[providers.NAME]`) and the
 * unsupported sections are not descended into.
 *
 * @example
 * ```ts
 * reportUnknownKeys({ llm: { temprature: 0 } }, reporter); // warns: llm.temprature: unknown key "temprature" in [llm]; it is ignored (did you mean "temperature"?)
 * ```
 */
export function reportUnknownKeys(raw: unknown, r: Reporter, options: { lenient?: boolean } = {}): void {
  // Strict by default (a misspelt section silently changes the flow); lenient keeps them as warnings.
  const unknown = (key: string, message: string): void => (options.lenient ? r.warn(key, `${message}; it is ignored`) : r.error(key, `${message} (pass --lenient or set AGENTFLOW_LENIENT_CONFIG=1 to ignore unknown keys)`));
  const walk = (v: unknown, node: JsonSchemaNode, path: string[], pattern: string[]): void => {
    const d = tableBranch(node);
    if (d.properties !== undefined && isTable(v)) {
      const shape = d.properties;
      const free = typeof d.additionalProperties === 'object' || d.additionalProperties === true;
      for (const [k, child] of Object.entries(v)) {
        const p = [...path, k];
        const key = p.join('.');
        if (Object.prototype.hasOwnProperty.call(shape, k)) {
          walk(child, shape[k]!, p, [...pattern, k]);
          continue;
        }
        if (free) continue;
        const go = GO_ONLY[[...pattern, k].join('.')];
        if (go !== undefined) r.warn(key, `"${k}" is an AgenticGoKit setting that agentflow does not support (${go}); it is ignored`);
        else if (path.length === 0) unknown(key, `unknown section [${k}]${didYouMean(k, Object.keys(shape)).replace(/"([^"]+)"/, '[$1]')}`);
        else unknown(key, `unknown key "${k}" in [${path.join('.')}]${didYouMean(k, Object.keys(shape))}`);
      }
    } else if (typeof d.additionalProperties === 'object' && isTable(v)) {
      const each = d.additionalProperties;
      for (const [k, child] of Object.entries(v)) walk(child, each, [...path, k], [...pattern, '*']);
    } else if (d.items !== undefined && Array.isArray(v)) {
      const each = d.items;
      v.forEach((child, i) => walk(child, each, [...path, String(i)], [...pattern, '*']));
    }
  };
  walk(raw, schemaTree(), [], []);
}

/**
 * The cross-field rules, reported all at once:
 * - `sequential` needs `sequential_agents`, `loop` needs `loop_agent`,
 *   `mixed` needs `collaborative_agents` or `sequential_agents`;
 * - every agent named in `sequential_agents`, `collaborative_agents`,
 *   `loop_agent`, `error_handler_name`, `category_handlers` and
 *   `severity_handlers` is declared under `[agents]` (a disabled one is a
 *   warning);
 * - provider `llama-cpp` has a `model_path`;
 * - retry `base_delay_ms` is not above `max_delay_ms`;
 * - warnings: a literal `api_key` (the key belongs in the environment,
 *   named by `api_key_env`), `api_key_env` naming an unset variable,
 *   `openai` without any key, settings the chosen mode ignores.
 *
 * @example
 * ```ts
 * crossCheck({ orchestration: { mode: 'sequential' } }, reporter, { env: {}, interpolated: new Set() });
 * // error: orchestration.sequential_agents: mode "sequential" requires sequential_agents ...
 * ```
 */
export function crossCheck(raw: Table, r: Reporter, ctx: { env: Env; interpolated: ReadonlySet<string> }): void {
  const agents = tableAt(raw, 'agents') ?? {};
  const declared = Object.keys(agents);
  const declaredList = declared.join(', ') || 'none';
  const refer = (key: string, at: string, name: unknown): void => {
    if (typeof name !== 'string' || name === '') return; // the schema reports the type
    if (!Object.prototype.hasOwnProperty.call(agents, name)) {
      r.error(key, `names agent "${name}", which is not declared under [agents] (declared: ${declaredList})${didYouMean(name, declared)}`, { at, received: JSON.stringify(name) });
    } else if (isTable(agents[name]) && (agents[name] as Table).enabled === false) {
      r.warn(key, `names agent "${name}", which is disabled (enabled = false)`, at);
    }
  };

  // [agents.NAME] next (which agents nothing reaches is checked once the code agents are known: unreachableAgents), handoffs
  for (const [name, a] of Object.entries(agents)) {
    if (!isTable(a)) continue;
    if (a.next !== undefined) refer(`agents.${name}.next`, `agents.${name}.next`, a.next);
    if (Array.isArray(a.handoffs)) a.handoffs.forEach((h, i) => refer(`agents.${name}.handoffs`, `agents.${name}.handoffs.${i}`, h));
  }
  checkMcp(raw, r);

  // [orchestration]
  const o = tableAt(raw, 'orchestration');
  if (o) {
    const mode = o.mode === undefined ? 'route' : o.mode;
    const known = typeof mode === 'string' && (CONFIG_MODES as readonly string[]).includes(mode);
    const seq = o.sequential_agents;
    const col = o.collaborative_agents;
    const listed = (v: unknown) => Array.isArray(v) && v.length > 0;
    const modeAt = o.mode === undefined ? 'orchestration' : 'orchestration.mode';
    if (known) {
      if (mode === 'sequential' && !listed(seq) && (seq === undefined || Array.isArray(seq))) {
        r.error('orchestration.sequential_agents', 'mode "sequential" requires sequential_agents, the agents to run in order: sequential_agents = ["first", "second"]', { at: seq === undefined ? modeAt : undefined, expected: 'a non-empty array of agent names' });
      }
      if (mode === 'loop' && o.loop_agent === undefined) {
        r.error('orchestration.loop_agent', 'mode "loop" requires loop_agent, the agent to repeat: loop_agent = "name"', { at: modeAt, expected: 'an agent name' });
      }
      if (mode === 'mixed' && !listed(seq) && !listed(col) && (seq === undefined || Array.isArray(seq)) && (col === undefined || Array.isArray(col))) {
        r.error('orchestration.mode', 'mode "mixed" requires collaborative_agents (run together first), sequential_agents (then in order), or both');
      }
      const ignored = (k: string, modes: readonly string[]) => {
        if (o[k] !== undefined && !modes.includes(mode as string)) r.warn(`orchestration.${k}`, `${k} is ignored in mode "${String(mode)}" (it is used by ${modes.join(', ')})`);
      };
      ignored('sequential_agents', ['sequential', 'mixed']);
      ignored('collaborative_agents', ['collaborative', 'parallel', 'mixed']);
      ignored('loop_agent', ['loop']);
      ignored('max_iterations', ['loop']);
    }
    for (const k of ['sequential_agents', 'collaborative_agents'] as const) {
      const list = o[k];
      if (Array.isArray(list)) list.forEach((name, i) => refer(`orchestration.${k}`, `orchestration.${k}.${i}`, name));
    }
    refer('orchestration.loop_agent', 'orchestration.loop_agent', o.loop_agent);
  }

  // [error_routing]
  const er = tableAt(raw, 'error_routing');
  if (er) {
    refer('error_routing.error_handler_name', 'error_routing.error_handler_name', er.error_handler_name);
    for (const m of ['category_handlers', 'severity_handlers'] as const) {
      const t = tableAt(er, m);
      if (t) for (const [k, name] of Object.entries(t)) refer(`error_routing.${m}.${k}`, `error_routing.${m}.${k}`, name);
    }
    const retry = tableAt(er, 'retry');
    for (const [short, long] of [
      ['max_retries', 'max_retries'],
      ['retry_delay_ms', 'base_delay_ms'],
    ] as const) {
      if (er[short] !== undefined && retry?.[long] !== undefined && er[short] !== retry[long]) {
        r.warn(`error_routing.${short}`, `both error_routing.${short} and error_routing.retry.${long} are set; [error_routing.retry] ${long} wins`);
      }
    }
  }
  const delays = (t: Table | undefined, path: string) => {
    if (t && typeof t.base_delay_ms === 'number' && typeof t.max_delay_ms === 'number' && t.base_delay_ms > t.max_delay_ms) {
      r.error(`${path}.max_delay_ms`, `max_delay_ms (${t.max_delay_ms}) must not be below base_delay_ms (${t.base_delay_ms})`, { expected: `>= ${t.base_delay_ms}`, received: `number ${t.max_delay_ms}` });
    }
  };
  delays(tableAt(er, 'retry'), 'error_routing.retry');
  for (const [name, a] of Object.entries(agents)) delays(tableAt(a, 'retry_policy'), `agents.${name}.retry_policy`);

  // LLM settings and secrets
  const llm = tableAt(raw, 'llm');
  const providers = tableAt(raw, 'providers') ?? {};
  const providerTable = (p: string | undefined) => (p !== undefined ? tableAt(providers, p) : undefined);
  const flowProvider = strAt(tableAt(raw, 'agent_flow'), 'provider');
  const baseProvider = strAt(llm, 'provider') ?? flowProvider;
  const baseProviderAt = strAt(llm, 'provider') !== undefined ? 'llm.provider' : 'agent_flow.provider';

  const checkEndpoint = (t: Table | undefined, path: string, provider: string | undefined, providerAt: string, inherited: Table | undefined) => {
    const pt = providerTable(provider);
    const has = (k: string) => strAt(t, k) !== undefined || strAt(inherited, k) !== undefined || strAt(pt, k) !== undefined;
    if (provider === 'llama-cpp' && !has('model_path')) {
      r.error(`${path}.model_path`, 'provider "llama-cpp" runs a local GGUF model and needs model_path = "path/to/model.gguf" (relative to this file)', { at: providerAt, expected: 'a path to a .gguf file' });
    }
    if (provider === 'openai' && !has('api_key_env') && !has('api_key') && !has('base_url')) {
      r.warn(providerAt, 'provider "openai" sends no API key: add api_key_env = "OPENAI_API_KEY" (the name of the environment variable that holds the key)');
    }
  };
  if (baseProvider !== undefined) checkEndpoint(llm, 'llm', baseProvider, baseProviderAt, undefined);
  for (const [name, a] of Object.entries(agents)) {
    const al = tableAt(a, 'llm');
    const own = strAt(al, 'provider');
    // An agent that keeps [llm]'s provider inherits its endpoint, already checked above.
    if (al && own !== undefined && own !== baseProvider) checkEndpoint(al, `agents.${name}.llm`, own, `agents.${name}.llm.provider`, undefined);
  }

  const secretTables: [string, Table | undefined][] = [['llm', llm]];
  for (const [name, a] of Object.entries(agents)) secretTables.push([`agents.${name}.llm`, tableAt(a, 'llm')]);
  for (const [name, p] of Object.entries(providers)) secretTables.push([`providers.${name}`, isTable(p) ? p : undefined]);
  for (const [path, t] of secretTables) {
    if (!t) continue;
    const key = strAt(t, 'api_key');
    if (key !== undefined && key !== '' && !ctx.interpolated.has(`${path}.api_key`)) {
      r.warn(`${path}.api_key`, 'a literal api_key in the file is a secret in plain text: keep the key in the environment and write api_key_env = "OPENAI_API_KEY" instead');
    }
    const envName = strAt(t, 'api_key_env');
    if (envName !== undefined && /^[A-Za-z_][A-Za-z0-9_]*$/.test(envName) && (ctx.env[envName] === undefined || ctx.env[envName] === '')) {
      r.warn(`${path}.api_key_env`, `api_key_env names ${envName}, which is not set in the environment`);
    }
  }
}


/**
 * `[mcp]` rules: each server is either stdio (`command`) or HTTP (`url`),
 * names are unique, and an agent's `server.tool` names a declared server.
 */
function checkMcp(raw: Table, r: Reporter): void {
  const mcp = tableAt(raw, 'mcp');
  const list = mcp?.servers;
  const names: string[] = [];
  if (Array.isArray(list)) {
    list.forEach((srv, i) => {
      if (!isTable(srv)) return;
      const at = `mcp.servers.${i}`;
      if (srv.command !== undefined && srv.url !== undefined) r.error(`${at}.url`, 'a server is either stdio (command) or HTTP (url), not both');
      if (srv.command === undefined && srv.url === undefined) r.error(at, 'a server needs command (stdio) or url (streamable HTTP)', { expected: 'command = "node" or url = "http://127.0.0.1:3000/mcp"' });
      if (typeof srv.name === 'string') {
        if (names.includes(srv.name)) r.error(`${at}.name`, `server name "${srv.name}" is used twice`);
        names.push(srv.name);
      }
    });
  }
  const agents = tableAt(raw, 'agents') ?? {};
  for (const [name, a] of Object.entries(agents)) {
    const tools = isTable(a) ? a.tools : undefined;
    if (!Array.isArray(tools)) continue;
    tools.forEach((t, i) => {
      if (typeof t !== 'string' || !t.includes('.')) return; // code tools are checked when the runner is built
      const server = t.slice(0, t.indexOf('.'));
      if (!names.includes(server)) {
        r.error(`agents.${name}.tools`, `names tool "${t}" of MCP server "${server}", which is not declared under [[mcp.servers]] (declared: ${names.join(', ') || 'none'})${didYouMean(server, names)}`, { at: `agents.${name}.tools.${i}`, received: JSON.stringify(t) });
      }
    });
  }
}
