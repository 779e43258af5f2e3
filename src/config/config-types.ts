/**
 * The types of a parsed `agentflow.toml`, inferred from the zod schemas.
 * @module
 */
import type { z } from 'zod';
import type { ConfigSchema, McpServerSchema, AgentSchema, LlmSchema, LlmOverrideSchema, RetryPolicySchema, RateLimitSchema, OrchestrationSchema, ErrorRoutingSchema, ProviderSettingsSchema } from './schema.js';

/**
 * A parsed and validated agentflow.toml, defaults filled in, snake_case keys
 * as in the file.
 *
 * @example
 * ```ts
 * const { config } = parseConfig('[llm]\nmodel = "gemma3:1b"\n');
 * const c: AgentflowConfig = config;
 * c.runtime.timeout_seconds; // 30
 * ```
 */
export type AgentflowConfig = z.output<typeof ConfigSchema>;

/**
 * A configuration as written (every key optional): what
 * `validateConfigObject` and `createRunnerFromConfig` accept.
 *
 * @example
 * ```ts
 * const input: AgentflowConfigInput = { agents: { writer: { system_prompt: 'You write.' } } };
 * ```
 */
export type AgentflowConfigInput = z.input<typeof ConfigSchema>;

/**
 * One parsed `[agents.NAME]` table.
 *
 * @example
 * ```ts
 * const a: AgentConfig = { role: 'writer', system_prompt: 'You write.', enabled: true };
 * ```
 */
export type AgentConfig = z.output<typeof AgentSchema>;

/**
 * The parsed `[llm]` table.
 *
 * @example
 * ```ts
 * const l: LlmConfig = { provider: 'llama-cpp', model_path: 'model.gguf', temperature: 0, max_tokens: 800, timeout_seconds: 30 };
 * ```
 */
export type LlmConfig = z.output<typeof LlmSchema>;

/**
 * A parsed `[agents.NAME.llm]` table.
 *
 * @example
 * ```ts
 * const o: LlmOverrideConfig = { model: 'gemma3:4b' };
 * ```
 */
export type LlmOverrideConfig = z.output<typeof LlmOverrideSchema>;

/**
 * A parsed `[agents.NAME.retry_policy]` table.
 *
 * @example
 * ```ts
 * const r: RetryPolicyConfig = { max_retries: 2, jitter: false };
 * ```
 */
export type RetryPolicyConfig = z.output<typeof RetryPolicySchema>;

/**
 * A parsed `[agents.NAME.rate_limit]` table.
 *
 * @example
 * ```ts
 * const r: RateLimitConfig = { requests_per_second: 5, burst_size: 10 };
 * ```
 */
export type RateLimitConfig = z.output<typeof RateLimitSchema>;

/**
 * The parsed `[orchestration]` table.
 *
 * @example
 * ```ts
 * const o: OrchestrationConfig = { mode: 'sequential', max_iterations: 5, sequential_agents: ['a', 'b'] };
 * ```
 */
export type OrchestrationConfig = z.output<typeof OrchestrationSchema>;

/**
 * The parsed `[error_routing]` table, with its `circuit_breaker` and `retry`
 * sub-tables.
 *
 * @example
 * ```ts
 * const er: ErrorRoutingConfig = loadConfigSync('agentflow.toml').config.error_routing;
 * ```
 */
export type ErrorRoutingConfig = z.output<typeof ErrorRoutingSchema>;

/**
 * One parsed `[providers.NAME]` table.
 *
 * @example
 * ```ts
 * const p: ProviderSettings = { base_url: 'http://127.0.0.1:11434' };
 * ```
 */
export type ProviderSettings = z.output<typeof ProviderSettingsSchema>;

/**
 * One parsed `[[mcp.servers]]` entry.
 *
 * @example
 * ```ts
 * const s: McpServerConfig = { name: 'files', enabled: true, command: 'node', args: ['files-server.mjs'] };
 * ```
 */
export type McpServerConfig = z.output<typeof McpServerSchema>;
