/**
 * LLM provider errors, each saying what to do.
 * @module
 */
import { redactText, redactUrl } from '../core/redact.js';
import { AgentflowError, ErrorCodes } from '../core/errors.js';

/**
 * The server could not be reached (connection refused, DNS, reset).
 *
 * @example
 * ```ts
 * if (err instanceof LLMUnreachableError) console.error(err.message); // says: start it with `ollama serve` ...
 * ```
 */
export class LLMUnreachableError extends AgentflowError {
  constructor(provider: string, rawUrl: string, cause: unknown) {
    const url = redactUrl(rawUrl);
    const hint =
      provider === 'ollama'
        ? 'start it with `ollama serve`, or change [llm] base_url in agentflow.toml'
        : 'check that the server is running, or change [llm] base_url in agentflow.toml';
    super(ErrorCodes.LLM_UNREACHABLE, `cannot reach the ${provider} server at ${url}: ${redactText(String((cause as Error)?.message ?? cause))}; ${hint}`, {
      cause,
      retryable: true,
      details: { provider, url },
    });
  }
}

/**
 * The server does not have the model.
 *
 * @example
 * ```ts
 * if (err instanceof LLMModelNotFoundError) console.error(err.details.model, 'missing');
 * ```
 */
export class LLMModelNotFoundError extends AgentflowError {
  constructor(provider: string, model: string, serverMessage: string) {
    const hint = provider === 'ollama' ? `run \`ollama pull ${model}\`, or change [llm] model in agentflow.toml` : 'check the model name, or change [llm] model in agentflow.toml';
    super(ErrorCodes.LLM_MODEL_NOT_FOUND, `the ${provider} server has no model "${model}" (${serverMessage}); ${hint}`, { details: { provider, model } });
  }
}

/**
 * The server answered with an error or something malformed.
 *
 * @example
 * ```ts
 * if (err instanceof LLMResponseError) console.error(err.status, err.message);
 * ```
 */
export class LLMResponseError extends AgentflowError {
  readonly status: number | undefined;
  constructor(provider: string, message: string, status?: number, retryable = false) {
    super(ErrorCodes.LLM_RESPONSE, `${provider}: ${message}`, { retryable: retryable || (status !== undefined && status >= 500), details: { provider, status } });
    this.status = status;
  }
}

/**
 * The server rate-limited the call (HTTP 429) and retries ran out.
 *
 * @example
 * ```ts
 * if (err instanceof LLMRateLimitedError) await sleep(err.retryAfterMs ?? 1000);
 * ```
 */
export class LLMRateLimitedError extends AgentflowError {
  readonly status = 429;
  readonly retryAfterMs: number | undefined;
  constructor(provider: string, retryAfterMs?: number) {
    super(ErrorCodes.LLM_RATE_LIMITED, `${provider} rate-limited the request (HTTP 429)${retryAfterMs ? `; retry after ${retryAfterMs} ms` : ''}`, { retryable: true, details: { provider } });
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * No provider is registered under that name.
 *
 * @example
 * ```ts
 * createProvider({ provider: 'olama', model: 'x' }); // throws UnknownProviderError listing the known names
 * ```
 */
export class UnknownProviderError extends AgentflowError {
  constructor(name: string, known: readonly string[]) {
    super(ErrorCodes.LLM_UNKNOWN_PROVIDER, `unknown LLM provider "${name}": expected one of ${known.join(', ')} (or register one with registerProvider)`, { details: { key: 'llm.provider', value: name } });
  }
}

/**
 * The LLM server did not answer within the provider's timeout.
 *
 * @example
 * ```ts
 * if (err instanceof LLMTimeoutError) console.warn(err.details.url);
 * ```
 */
export class LLMTimeoutError extends AgentflowError {
  constructor(provider: string, rawUrl: string, timeoutMs: number) {
    const url = redactUrl(rawUrl);
    super(ErrorCodes.TIMEOUT, `${provider}: no answer from ${url} within ${timeoutMs} ms (the provider's timeout)`, { retryable: true, details: { provider, url, timeoutMs } });
  }
}
