/**
 * The declared flow as a Mermaid flowchart (as LangGraph's `drawMermaid`):
 * agents by kind, the orchestration's edges, error routing and the
 * dead-letter handler.
 * @module
 */
import type { AgentflowConfig } from './config-types.js';

const id = (name: string) => `a_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
const label = (s: string) => s.replace(/"/g, "'");

/**
 * Renders `config` as a Mermaid `flowchart`. `codeAgents` names the agents
 * implemented in code (the others with a system prompt are LLM agents).
 * Route mode has no static edges (each agent's output picks the next):
 * the chart shows the entry and says so.
 *
 * @example
 * ```ts
 * const { config } = await loadConfig('agentflow.toml');
 * console.log(flowToMermaid(config, ['data_processor']));
 * ```
 */
export function flowToMermaid(config: AgentflowConfig, codeAgents: readonly string[] = []): string {
  const o = config.orchestration;
  const agents = Object.entries(config.agents ?? {});
  const lines = ['flowchart LR', '  input(["input"])'];
  for (const [name, a] of agents) {
    const kind = a.enabled === false ? 'disabled' : codeAgents.includes(name) ? 'code' : 'llm';
    const text = `${label(name)}<br/><small>${kind}${a.role ? ` · ${label(a.role)}` : ''}</small>`;
    lines.push(kind === 'llm' ? `  ${id(name)}{{"${text}"}}` : `  ${id(name)}["${text}"]`);
    if (kind === 'disabled') lines.push(`  style ${id(name)} stroke-dasharray: 4 4,opacity:0.5`);
  }
  for (const name of codeAgents) if (!(name in (config.agents ?? {}))) lines.push(`  ${id(name)}["${label(name)}<br/><small>code</small>"]`);
  const mode = o.mode;
  const seq = o.sequential_agents ?? [];
  const col = o.collaborative_agents ?? [];
  if ((mode === 'sequential' || mode === 'mixed') && seq.length) {
    lines.push(`  input --> ${id(seq[0]!)}`);
    for (let i = 1; i < seq.length; i++) lines.push(`  ${id(seq[i - 1]!)} --> ${id(seq[i]!)}`);
  }
  if ((mode === 'collaborative' || mode === 'parallel' || mode === 'mixed') && col.length) {
    const from = mode === 'mixed' && seq.length ? id(seq.at(-1)!) : 'input';
    lines.push('  merge(("merge"))');
    for (const c of col) lines.push(`  ${from} -->|fan-out| ${id(c)}`, `  ${id(c)} --> merge`);
  }
  if (mode === 'loop' && o.loop_agent) {
    lines.push(`  input --> ${id(o.loop_agent)}`, `  ${id(o.loop_agent)} -->|"until done, ≤ ${o.max_iterations ?? '?'}"| ${id(o.loop_agent)}`);
  }
  if (mode === 'route') {
    const entry = agents.find(([, a]) => a.enabled !== false)?.[0] ?? codeAgents[0];
    if (entry) lines.push(`  input --> ${id(entry)}`);
    lines.push('  note["route mode: each agent picks the next one by setting route in its output"]');
  }
  const er = config.error_routing;
  const handlers = new Set<string>();
  if (er.error_handler_name) handlers.add(er.error_handler_name);
  for (const h of Object.values(er.category_handlers ?? {})) if (h) handlers.add(h);
  for (const h of Object.values(er.severity_handlers ?? {})) if (h) handlers.add(h);
  for (const h of handlers) {
    if (!(h in (config.agents ?? {})) && !codeAgents.includes(h)) lines.push(`  ${id(h)}["${label(h)}<br/><small>not declared</small>"]`);
    lines.push(`  errors[/"failed events"/] -.->|error routing| ${id(h)}`);
  }
  if ('dead_letter_handler' in (config.agents ?? {}) || codeAgents.includes('dead_letter_handler')) lines.push(`  dlq[("dead letters")] -.->|forwarded| ${id('dead_letter_handler')}`);
  else if (config.dead_letter.enabled) lines.push(`  dlq[("dead letters${config.dead_letter.file ? `<br/><small>${label(config.dead_letter.file)}</small>` : ''}")]`);
  return lines.join('\n');
}
