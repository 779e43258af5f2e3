/**
 * Every default of agentflow.toml, in one place (docs/configuration.md
 * renders the same table).
 * @module
 */
import type { AgentConfig, AgentflowConfig, LlmConfig } from './schema.js';

/**
 * The documented defaults.
 *
 * @example
 * ```ts
 * CONFIG_DEFAULTS.runtime.timeout_seconds; // 30
 * ```
 */
export const CONFIG_DEFAULTS = {
  agent_flow: { name: 'agentflow', version: '0.1.0' },
  logging: { level: 'info', format: 'json' },
  runtime: { max_concurrent_agents: 10, timeout_seconds: 30, queue_size: 1000, max_hops: 10, session_ordering: false, max_payload_bytes: 0, stop_timeout_seconds: 30 },
  llm: { provider: 'ollama', model: 'gemma3:1b', temperature: 0.7, max_tokens: 800, timeout_seconds: 30 },
  agent: { enabled: true, timeout_seconds: 30, capabilities: [] as string[] },
  orchestration: { mode: 'route', timeout_seconds: 30, max_iterations: 5 },
  error_routing: {
    enabled: false,
    error_handler_name: 'error_handler',
    enable_circuit_breaker: false,
    circuit_breaker: { failure_threshold: 5, success_threshold: 3, reset_timeout_ms: 30_000, half_open_max_calls: 2 },
    retry: { max_retries: 3, base_delay_ms: 1000, max_delay_ms: 30_000, backoff_factor: 2, enable_jitter: true },
  },
  dead_letter: { enabled: true, max_entries: 10_000 },
} as const;

/**
 * The defaults as a config object.
 *
 * @example
 * ```ts
 * const c = defaultConfig();
 * c.orchestration?.mode; // 'route'
 * ```
 */
export function defaultConfig(): AgentflowConfig {
  const d = CONFIG_DEFAULTS;
  return {
    agent_flow: { ...d.agent_flow },
    logging: { ...d.logging },
    runtime: { ...d.runtime },
    llm: { ...d.llm },
    agents: {},
    orchestration: { ...d.orchestration },
    error_routing: { ...d.error_routing, circuit_breaker: { ...d.error_routing.circuit_breaker }, retry: { ...d.error_routing.retry } },
    dead_letter: { ...d.dead_letter },
  };
}

/**
 * An agent's LLM settings: `[llm]` (falling back to `[agent_flow] provider`),
 * overridden by `[agents.NAME.llm]`, with defaults filled in.
 *
 * @example
 * ```ts
 * resolveAgentLlm(config, 'writer').model; // from [agents.writer.llm] or [llm]
 * ```
 */
export function resolveAgentLlm(config: AgentflowConfig, agentName: string): LlmConfig & { provider: string; model: string } {
  const base = config.llm ?? {};
  const own = config.agents?.[agentName]?.llm ?? {};
  const provider = own.provider ?? base.provider ?? config.agent_flow?.provider ?? CONFIG_DEFAULTS.llm.provider;
  return {
    temperature: CONFIG_DEFAULTS.llm.temperature,
    max_tokens: CONFIG_DEFAULTS.llm.max_tokens,
    timeout_seconds: CONFIG_DEFAULTS.llm.timeout_seconds,
    ...base,
    ...own,
    provider,
    model: own.model ?? base.model ?? (provider === 'llama-cpp' ? 'local' : CONFIG_DEFAULTS.llm.model),
  };
}

/**
 * An agent's table with defaults (`enabled` is true unless set false).
 *
 * @example
 * ```ts
 * agentWithDefaults({ role: 'x' }).enabled; // true
 * ```
 */
export function agentWithDefaults(a: AgentConfig): AgentConfig & { enabled: boolean } {
  return { capabilities: [], timeout_seconds: CONFIG_DEFAULTS.agent.timeout_seconds, ...a, enabled: a.enabled ?? true };
}
