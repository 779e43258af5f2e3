/**
 * From resolved `[llm]` settings (snake_case, as in the file) to a
 * provider's configuration.
 * @module
 */
import { isAbsolute, resolve } from 'node:path';
import type { ProviderConfig } from '../providers/types.js';
import type { ResolvedLlmConfig } from './defaults.js';

/**
 * A provider configuration from resolved LLM settings; `model_path` is
 * taken relative to the config file's folder.
 *
 * @example
 * ```ts
 * const pc = providerConfig(resolveAgentLlm(config, 'writer'), '/srv/flow', process.env);
 * ```
 */
export function providerConfig(llm: ResolvedLlmConfig, baseDir: string, env: Record<string, string | undefined>): ProviderConfig {
  const modelPath = llm.model_path;
  return {
    provider: llm.provider,
    model: llm.model,
    baseUrl: llm.base_url,
    apiKey: llm.api_key,
    apiKeyEnv: llm.api_key_env,
    temperature: llm.temperature,
    maxTokens: llm.max_tokens,
    topP: llm.top_p,
    seed: llm.seed,
    timeoutMs: llm.timeout_seconds !== undefined ? llm.timeout_seconds * 1000 : undefined,
    maxRetries: llm.max_retries,
    modelPath: modelPath ? (isAbsolute(modelPath) ? modelPath : resolve(baseDir, modelPath)) : undefined,
    threads: llm.threads,
    contextSize: llm.context_size,
    env,
  };
}
