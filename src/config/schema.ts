/**
 * The agentflow.toml schema (zod). Keys keep the file's snake_case, so the
 * parsed object maps 1:1 to the file. Defaults live in defaults.ts.
 * @module
 */
import { z } from 'zod';

const posInt = z.number().int().positive();
const nonNegInt = z.number().int().nonnegative();
const stringMap = z.record(z.string(), z.string());

/**
 * LLM settings: `[llm]`, `[agents.NAME.llm]`.
 *
 * @example
 * ```ts
 * LlmSchema.parse({ provider: 'ollama', model: 'gemma3:1b', temperature: 0 });
 * ```
 */
export const LlmSchema = z.object({
  provider: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  temperature: z.number().min(0).max(2).optional(),
  max_tokens: posInt.optional(),
  timeout_seconds: z.number().positive().optional(),
  top_p: z.number().min(0).max(1).optional(),
  frequency_penalty: z.number().min(-2).max(2).optional(),
  presence_penalty: z.number().min(-2).max(2).optional(),
  base_url: z.string().min(1).optional(),
  api_key_env: z.string().min(1).optional(),
  api_key: z.string().optional(),
  model_path: z.string().min(1).optional(),
  threads: posInt.optional(),
  context_size: posInt.optional(),
  seed: z.number().int().optional(),
  max_retries: nonNegInt.optional(),
});

/**
 * Retry settings: `[agents.NAME.retry_policy]`.
 *
 * @example
 * ```ts
 * RetryPolicySchema.parse({ max_retries: 3, base_delay_ms: 500 });
 * ```
 */
export const RetryPolicySchema = z.object({
  max_retries: nonNegInt.optional(),
  base_delay_ms: nonNegInt.optional(),
  max_delay_ms: nonNegInt.optional(),
  backoff_factor: z.number().min(1).optional(),
  jitter: z.boolean().optional(),
  enable_jitter: z.boolean().optional(),
});

/**
 * One `[agents.NAME]` table.
 *
 * @example
 * ```ts
 * AgentSchema.parse({ role: 'writer', system_prompt: 'You write.', enabled: true });
 * ```
 */
export const AgentSchema = z.object({
  role: z.string().optional(),
  description: z.string().optional(),
  system_prompt: z.string().optional(),
  capabilities: z.array(z.string()).optional(),
  enabled: z.boolean().optional(),
  auto_llm: z.boolean().optional(),
  timeout_seconds: z.number().positive().optional(),
  metadata: stringMap.optional(),
  llm: LlmSchema.optional(),
  retry_policy: RetryPolicySchema.optional(),
  rate_limit: z.object({ requests_per_second: z.number().positive().optional(), burst_size: posInt.optional() }).optional(),
  max_concurrency: posInt.optional(),
});

/**
 * Orchestration modes accepted in `[orchestration] mode`.
 *
 * @example
 * ```ts
 * CONFIG_MODES.includes('mixed'); // true
 * ```
 */
export const CONFIG_MODES = ['route', 'collaborative', 'parallel', 'sequential', 'loop', 'mixed'] as const;

/**
 * The whole file.
 *
 * @example
 * ```ts
 * const parsed = ConfigSchema.safeParse(tomlObject);
 * ```
 */
export const ConfigSchema = z.object({
  agent_flow: z.object({ name: z.string().optional(), version: z.string().optional(), provider: z.string().optional(), description: z.string().optional() }).optional(),
  logging: z
    .object({
      level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).optional(),
      format: z.enum(['json', 'pretty']).optional(),
      file: z.string().optional(),
      file_only: z.boolean().optional(),
    })
    .optional(),
  runtime: z
    .object({
      max_concurrent_agents: posInt.optional(),
      timeout_seconds: z.number().nonnegative().optional(),
      queue_size: posInt.optional(),
      max_hops: nonNegInt.optional(),
      session_ordering: z.boolean().optional(),
      max_payload_bytes: nonNegInt.optional(),
      stop_timeout_seconds: z.number().nonnegative().optional(),
    })
    .optional(),
  llm: LlmSchema.optional(),
  agents: z.record(z.string(), AgentSchema).optional(),
  orchestration: z
    .object({
      mode: z.string().optional(),
      timeout_seconds: z.number().positive().optional(),
      max_iterations: posInt.optional(),
      sequential_agents: z.array(z.string()).optional(),
      collaborative_agents: z.array(z.string()).optional(),
      loop_agent: z.string().optional(),
    })
    .optional(),
  error_routing: z
    .object({
      enabled: z.boolean().optional(),
      max_retries: nonNegInt.optional(),
      retry_delay_ms: nonNegInt.optional(),
      enable_circuit_breaker: z.boolean().optional(),
      error_handler_name: z.string().optional(),
      category_handlers: stringMap.optional(),
      severity_handlers: stringMap.optional(),
      circuit_breaker: z
        .object({
          failure_threshold: posInt.optional(),
          success_threshold: posInt.optional(),
          timeout_ms: nonNegInt.optional(),
          reset_timeout_ms: nonNegInt.optional(),
          half_open_max_calls: posInt.optional(),
        })
        .optional(),
      retry: RetryPolicySchema.optional(),
    })
    .optional(),
  dead_letter: z.object({ enabled: z.boolean().optional(), max_entries: posInt.optional(), file: z.string().optional() }).optional(),
  providers: z.record(z.string(), z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))).optional(),
  agent_memory: z.record(z.string(), z.unknown()).optional(),
  mcp: z.record(z.string(), z.unknown()).optional(),
});

/**
 * A parsed agentflow.toml, before defaults (snake_case keys as in the file).
 *
 * @example
 * ```ts
 * const c: AgentflowConfig = { llm: { provider: 'ollama', model: 'gemma3:1b' } };
 * ```
 */
export type AgentflowConfig = z.infer<typeof ConfigSchema>;
/**
 * One `[agents.NAME]` table.
 *
 * @example
 * ```ts
 * const a: AgentConfig = { role: 'writer', system_prompt: 'You write.' };
 * ```
 */
export type AgentConfig = z.infer<typeof AgentSchema>;
/**
 * `[llm]` settings.
 *
 * @example
 * ```ts
 * const l: LlmConfig = { provider: 'llama-cpp', model_path: 'model.gguf' };
 * ```
 */
export type LlmConfig = z.infer<typeof LlmSchema>;
