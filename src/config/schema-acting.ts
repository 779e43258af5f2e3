/**
 * The sections of acting agents: `[mcp]` / `[[mcp.servers]]` and
 * `[agent_memory]`.
 * @module
 */
import { z } from 'zod';
import { CONFIG_DEFAULTS as D } from './defaults.js';
import { kinds, LlmOverrideSchema } from './schema-base.js';

const { httpUrl, nonEmpty, nonNegativeInt, positiveInt, seconds } = kinds;

/**
 * `[agent_memory]`: conversation memory of LLM agents (per session and
 * agent, in files under `path`, or in Redis with the Redis transport) and
 * retrieval from documents added with `agentflow memory add`.
 *
 * @example
 * ```ts
 * AgentMemorySchema.parse({}).max_turns; // 20
 * ```
 */
export const AgentMemorySchema = z.object({
  enabled: z.boolean().default(true),
  /** The embedded store's folder, relative to the config file. */
  path: nonEmpty().default('.agentflow/memory'),
  max_turns: positiveInt().default(20),
  max_tokens: positiveInt().default(2000),
  strategy: z.enum(['truncate', 'summarize']).default('truncate'),
  /** How long a conversation is kept in Redis. */
  ttl_hours: seconds().default(720),
  enable_rag: z.boolean().default(true),
  knowledge_max_results: positiveInt().default(4),
  knowledge_score_threshold: z.number().min(-1).max(1).default(0),
  rag_max_context_tokens: positiveInt().default(800),
  chunk_size: positiveInt().default(800),
  chunk_overlap: nonNegativeInt().default(100),
  /** The embedding model: `[llm]` keys (provider, model, base_url, model_path, …); default the `[llm]` settings. */
  embedding: LlmOverrideSchema.optional(),
});

/**
 * One `[[mcp.servers]]` entry: a stdio server (`command`, `args`, `env`,
 * `cwd`) or a streamable-HTTP one (`url`, `headers`; put secrets in the
 * environment: `headers = { Authorization = "Bearer ${TOKEN}" }`).
 *
 * @example
 * ```ts
 * McpServerSchema.parse({ name: 'files', command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '.'] });
 * ```
 */
export const McpServerSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1–32 letters, digits, "_" or "-" (agents name its tools "<server>.<tool>")'),
  enabled: z.boolean().default(true),
  command: nonEmpty().optional(),
  args: z.array(z.string()).optional(),
  env: z.record(z.string(), z.string()).optional(),
  cwd: z.string().optional(),
  url: httpUrl().optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

/**
 * `[mcp]`: Model Context Protocol servers whose tools agents may call.
 *
 * @example
 * ```ts
 * McpSchema.parse({}).call_timeout_seconds; // 30
 * ```
 */
export const McpSchema = z.object({
  enabled: z.boolean().default(D.mcp.enabled),
  /** How long `start()` waits for a server to connect and list its tools. */
  connect_timeout_seconds: seconds().default(D.mcp.connect_timeout_seconds),
  /** Timeout of one tool call (an agent's `tool_timeout_seconds` wins). */
  call_timeout_seconds: seconds().default(D.mcp.call_timeout_seconds),
  /** Restarts of a crashed stdio server (with backoff) before its tools fail for good. */
  max_restarts: nonNegativeInt().default(D.mcp.max_restarts),
  servers: z.array(McpServerSchema).default(() => []),
});
