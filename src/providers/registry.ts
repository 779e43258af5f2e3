/**
 * The provider registry: built-ins plus your own.
 * @module
 */
import { UnknownProviderError } from './errors.js';
import { OllamaProvider } from './ollama.js';
import { OpenAICompatibleProvider } from './openai.js';
import type { LLMProvider, ProviderConfig } from './types.js';

/**
 * Builds a provider from its configuration.
 *
 * @example
 * ```ts
 * registerProvider('echo', (c) => ({ name: 'echo', model: c.model, chat: async (r) => ({ content: r.messages.at(-1)!.content, model: c.model, usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 }, finishReason: 'stop', durationMs: 0 }), stream: async function* () {} }));
 * ```
 */
export type ProviderFactory = (config: ProviderConfig) => LLMProvider | Promise<LLMProvider>;

const factories = new Map<string, ProviderFactory>();

/**
 * Registers (or replaces) a provider under `name`.
 *
 * @example
 * ```ts
 * registerProvider('my-llm', (config) => new MyProvider(config));
 * ```
 */
export function registerProvider(name: string, factory: ProviderFactory): void {
  factories.set(name, factory);
}

/**
 * Registered provider names.
 *
 * @example
 * ```ts
 * listProviders(); // ['ollama', 'openai', 'openai-compatible', 'llama-cpp', ...]
 * ```
 */
export function listProviders(): string[] {
  return [...factories.keys()];
}

/**
 * Creates the provider named by `config.provider`.
 * @throws {@link UnknownProviderError}
 * @example
 * ```ts
 * const p = await createProvider({ provider: 'ollama', model: 'gemma3:1b' });
 * ```
 */
export async function createProvider(config: ProviderConfig): Promise<LLMProvider> {
  const f = factories.get(config.provider);
  if (!f) throw new UnknownProviderError(config.provider, listProviders());
  return f(config);
}

registerProvider('ollama', (c) => new OllamaProvider(c));
registerProvider('openai', (c) => new OpenAICompatibleProvider(c));
registerProvider('openai-compatible', (c) => new OpenAICompatibleProvider(c));
registerProvider('llama-cpp', async (c) => {
  const { LlamaCppProvider } = await import('./llama-cpp.js');
  return new LlamaCppProvider(c);
});
