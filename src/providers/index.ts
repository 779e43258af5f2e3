/**
 * LLM providers: Ollama, OpenAI-compatible, and (lazily loaded) llama-cpp.
 * @module
 */
export * from './types.js';
export * from './errors.js';
export * from './ollama.js';
export * from './openai.js';
export * from './registry.js';
export { postStream, lines, errorMessageOf, type PostOptions } from './http.js';
export * from './circuit-breaker.js';
