/**
 * Finding and loading the code agents a CLI flow uses.
 * @module
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Agent, AgentHandler, AgentHandlerFn } from '../core/agent.js';
import { AgentflowError, ErrorCodes } from '../core/errors.js';

/**
 * Code agents by name.
 *
 * @example
 * ```ts
 * const agents: CodeAgents = { greeter: (ctx, ev, state) => state };
 * ```
 */
export type CodeAgents = Record<string, AgentHandler | Agent | AgentHandlerFn>;

const CANDIDATES = ['agents.mjs', 'agents.js', 'agents.ts', 'agents.mts'];

/**
 * The agents module for a config: `explicit` if given, else `agents.mjs`,
 * `agents.js` or `agents.ts` beside the config file.
 *
 * @example
 * ```ts
 * findAgentsModule('flows/agentflow.toml'); // 'flows/agents.mjs' if it exists
 * ```
 */
export function findAgentsModule(configFile: string, explicit?: string): string | undefined {
  if (explicit) return resolve(explicit);
  const dir = dirname(resolve(configFile));
  for (const c of CANDIDATES) {
    const p = resolve(dir, c);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/**
 * Imports an agents module: its default export (an object of agents) and
 * its named exports that are functions or agents, by name.
 * `.ts` modules load through tsx when it is installed.
 * @throws {@link AgentflowError} (`AF_ERR_INVALID_AGENT`) when the module cannot be loaded
 * @example
 * ```ts
 * const agents = await loadAgentsModule('agents.mjs');
 * ```
 */
export async function loadAgentsModule(path: string): Promise<CodeAgents> {
  if (!existsSync(path)) throw new AgentflowError(ErrorCodes.INVALID_AGENT, `agents module not found: ${path}`, { details: { file: path } });
  if (/\.m?ts$/.test(path)) {
    try {
      const { register } = (await import('tsx/esm/api')) as { register: () => unknown };
      register();
    } catch {
      // tsx not installed: the import below fails with a clear error
    }
  }
  let mod: Record<string, unknown>;
  try {
    // The modification time in the URL makes a changed file load afresh in a long-lived process.
    const st = statSync(path);
    mod = (await import(`${pathToFileURL(path).href}?v=${st.mtimeMs}-${st.size}`)) as Record<string, unknown>;
  } catch (err) {
    throw new AgentflowError(ErrorCodes.INVALID_AGENT, `cannot load agents module ${path}: ${(err as Error).message}`, { cause: err, details: { file: path } });
  }
  const out: CodeAgents = {};
  const add = (name: string, v: unknown) => {
    if (typeof v === 'function' || (v !== null && typeof v === 'object' && (typeof (v as AgentHandler).run === 'function' || typeof (v as Agent).handleEvent === 'function'))) {
      out[name] = v as AgentHandler;
    }
  };
  const def = mod.default;
  if (def !== null && typeof def === 'object') for (const [k, v] of Object.entries(def)) add(k, v);
  for (const [k, v] of Object.entries(mod)) if (k !== 'default') add(k, v);
  return out;
}
