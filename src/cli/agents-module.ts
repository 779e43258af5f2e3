/**
 * Finding and loading the code agents a CLI flow uses.
 * @module
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Agent, AgentHandler, AgentHandlerFn } from '../core/agent.js';
import type { Tool } from '../agents/tools/tool.js';
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
  return (await loadFlowCode(path)).agents;
}

/**
 * What an agents module gives a flow: its agents, and the tools its
 * `tools` export lists (an array of `defineTool` results) for
 * `[agents.NAME] tools = ["name"]`.
 *
 * @example
 * ```ts
 * // agents.mjs
 * export const tools = [defineTool({ name: 'weather', description: '…', input: z.object({ city: z.string() }), run: ({ city }) => lookup(city) })];
 * export const reporter = (ctx, ev, state) => state;
 * ```
 */
export interface FlowCode {
  agents: CodeAgents;
  tools: Tool<never, unknown>[];
}

/**
 * Imports an agents module: its agents (as {@link loadAgentsModule}) and its `tools` export.
 * @throws {@link AgentflowError} (`AF_ERR_INVALID_AGENT`) when the module cannot be loaded, `AF_ERR_TOOL_INVALID` when `tools` is not a list of tools
 * @example
 * ```ts
 * const { agents, tools } = await loadFlowCode('agents.mjs');
 * ```
 */
export async function loadFlowCode(path: string): Promise<FlowCode> {
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
    if (name === 'tools' || isTool(v)) return;
    if (typeof v === 'function' || (v !== null && typeof v === 'object' && (typeof (v as AgentHandler).run === 'function' || typeof (v as Agent).handleEvent === 'function'))) {
      out[name] = v as AgentHandler;
    }
  };
  const def = mod.default;
  if (def !== null && typeof def === 'object') for (const [k, v] of Object.entries(def)) add(k, v);
  for (const [k, v] of Object.entries(mod)) if (k !== 'default') add(k, v);
  const raw = mod.tools ?? (def !== null && typeof def === 'object' ? (def as Record<string, unknown>).tools : undefined);
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : typeof raw === 'object' && raw !== null ? Object.values(raw) : [raw];
  list.forEach((t, i) => {
    if (!isTool(t)) throw new AgentflowError(ErrorCodes.TOOL_INVALID, `the \`tools\` export of ${path} must list tools made with defineTool(); item ${i} is not one`, { details: { file: path, key: `tools.${i}` } });
  });
  return { agents: out, tools: list as Tool<never, unknown>[] };
}

function isTool(v: unknown): v is Tool<never, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const t = v as Partial<Tool<never, unknown>>;
  return typeof t.name === 'string' && typeof t.description === 'string' && typeof t.parse === 'function' && typeof t.run === 'function' && typeof t.parameters === 'object';
}
