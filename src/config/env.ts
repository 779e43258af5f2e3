/**
 * The environment's part in a configuration: `${VAR}` / `${VAR:-default}`
 * interpolation in string values, and the `AGENTFLOW_LLM_*` overrides.
 * The environment is always passed in (default `process.env` at the API
 * edge), so tests are hermetic.
 * @module
 */
import type { ConfigIssue } from './errors.js';

/**
 * An environment: variable names to values.
 *
 * @example
 * ```ts
 * const env: Env = { OLLAMA_HOST: 'http://127.0.0.1:11434' };
 * ```
 */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * The result of expanding one string.
 *
 * @example
 * ```ts
 * const r: Interpolated = interpolateString('${HOST:-localhost}', {}); // { value: 'localhost', missing: [] }
 * ```
 */
export interface Interpolated {
  value: string;
  /** Variables that are not set and have no default (replaced by `""`). */
  missing: string[];
  /** Set when the string holds a malformed reference (such as `${1X}` or an unclosed `${`). */
  malformed?: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/**
 * Expands `${VAR}` and `${VAR:-default}` in one string. `${VAR:-default}`
 * uses the default when VAR is unset or empty; defaults may themselves hold
 * references (`${A:-${B:-x}}`), expanded only when used. `$${` writes a
 * literal `${`. Values taken from the environment are not expanded again.
 *
 * @example
 * ```ts
 * interpolateString('http://${HOST:-127.0.0.1}:${PORT}', { PORT: '11434' }).value; // 'http://127.0.0.1:11434'
 * interpolateString('${NOPE}', {}).missing; // ['NOPE']
 * interpolateString('$${LITERAL}', {}).value; // '${LITERAL}'
 * ```
 */
export function interpolateString(input: string, env: Env): Interpolated {
  const missing: string[] = [];
  let malformed: string | undefined;
  const expand = (s: string): string => {
    let out = '';
    let i = 0;
    while (i < s.length) {
      if (s.startsWith('$${', i)) {
        out += '${';
        i += 3;
        continue;
      }
      if (!s.startsWith('${', i)) {
        out += s[i++];
        continue;
      }
      const name = NAME.exec(s.slice(i + 2))?.[0];
      const after = i + 2 + (name?.length ?? 0);
      if (name !== undefined && s[after] === '}') {
        const v = env[name];
        if (v === undefined) missing.push(name);
        out += v ?? '';
        i = after + 1;
        continue;
      }
      if (name !== undefined && s.startsWith(':-', after)) {
        let depth = 0;
        let end = -1;
        for (let k = after + 2; k < s.length; k++) {
          if (s.startsWith('${', k)) {
            depth++;
            k++;
          } else if (s[k] === '}') {
            if (depth === 0) {
              end = k;
              break;
            }
            depth--;
          }
        }
        if (end >= 0) {
          const v = env[name];
          out += v !== undefined && v !== '' ? v : expand(s.slice(after + 2, end));
          i = end + 1;
          continue;
        }
      }
      malformed ??= s.slice(i, Math.min(s.length, i + 30));
      out += s.slice(i);
      break;
    }
    return out;
  };
  const value = expand(input);
  return malformed === undefined ? { value, missing } : { value, missing, malformed };
}

/**
 * Expands references in every string value of a parsed configuration, in
 * place (arrays included, keys never). Returns an issue per missing variable
 * or malformed reference (keyed by the value's dotted path, no location),
 * and the paths of the values that held references.
 *
 * @example
 * ```ts
 * const raw = { llm: { base_url: '${OLLAMA_HOST}' } };
 * const { issues } = interpolateEnv(raw, {}); // [{ key: 'llm.base_url', message: 'environment variable OLLAMA_HOST is not set ...' }]
 * ```
 */
export function interpolateEnv(tree: Record<string, unknown>, env: Env, options: { skip?: readonly string[] } = {}): { issues: ConfigIssue[]; interpolated: Set<string> } {
  const issues: ConfigIssue[] = [];
  const interpolated = new Set<string>();
  const skip = new Set(options.skip ?? []);
  const walk = (node: Record<string, unknown> | unknown[], path: string): void => {
    const entries: [string | number, unknown][] = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
    for (const [k, v] of entries) {
      const p = path ? `${path}.${k}` : String(k);
      if (skip.has(p)) continue;
      if (typeof v === 'string') {
        if (!v.includes('${')) continue;
        const r = interpolateString(v, env);
        interpolated.add(p);
        (node as Record<string | number, unknown>)[k] = r.value;
        for (const name of new Set(r.missing)) {
          issues.push({ key: p, message: `environment variable ${name} is not set (write \${${name}:-default} to give a fallback)`, expected: `${name} in the environment` });
        }
        if (r.malformed !== undefined) {
          issues.push({ key: p, message: `malformed variable reference "${r.malformed}": write \${NAME} or \${NAME:-default} (and $\${ for a literal \${)` });
        }
      } else if (v !== null && typeof v === 'object' && (Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype)) {
        walk(v as Record<string, unknown> | unknown[], p);
      }
    }
  };
  walk(tree, '');
  return { issues, interpolated };
}

/**
 * The `AGENTFLOW_LLM_*` environment overrides and the `[llm]` key each one
 * replaces.
 *
 * @example
 * ```ts
 * ENV_OVERRIDES.map((o) => o.variable); // ['AGENTFLOW_LLM_PROVIDER', 'AGENTFLOW_LLM_MODEL', ...]
 * ```
 */
export const ENV_OVERRIDES = [
  { variable: 'AGENTFLOW_LLM_PROVIDER', key: 'provider', type: 'string' },
  { variable: 'AGENTFLOW_LLM_MODEL', key: 'model', type: 'string' },
  { variable: 'AGENTFLOW_LLM_TEMPERATURE', key: 'temperature', type: 'number' },
  { variable: 'AGENTFLOW_LLM_MAX_TOKENS', key: 'max_tokens', type: 'number' },
  { variable: 'AGENTFLOW_LLM_TIMEOUT_SECONDS', key: 'timeout_seconds', type: 'number' },
] as const;

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Applies the set (non-empty) `AGENTFLOW_LLM_*` variables to the `[llm]`
 * table of a parsed configuration, in place, before validation (so their
 * values are validated like the file's). Returns an issue per variable that
 * is not a number where one is needed, and which `[llm]` keys came from
 * which variable.
 *
 * @example
 * ```ts
 * const raw: Record<string, unknown> = { llm: { model: 'a' } };
 * applyEnvOverrides(raw, { AGENTFLOW_LLM_MODEL: 'b' }).applied; // Map { 'llm.model' => 'AGENTFLOW_LLM_MODEL' }
 * ```
 */
export function applyEnvOverrides(raw: Record<string, unknown>, env: Env): { issues: ConfigIssue[]; applied: Map<string, string> } {
  const issues: ConfigIssue[] = [];
  const applied = new Map<string, string>();
  for (const o of ENV_OVERRIDES) {
    const v = env[o.variable];
    if (v === undefined || v.trim() === '') continue;
    const key = `llm.${o.key}`;
    let value: string | number = v.trim();
    if (o.type === 'number') {
      if (!NUMBER.test(value)) {
        issues.push({ key, message: `${o.variable}="${v}" is not a number`, expected: 'number', received: `string ${JSON.stringify(v)}` });
        continue;
      }
      value = Number(value);
    }
    const current = raw.llm;
    if (current === undefined) raw.llm = {};
    else if (current === null || typeof current !== 'object' || Array.isArray(current)) continue; // [llm] itself is invalid; the schema reports it
    (raw.llm as Record<string, unknown>)[o.key] = value;
    applied.set(key, o.variable);
  }
  return { issues, applied };
}
