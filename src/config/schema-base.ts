/**
 * Building blocks of the agentflow.toml schema: value kinds shared by
 * every section, and the LLM settings table (`[llm]`, `[agents.NAME.llm]`,
 * `[agent_memory.embedding]`).
 * @module
 */
import { z } from 'zod';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const positiveInt = () => z.number().int().positive();
const nonNegativeInt = () => z.number().int().nonnegative();
const seconds = () => z.number().positive();
const nonEmpty = () => z.string().min(1);
const agentName = () => z.string().min(1);
const envVarName = () => z.string().regex(ENV_NAME, 'must be the NAME of an environment variable (such as "OPENAI_API_KEY"), not the key itself');
const httpUrl = () => z.string().regex(/^https?:\/\/\S+$/i, 'must be an http:// or https:// URL, such as "http://127.0.0.1:11434"');

/**
 * The value kinds every section uses (each a function, so every use is a
 * fresh schema).
 *
 * @example
 * ```ts
 * const { positiveInt, seconds } = kinds;
 * z.object({ max_turns: positiveInt().default(20), ttl_hours: seconds() });
 * ```
 */
export const kinds = { positiveInt, nonNegativeInt, seconds, nonEmpty, agentName, envVarName, httpUrl };

/**
 * Per-agent LLM overrides: `[agents.NAME.llm]`. Every key is optional and
 * wins over `[llm]` (see `resolveAgentLlm`).
 *
 * @example
 * ```ts
 * LlmOverrideSchema.parse({ model: 'gemma3:4b', temperature: 0 });
 * ```
 */
export const LlmOverrideSchema = z.object({
  provider: nonEmpty().optional(),
  model: nonEmpty().optional(),
  temperature: z.number().min(0).max(2).optional(),
  max_tokens: positiveInt().optional(),
  timeout_seconds: seconds().optional(),
  top_p: z.number().min(0).max(1).optional(),
  frequency_penalty: z.number().min(-2).max(2).optional(),
  presence_penalty: z.number().min(-2).max(2).optional(),
  base_url: httpUrl().optional(),
  api_key_env: envVarName().optional(),
  /** Accepted, but a literal key in the file produces a warning: use `api_key_env`. */
  api_key: z.string().optional(),
  model_path: nonEmpty().optional(),
  threads: positiveInt().optional(),
  context_size: positiveInt().optional(),
  seed: z.number().int().optional(),
  max_retries: nonNegativeInt().optional(),
});

