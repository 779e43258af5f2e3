/**
 * Every default of agentflow.toml, in one place: the schema's `.default()`s
 * read them from here, `defaultConfig()` returns them, and
 * docs/configuration.md documents the same values. Also the helpers that
 * resolve one agent's effective settings.
 * @module
 */
import type { McpServerConfig } from './config-types.js';
import { ConfigError } from './errors.js';
import type { AgentConfig, AgentflowConfig, AgentflowConfigInput, LlmOverrideConfig, RateLimitConfig, RetryPolicyConfig } from './schema.js';

/**
 * The documented defaults, shaped like the parsed configuration. Keys not
 * listed here have no default (they stay `undefined` when not written).
 *
 * @example
 * ```ts
 * CONFIG_DEFAULTS.runtime.timeout_seconds; // 30
 * CONFIG_DEFAULTS.llm.temperature; // 0.7
 * ```
 */
export const CONFIG_DEFAULTS = {
  agent_flow: { name: 'agentflow' },
  logging: { level: 'info', format: 'json' },
  runtime: {
    max_concurrent_agents: 10,
    timeout_seconds: 30,
    queue_size: 1000,
    max_hops: 10,
    session_ordering: false,
    max_payload_bytes: 1_048_576,
    stop_timeout_seconds: 30,
  },
  llm: { temperature: 0.7, max_tokens: 800, timeout_seconds: 30 },
  agents: {},
  orchestration: { mode: 'route', max_iterations: 5 },
  error_routing: {
    enabled: false,
    enable_circuit_breaker: false,
    circuit_breaker: { failure_threshold: 5, success_threshold: 3, reset_timeout_ms: 30_000, half_open_max_calls: 2 },
    retry: { max_retries: 3, base_delay_ms: 1000, max_delay_ms: 30_000, backoff_factor: 2, enable_jitter: true },
  },
  dead_letter: { enabled: true, max_entries: 10_000, max_file_bytes: 64 * 1024 * 1024 },
  transport: { kind: 'memory', namespace: 'agentflow', partitions: 8, lease_ms: 15_000, max_deliveries: 3, capacity: 10_000, trace_stream: true, trace_entries: 100_000 },
  observability: { otel: false, capture_content: false },
  mcp: { enabled: true, connect_timeout_seconds: 10, call_timeout_seconds: 30, max_restarts: 5, servers: [] as McpServerConfig[] },
  providers: {},
} as const;

/**
 * Defaults of every `[agents.NAME]` table: `enabled` is **true** (in
 * AgenticGoKit it was false).
 *
 * @example
 * ```ts
 * AGENT_DEFAULTS.enabled; // true
 * ```
 */
export const AGENT_DEFAULTS = { enabled: true } as const;

/**
 * What {@link resolveAgentLlm} uses when neither `[llm]`, the agent's
 * `llm` table, `[providers.NAME]` nor `[agent_flow] provider` says: the
 * provider `ollama`, the model `gemma3:1b` (`local` for llama-cpp, which
 * names the model by its `model_path`).
 *
 * @example
 * ```ts
 * LLM_FALLBACKS.provider; // 'ollama'
 * ```
 */
export const LLM_FALLBACKS = { provider: 'ollama', model: 'gemma3:1b', llamaCppModel: 'local' } as const;

/**
 * A fresh configuration holding only the documented defaults: what an empty
 * agentflow.toml parses to.
 *
 * @example
 * ```ts
 * const c = defaultConfig();
 * c.orchestration.mode; // 'route'
 * c.dead_letter.enabled; // true
 * ```
 */
export function defaultConfig(): AgentflowConfig {
  const config: AgentflowConfig = structuredClone(CONFIG_DEFAULTS);
  return config;
}

/**
 * An agent's effective LLM settings: every key present, the three with
 * defaults always set.
 *
 * @example
 * ```ts
 * const llm: ResolvedLlmConfig = resolveAgentLlm(config, 'writer');
 * llm.provider; llm.model; llm.temperature;
 * ```
 */
export type ResolvedLlmConfig = LlmOverrideConfig & {
  provider: string;
  model: string;
  temperature: number;
  max_tokens: number;
  timeout_seconds: number;
};

/**
 * One agent with its defaults filled in and its LLM settings resolved
 * (`[llm]` merged with `[agents.NAME.llm]`).
 *
 * @example
 * ```ts
 * const a: ResolvedAgentConfig = resolveAgentConfig(config, 'writer');
 * if (a.enabled) console.log(a.role, a.llm.model, a.system_prompt);
 * ```
 */
export interface ResolvedAgentConfig {
  name: string;
  /** Defaults to the agent's name. */
  role: string;
  /** Defaults to `""`. */
  description: string;
  system_prompt?: string;
  /** Defaults to `[]`. */
  capabilities: string[];
  /** Defaults to true. */
  enabled: boolean;
  /** Unset: the orchestration's or runtime's timeout applies. */
  timeout_seconds?: number;
  /** Defaults to `{}`. */
  metadata: Record<string, string>;
  llm: ResolvedLlmConfig;
  retry_policy?: RetryPolicyConfig;
  rate_limit?: RateLimitConfig;
  max_concurrency?: number;
}

/** Keys that belong to one provider's endpoint and do not carry over when an agent switches provider. */
const CONNECTION_KEYS = ['model', 'base_url', 'api_key_env', 'api_key', 'model_path', 'threads', 'context_size'] as const;

function defined<T extends object>(o: T | undefined): Partial<T> {
  const out: Partial<T> = {};
  if (!o) return out;
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/**
 * An agent's effective LLM settings. Precedence, lowest first: the built-in
 * fallbacks, `[providers.<provider>]` (its `base_url`, `api_key_env`,
 * `api_key`, `model`, `model_path`), `[llm]`, `[agents.NAME.llm]`. The
 * provider is `[agents.NAME.llm] provider`, else `[llm] provider`, else
 * `[agent_flow] provider`, else `ollama`. When an agent switches to another
 * provider than `[llm]`'s, `[llm]`'s endpoint keys (`model`, `base_url`,
 * `api_key_env`, `api_key`, `model_path`, `threads`, `context_size`) do not
 * carry over; sampling keys (`temperature`, `max_tokens`...) do. An agent
 * that is not declared gets `[llm]`'s settings.
 *
 * @example
 * ```ts
 * const { config } = parseConfig('[llm]\nmodel = "base"\ntemperature = 0\n[agents.a]\nsystem_prompt = "s"\n[agents.a.llm]\nmodel = "special"\n');
 * resolveAgentLlm(config, 'a'); // { provider: 'ollama', model: 'special', temperature: 0, max_tokens: 800, timeout_seconds: 30 }
 * ```
 */
export function resolveAgentLlm(config: AgentflowConfig | AgentflowConfigInput, agentName: string): ResolvedLlmConfig {
  const agents = (config.agents ?? {}) as Record<string, { llm?: LlmOverrideConfig } | undefined>;
  return resolveLlmOverride(config, Object.prototype.hasOwnProperty.call(agents, agentName) ? (agents[agentName]?.llm ?? {}) : {});
}

/**
 * LLM settings from `own` (a table of `[llm]` keys, such as
 * `[agents.NAME.llm]` or `[agent_memory.embedding]`) over `[llm]`, by the
 * rules of {@link resolveAgentLlm}.
 *
 * @example
 * ```ts
 * resolveLlmOverride(config, { model: 'nomic-embed-text' }).model; // 'nomic-embed-text'
 * ```
 */
export function resolveLlmOverride(config: AgentflowConfig | AgentflowConfigInput, own: LlmOverrideConfig): ResolvedLlmConfig {
  const base: LlmOverrideConfig = config.llm ?? {};
  const baseProvider = base.provider ?? config.agent_flow?.provider ?? LLM_FALLBACKS.provider;
  const provider = own.provider ?? baseProvider;
  const inherited: LlmOverrideConfig = { ...base };
  if (provider !== baseProvider) for (const k of CONNECTION_KEYS) delete inherited[k];
  const providers = (config.providers ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const table = Object.prototype.hasOwnProperty.call(providers, provider) ? (providers[provider] ?? {}) : {};
  const fromTable: LlmOverrideConfig = {};
  for (const k of ['base_url', 'api_key_env', 'api_key', 'model', 'model_path'] as const) {
    const v = table[k];
    if (typeof v === 'string') fromTable[k] = v;
  }
  const merged = { ...defined(fromTable), ...defined(inherited), ...defined(own) };
  return {
    ...merged,
    provider,
    model: merged.model ?? (provider === 'llama-cpp' ? LLM_FALLBACKS.llamaCppModel : LLM_FALLBACKS.model),
    temperature: merged.temperature ?? CONFIG_DEFAULTS.llm.temperature,
    max_tokens: merged.max_tokens ?? CONFIG_DEFAULTS.llm.max_tokens,
    timeout_seconds: merged.timeout_seconds ?? CONFIG_DEFAULTS.llm.timeout_seconds,
  };
}

/**
 * One declared agent, defaults filled in and LLM settings resolved with
 * {@link resolveAgentLlm}.
 *
 * @throws {@link ConfigError} (key `agents.NAME`) when the agent is not declared
 * @example
 * ```ts
 * const { config } = loadConfigSync('examples/config/message-passing-system.toml');
 * const a = resolveAgentConfig(config, 'data_analyzer');
 * a.role; // 'analyzer'
 * a.llm.model; // 'gemma3:1b'
 * ```
 */
export function resolveAgentConfig(config: AgentflowConfig, agentName: string): ResolvedAgentConfig {
  const agents = config.agents ?? {};
  const a = Object.prototype.hasOwnProperty.call(agents, agentName) ? agents[agentName] : undefined;
  if (a === undefined) {
    const declared = Object.keys(agents);
    throw new ConfigError([{ key: `agents.${agentName}`, message: `agent "${agentName}" is not declared under [agents] (declared: ${declared.join(', ') || 'none'})` }]);
  }
  return {
    name: agentName,
    role: a.role ?? agentName,
    description: a.description ?? '',
    system_prompt: a.system_prompt,
    capabilities: [...(a.capabilities ?? [])],
    enabled: a.enabled ?? AGENT_DEFAULTS.enabled,
    timeout_seconds: a.timeout_seconds,
    metadata: { ...(a.metadata ?? {}) },
    llm: resolveAgentLlm(config, agentName),
    retry_policy: a.retry_policy,
    rate_limit: a.rate_limit,
    max_concurrency: a.max_concurrency,
  };
}

/**
 * An agent's table with `enabled` (true unless set false) and
 * `capabilities` (`[]`) filled in; for tables that did not come through the
 * schema.
 *
 * @example
 * ```ts
 * agentWithDefaults({ role: 'x' }).enabled; // true
 * ```
 */
export function agentWithDefaults(a: Partial<AgentConfig>): AgentConfig & { enabled: boolean; capabilities: string[] } {
  return { ...a, capabilities: a.capabilities ?? [], enabled: a.enabled ?? AGENT_DEFAULTS.enabled };
}
