/**
 * The agentflow.toml schema (zod 4).
 *
 * The parsed object keeps the file's **snake_case** keys, so it maps 1:1 to
 * the file (`config.llm.max_tokens` is `[llm] max_tokens`). Parsing fills in
 * the documented defaults (see `CONFIG_DEFAULTS` in defaults.ts, the one
 * place they are written): every section is present in the result, and keys
 * with a default are never undefined. Unknown keys are dropped from the
 * result (and reported as warnings by the loader).
 * @module
 */
import { z } from 'zod';
import { CONFIG_DEFAULTS as D } from './defaults.js';

export * from './vocabulary.js';
export * from './schema-acting.js';
export { LlmOverrideSchema } from './schema-base.js';
import { kinds, LlmOverrideSchema } from './schema-base.js';
import { AgentMemorySchema, McpSchema } from './schema-acting.js';

const { agentName, envVarName, httpUrl, nonEmpty, nonNegativeInt, positiveInt, seconds } = kinds;
import { CONFIG_MODES, ERROR_CATEGORIES, ERROR_SEVERITIES, LOG_LEVELS } from './vocabulary.js';

/**
 * The `[llm]` table: {@link LlmOverrideSchema} plus the defaults of
 * `temperature` (0.7; 0 is allowed and kept), `max_tokens` (800) and
 * `timeout_seconds` (30).
 *
 * @example
 * ```ts
 * LlmSchema.parse({ provider: 'ollama', model: 'gemma3:1b', temperature: 0 }).temperature; // 0
 * ```
 */
export const LlmSchema = LlmOverrideSchema.extend({
  temperature: z.number().min(0).max(2).default(D.llm.temperature),
  max_tokens: positiveInt().default(D.llm.max_tokens),
  timeout_seconds: seconds().default(D.llm.timeout_seconds),
});

/**
 * Retry settings of one agent: `[agents.NAME.retry_policy]`. Setting it turns
 * retries on for that agent; missing keys come from `[error_routing.retry]`.
 * `enable_jitter` is accepted as an alias of `jitter`.
 *
 * @example
 * ```ts
 * RetryPolicySchema.parse({ max_retries: 3, base_delay_ms: 500, jitter: false });
 * ```
 */
export const RetryPolicySchema = z.object({
  max_retries: nonNegativeInt().optional(),
  base_delay_ms: nonNegativeInt().optional(),
  max_delay_ms: nonNegativeInt().optional(),
  backoff_factor: z.number().min(1).optional(),
  jitter: z.boolean().optional(),
  enable_jitter: z.boolean().optional(),
});

/**
 * Token-bucket rate limit of one agent: `[agents.NAME.rate_limit]`.
 *
 * @example
 * ```ts
 * RateLimitSchema.parse({ requests_per_second: 5, burst_size: 10 });
 * ```
 */
export const RateLimitSchema = z.object({
  requests_per_second: z.number().positive(),
  burst_size: positiveInt().optional(),
});

/**
 * One `[agents.NAME]` table. `enabled` defaults to **true**.
 *
 * @example
 * ```ts
 * AgentSchema.parse({ role: 'writer', system_prompt: 'You write.' }).enabled; // true
 * ```
 */
export const AgentSchema = z.object({
  role: z.string().optional(),
  description: z.string().optional(),
  system_prompt: z.string().optional(),
  capabilities: z.array(nonEmpty()).optional(),
  enabled: z.boolean().default(true),
  timeout_seconds: seconds().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  llm: LlmOverrideSchema.optional(),
  retry_policy: RetryPolicySchema.optional(),
  rate_limit: RateLimitSchema.optional(),
  max_concurrency: positiveInt().optional(),
  /** Route mode: the agent an LLM agent hands its output to (an LLM cannot set `route` itself). */
  next: agentName().optional(),
  /** Tools the model may call: code tools by name (`tools` option or export), `server.tool` of an `[[mcp.servers]]` entry, `server.*` for all its tools. */
  tools: z.array(nonEmpty()).optional(),
  /** Agents the model may hand off to, each offered as a tool `transfer_to_<agent>`. */
  handoffs: z.array(agentName()).optional(),
  /** Rounds of tool calls before the agent fails (default 8). */
  max_tool_rounds: positiveInt().optional(),
  /** Whether the model may (`auto`), must (`required`) or must not (`none`) call a tool in its first round; later rounds are `auto`. */
  tool_choice: z.enum(['auto', 'required', 'none']).optional(),
  /** Timeout of one tool call unless the tool sets its own (default 30). */
  tool_timeout_seconds: seconds().optional(),
  /** `false`: this agent uses no `[agent_memory]` (conversation or documents). */
  memory: z.boolean().optional(),
});


/**
 * `[agent_flow]`: the flow's identity.
 *
 * @example
 * ```ts
 * AgentFlowSchema.parse({}).name; // 'agentflow'
 * ```
 */
export const AgentFlowSchema = z.object({
  name: nonEmpty().default(D.agent_flow.name),
  version: z.string().optional(),
  /** Fallback for `[llm] provider`. */
  provider: nonEmpty().optional(),
  description: z.string().optional(),
});

/**
 * `[logging]`.
 *
 * @example
 * ```ts
 * LoggingSchema.parse({ level: 'debug' }).format; // 'json'
 * ```
 */
export const LoggingSchema = z.object({
  level: z.enum(LOG_LEVELS).default(D.logging.level),
  format: z.enum(['json', 'pretty']).default(D.logging.format),
  file: nonEmpty().optional(),
});

/**
 * `[runtime]`: the runner's limits.
 *
 * @example
 * ```ts
 * RuntimeSchema.parse({}).queue_size; // 1000
 * ```
 */
export const RuntimeSchema = z.object({
  max_concurrent_agents: positiveInt().default(D.runtime.max_concurrent_agents),
  timeout_seconds: seconds().default(D.runtime.timeout_seconds),
  queue_size: positiveInt().default(D.runtime.queue_size),
  max_hops: nonNegativeInt().default(D.runtime.max_hops),
  session_ordering: z.boolean().default(D.runtime.session_ordering),
  max_payload_bytes: nonNegativeInt().default(D.runtime.max_payload_bytes),
  stop_timeout_seconds: seconds().default(D.runtime.stop_timeout_seconds),
});

/**
 * `[orchestration]`. Cross-field rules (sequential needs
 * `sequential_agents`, ...) are checked by the loader.
 *
 * @example
 * ```ts
 * OrchestrationSchema.parse({}).mode; // 'route'
 * ```
 */
export const OrchestrationSchema = z.object({
  mode: z.enum(CONFIG_MODES).default(D.orchestration.mode),
  timeout_seconds: seconds().optional(),
  max_iterations: positiveInt().default(D.orchestration.max_iterations),
  sequential_agents: z.array(agentName()).optional(),
  collaborative_agents: z.array(agentName()).optional(),
  loop_agent: agentName().optional(),
});

/**
 * `[error_routing.circuit_breaker]`.
 *
 * @example
 * ```ts
 * CircuitBreakerSchema.parse({}).failure_threshold; // 5
 * ```
 */
export const CircuitBreakerSchema = z.object({
  failure_threshold: positiveInt().default(D.error_routing.circuit_breaker.failure_threshold),
  success_threshold: positiveInt().default(D.error_routing.circuit_breaker.success_threshold),
  timeout_ms: positiveInt().optional(),
  reset_timeout_ms: positiveInt().default(D.error_routing.circuit_breaker.reset_timeout_ms),
  half_open_max_calls: positiveInt().default(D.error_routing.circuit_breaker.half_open_max_calls),
});

/**
 * `[error_routing.retry]`: the global retry settings.
 *
 * @example
 * ```ts
 * ErrorRetrySchema.parse({}).backoff_factor; // 2
 * ```
 */
export const ErrorRetrySchema = z.object({
  max_retries: nonNegativeInt().default(D.error_routing.retry.max_retries),
  base_delay_ms: nonNegativeInt().default(D.error_routing.retry.base_delay_ms),
  max_delay_ms: nonNegativeInt().default(D.error_routing.retry.max_delay_ms),
  backoff_factor: z.number().min(1).default(D.error_routing.retry.backoff_factor),
  enable_jitter: z.boolean().default(D.error_routing.retry.enable_jitter),
});

/**
 * `[error_routing]`. `max_retries` and `retry_delay_ms` are AgenticGoKit's
 * shorthands: the loader copies them into `retry.max_retries` and
 * `retry.base_delay_ms` unless `[error_routing.retry]` sets those, so
 * `error_routing.retry` always holds the effective settings.
 *
 * @example
 * ```ts
 * ErrorRoutingSchema.parse({ enabled: true }).retry.max_retries; // 3
 * ```
 */
export const ErrorRoutingSchema = z.object({
  enabled: z.boolean().default(D.error_routing.enabled),
  max_retries: nonNegativeInt().optional(),
  retry_delay_ms: nonNegativeInt().optional(),
  enable_circuit_breaker: z.boolean().default(D.error_routing.enable_circuit_breaker),
  error_handler_name: agentName().optional(),
  category_handlers: z.partialRecord(z.enum(ERROR_CATEGORIES), agentName()).optional(),
  severity_handlers: z.partialRecord(z.enum(ERROR_SEVERITIES), agentName()).optional(),
  circuit_breaker: CircuitBreakerSchema.prefault({}),
  retry: ErrorRetrySchema.prefault({}),
});

/**
 * `[dead_letter]`.
 *
 * @example
 * ```ts
 * DeadLetterSchema.parse({ file: '.agentflow/dead-letters.jsonl' }).enabled; // true
 * ```
 */
export const DeadLetterSchema = z.object({
  enabled: z.boolean().default(D.dead_letter.enabled),
  max_entries: positiveInt().default(D.dead_letter.max_entries),
  /** A JSONL file, relative to the config file. */
  file: nonEmpty().optional(),
  /** The file is compacted when it grows past this many bytes. */
  max_file_bytes: positiveInt().default(D.dead_letter.max_file_bytes),
});

/**
 * `[transport]`: where events wait. `memory` (the default) is in-process;
 * `redis` shares a namespace of Redis Streams between worker processes (the
 * URL may use `${REDIS_URL}`; a password in it is never printed).
 *
 * @example
 * ```ts
 * TransportSchema.parse({ kind: 'redis', url: 'redis://127.0.0.1:6379', namespace: 'orders' }).partitions; // 8
 * ```
 */
export const TransportSchema = z.object({
  kind: z.enum(['memory', 'redis']).default(D.transport.kind),
  url: z.string().regex(/^rediss?:\/\/\S+$/i, 'must be a redis:// or rediss:// URL, such as "redis://127.0.0.1:6379"').optional(),
  namespace: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must be letters, digits, "_", "-" or "."').default(D.transport.namespace),
  partitions: z.number().int().min(1).max(1024).default(D.transport.partitions),
  lease_ms: positiveInt().default(D.transport.lease_ms),
  max_deliveries: positiveInt().default(D.transport.max_deliveries),
  capacity: positiveInt().default(D.transport.capacity),
  /** Workers write their trace entries to the namespace's capped trace stream (`agentflow trace/ui --redis`). */
  trace_stream: z.boolean().default(D.transport.trace_stream),
  /** About how many trace entries that stream keeps. */
  trace_entries: positiveInt().default(D.transport.trace_entries),
});

/**
 * `[observability]`: OpenTelemetry spans (see `docs/observability.md`).
 *
 * @example
 * ```ts
 * ObservabilitySchema.parse({ otel: true, endpoint: 'http://127.0.0.1:4318/v1/traces' }).capture_content; // false
 * ```
 */
export const ObservabilitySchema = z.object({
  /** Emit OpenTelemetry spans (producer/consumer/invoke_agent/chat). */
  otel: z.boolean().default(false),
  /** `service.name` when agentflow sets the SDK up (with `endpoint`). Default: `[agent_flow] name`. */
  service_name: nonEmpty().optional(),
  /** OTLP/HTTP traces endpoint: agentflow registers the SDK and exports there. Without it, spans go to whatever SDK your program registered. */
  endpoint: httpUrl().optional(),
  /** Record event data, prompts and outputs on spans. Off: they may hold personal data. */
  capture_content: z.boolean().default(false),
});

/**
 * One `[providers.NAME]` table: free-form provider settings. The common keys
 * are checked; any other string, number or boolean is kept as is.
 *
 * @example
 * ```ts
 * ProviderSettingsSchema.parse({ base_url: 'http://127.0.0.1:11434', keep_alive: '5m' });
 * ```
 */
export const ProviderSettingsSchema = z
  .object({
    base_url: httpUrl().optional(),
    api_key_env: envVarName().optional(),
    api_key: z.string().optional(),
    model: nonEmpty().optional(),
    model_path: nonEmpty().optional(),
  })
  .catchall(z.union([z.string(), z.number(), z.boolean()]));

/**
 * The whole agentflow.toml.
 *
 * @example
 * ```ts
 * const r = ConfigSchema.safeParse({ llm: { provider: 'ollama', model: 'gemma3:1b' } });
 * if (r.success) r.data.orchestration.mode; // 'route'
 * ```
 */
export const ConfigSchema = z.object({
  agent_flow: AgentFlowSchema.prefault({}),
  logging: LoggingSchema.prefault({}),
  runtime: RuntimeSchema.prefault({}),
  llm: LlmSchema.prefault({}),
  agents: z.record(agentName(), AgentSchema).prefault({}),
  orchestration: OrchestrationSchema.prefault({}),
  error_routing: ErrorRoutingSchema.prefault({}),
  dead_letter: DeadLetterSchema.prefault({}),
  transport: TransportSchema.prefault({}),
  observability: ObservabilitySchema.prefault({}),
  providers: z.record(nonEmpty(), ProviderSettingsSchema).prefault({}),
  agent_memory: AgentMemorySchema.optional(),
  mcp: McpSchema.prefault({}),
});

export type * from './config-types.js';
