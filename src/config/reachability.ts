/**
 * Route mode reachability: LLM agents cannot set `route`, so an LLM agent
 * that no agent names as `next` never runs.
 * @module
 */
import type { AgentflowConfig } from './config-types.js';

/**
 * In route mode, the enabled agents nothing can reach: the entry (the first
 * enabled agent) is reached, and an agent's `next` reaches another. A code
 * agent may route anywhere, so when any enabled agent is code (named in
 * `codeAgents`) nothing is reported.
 *
 * @example
 * ```ts
 * unreachableAgents(config, []); // ['second'] when [agents.first] has no next
 * ```
 */
export function unreachableAgents(config: AgentflowConfig, codeAgents: readonly string[]): string[] {
  if ((config.orchestration?.mode ?? 'route') !== 'route') return [];
  const enabled = Object.entries(config.agents ?? {}).filter(([, a]) => a.enabled !== false);
  if (enabled.length < 2 || enabled.some(([name]) => codeAgents.includes(name))) return [];
  const reached = new Set<string>([enabled[0]![0]]);
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, a] of enabled) {
      if (reached.has(name) && a.next !== undefined && !reached.has(a.next)) {
        reached.add(a.next);
        changed = true;
      }
    }
  }
  return enabled.map(([name]) => name).filter((n) => !reached.has(n));
}

/**
 * The warning for an unreachable agent.
 *
 * @example
 * ```ts
 * for (const n of unreachableAgents(config, [])) console.warn(unreachableMessage(n));
 * ```
 */
export function unreachableMessage(name: string): string {
  return `agent "${name}" never runs in route mode: an LLM agent cannot set route, and no agent has next = "${name}" (set next on the agent before it, or use mode = "sequential")`;
}
