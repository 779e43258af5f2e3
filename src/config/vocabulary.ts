/**
 * The fixed vocabularies of agentflow.toml: orchestration modes, log
 * levels, built-in providers, error categories and severities.
 * @module
 */
import type { LogLevel } from '../core/logger.js';
import type { ErrorCategory, ErrorSeverity } from '../reliability/classify.js';

/**
 * Orchestration modes accepted in `[orchestration] mode`; `parallel` is an
 * alias of `collaborative`.
 *
 * @example
 * ```ts
 * CONFIG_MODES.includes('mixed'); // true
 * ```
 */
export const CONFIG_MODES = ['route', 'collaborative', 'parallel', 'sequential', 'loop', 'mixed'] as const;

/**
 * One of {@link CONFIG_MODES}.
 *
 * @example
 * ```ts
 * const mode: OrchestrationMode = 'sequential';
 * ```
 */
export type OrchestrationMode = (typeof CONFIG_MODES)[number];

/**
 * Log levels accepted in `[logging] level`.
 *
 * @example
 * ```ts
 * LOG_LEVELS.includes('debug'); // true
 * ```
 */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const satisfies readonly LogLevel[];

/**
 * Providers agentflow ships; `[llm] provider` also accepts any other
 * non-empty name (a provider registered with `registerProvider`).
 *
 * @example
 * ```ts
 * KNOWN_PROVIDERS.includes('llama-cpp'); // true
 * ```
 */
export const KNOWN_PROVIDERS = ['ollama', 'openai', 'openai-compatible', 'llama-cpp'] as const;

/**
 * A provider name: one of {@link KNOWN_PROVIDERS} or a custom one.
 *
 * @example
 * ```ts
 * const p: ProviderName = 'my-registered-provider';
 * ```
 */
export type ProviderName = (typeof KNOWN_PROVIDERS)[number] | (string & {});

/**
 * Error categories accepted as keys of `[error_routing] category_handlers`.
 *
 * @example
 * ```ts
 * ERROR_CATEGORIES.includes('timeout'); // true
 * ```
 */
export const ERROR_CATEGORIES = ['timeout', 'network', 'rate_limit', 'llm', 'validation', 'auth', 'resource', 'unknown'] as const satisfies readonly ErrorCategory[];

/**
 * Severities accepted as keys of `[error_routing] severity_handlers`.
 *
 * @example
 * ```ts
 * ERROR_SEVERITIES.includes('critical'); // true
 * ```
 */
export const ERROR_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const satisfies readonly ErrorSeverity[];

