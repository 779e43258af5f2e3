/**
 * A circuit breaker around an LLM provider.
 * @module
 */
import { abortOutcome, CircuitBreaker, CircuitOpenError, type CircuitBreakerOptions } from '../reliability/circuit-breaker.js';
import { decorateProvider, type ChatOptions, type ChatRequest, type LLMProvider } from './types.js';

/**
 * Wraps an LLM provider in a {@link CircuitBreaker}: while the breaker is
 * open, calls fail at once with {@link CircuitOpenError} instead of waiting
 * on a dead server. A timeout or missed deadline counts as a failure; an
 * abort for another reason (a stop) counts as neither.
 *
 * @example
 * ```ts
 * const guarded = circuitBreakerProvider(new OllamaProvider({ model: 'gemma3:1b' }), { failureThreshold: 3 });
 * ```
 */
export function circuitBreakerProvider(provider: LLMProvider, options: CircuitBreakerOptions = {}): LLMProvider & { breaker: CircuitBreaker } {
  const breaker = new CircuitBreaker(`${provider.name}:${provider.model}`, options);
  // A timeout (the runner's or the event's deadline) is a failure: a server that never answers must open the breaker.
  // Another abort (a stop) is neither, and frees the probe slot.
  const outcome = (err: unknown, signal?: AbortSignal): 'fail' | 'release' =>
    err instanceof CircuitOpenError ? 'release' : signal?.aborted ? abortOutcome(signal.reason) : 'fail';
  return decorateProvider(provider, {
    breaker,
    async chat(request: ChatRequest, opts: ChatOptions = {}) {
      breaker.acquire();
      try {
        const r = await provider.chat(request, opts);
        breaker.onSuccess();
        return r;
      } catch (err) {
        if (outcome(err, opts.signal) === 'fail') breaker.onFailure();
        else breaker.release();
        throw err;
      }
    },
    async *stream(request: ChatRequest, opts: Omit<ChatOptions, 'onToken'> = {}) {
      breaker.acquire();
      try {
        yield* provider.stream(request, opts);
        breaker.onSuccess();
      } catch (err) {
        if (outcome(err, opts.signal) === 'fail') breaker.onFailure();
        else breaker.release();
        throw err;
      }
    },
  });
}
