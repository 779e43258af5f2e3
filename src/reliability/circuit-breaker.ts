/**
 * Circuit breakers: stop calling something that keeps failing, probe it
 * after a pause, and close again when it recovers.
 * @module
 */
import { AgentflowError, ErrorCodes } from '../core/errors.js';
import type { TraceLogger } from '../core/trace.js';
import type { AgentMiddleware } from '../runner/config.js';

/**
 * Breaker states.
 *
 * @example
 * ```ts
 * if (breaker.state === 'open') console.warn('failing fast');
 * ```
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

/**
 * Breaker settings (AgenticGoKit's defaults).
 *
 * @example
 * ```ts
 * const o: CircuitBreakerOptions = { failureThreshold: 5, successThreshold: 3, resetTimeoutMs: 30_000, halfOpenMaxCalls: 2 };
 * ```
 */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker. Default 5. */
  failureThreshold?: number;
  /** Successes in half-open that close it. Default 3. */
  successThreshold?: number;
  /** Time open before probing. Default 30,000 ms. */
  resetTimeoutMs?: number;
  /** Calls allowed at once while half-open. Default 2. */
  halfOpenMaxCalls?: number;
  /** Called on every state change. */
  onStateChange?: (change: { name: string; from: CircuitState; to: CircuitState; at: number }) => void;
  /** Clock (tests pass a fake one). */
  now?: () => number;
}

/**
 * A call was refused because the breaker is open (or half-open and full).
 * Not retryable at once: the point is to stop calling for a while.
 *
 * @example
 * ```ts
 * if (err instanceof CircuitOpenError) console.log('retry after', err.retryAfterMs, 'ms');
 * ```
 */
export class CircuitOpenError extends AgentflowError {
  readonly retryAfterMs: number;
  constructor(name: string, state: CircuitState, retryAfterMs: number) {
    super(ErrorCodes.CIRCUIT_OPEN, `circuit "${name}" is ${state}: call refused (retry in ${Math.max(0, Math.round(retryAfterMs))} ms)`, {
      retryable: false,
      details: { key: name, state, retryAfterMs },
    });
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * A closed / open / half-open circuit breaker around any async call.
 * Closed: calls pass; `failureThreshold` consecutive failures open it.
 * Open: calls fail fast with {@link CircuitOpenError} until `resetTimeoutMs`
 * has passed. Half-open: up to `halfOpenMaxCalls` probes at once; a failure
 * reopens it, `successThreshold` successes close it.
 *
 * @example
 * ```ts
 * const breaker = new CircuitBreaker('ollama', { failureThreshold: 3 });
 * const reply = await breaker.execute(() => provider.chat(request));
 * ```
 */
export class CircuitBreaker {
  readonly name: string;
  private _state: CircuitState = 'closed';
  private failures = 0;
  private successes = 0;
  private openedAt = 0;
  private inFlightProbes = 0;
  private readonly o: Required<Omit<CircuitBreakerOptions, 'onStateChange'>> & Pick<CircuitBreakerOptions, 'onStateChange'>;

  constructor(name: string, options: CircuitBreakerOptions = {}) {
    this.name = name;
    this.o = {
      failureThreshold: options.failureThreshold ?? 5,
      successThreshold: options.successThreshold ?? 3,
      resetTimeoutMs: options.resetTimeoutMs ?? 30_000,
      halfOpenMaxCalls: options.halfOpenMaxCalls ?? 2,
      now: options.now ?? Date.now,
      onStateChange: options.onStateChange,
    };
  }

  /** The current state (moves open → half-open when the reset timeout has passed). */
  get state(): CircuitState {
    if (this._state === 'open' && this.o.now() - this.openedAt >= this.o.resetTimeoutMs) this.transition('half-open');
    return this._state;
  }

  /** Runs `fn` through the breaker. */
  async execute<T>(fn: () => T | Promise<T>): Promise<T> {
    this.acquire();
    try {
      const v = await fn();
      this.onSuccess();
      return v;
    } catch (err) {
      this.onFailure();
      throw err;
    }
  }

  /** Claims a call slot or throws {@link CircuitOpenError}. Pair with onSuccess/onFailure. */
  acquire(): void {
    const s = this.state;
    if (s === 'open') throw new CircuitOpenError(this.name, s, this.openedAt + this.o.resetTimeoutMs - this.o.now());
    if (s === 'half-open') {
      if (this.inFlightProbes >= this.o.halfOpenMaxCalls) throw new CircuitOpenError(this.name, s, 0);
      this.inFlightProbes++;
    }
  }

  onSuccess(): void {
    if (this._state === 'half-open') {
      this.inFlightProbes = Math.max(0, this.inFlightProbes - 1);
      if (++this.successes >= this.o.successThreshold) this.transition('closed');
    } else this.failures = 0;
  }

  /** A call that ended neither in success nor failure (aborted for another reason, such as a stop): frees its probe slot. */
  release(): void {
    if (this._state === 'half-open') this.inFlightProbes = Math.max(0, this.inFlightProbes - 1);
  }

  onFailure(): void {
    if (this._state === 'half-open') {
      this.inFlightProbes = Math.max(0, this.inFlightProbes - 1);
      this.transition('open');
    } else if (this._state === 'closed' && ++this.failures >= this.o.failureThreshold) this.transition('open');
  }

  private transition(to: CircuitState): void {
    const from = this._state;
    if (from === to) return;
    this._state = to;
    this.failures = 0;
    this.successes = 0;
    if (to === 'open') this.openedAt = this.o.now();
    if (to !== 'half-open') this.inFlightProbes = 0;
    this.o.onStateChange?.({ name: this.name, from, to, at: this.o.now() });
  }
}

/**
 * Options for {@link circuitBreakerMiddleware}.
 *
 * @example
 * ```ts
 * circuitBreakerMiddleware({ failureThreshold: 3, perAgent: { flaky_api: { resetTimeoutMs: 5000 } } });
 * ```
 */
export interface CircuitBreakerMiddlewareOptions extends CircuitBreakerOptions {
  perAgent?: Record<string, CircuitBreakerOptions>;
  /** Only these agents get a breaker. Default: all. */
  agents?: readonly string[];
  /** State changes are also written here as `circuit` trace entries (session `circuit`). */
  traceLogger?: TraceLogger | null;
}

/**
 * A runner middleware giving each agent its own {@link CircuitBreaker}. While
 * an agent's breaker is open, events to it fail at once with
 * `CircuitOpenError` (reason `circuit_open`) instead of calling it.
 * Returns the middleware and the breakers by agent.
 *
 * @example
 * ```ts
 * const { middleware, breakers } = circuitBreakerMiddleware({ failureThreshold: 5, onStateChange: (c) => console.log(c) });
 * const runner = createRunner({ middleware: [middleware] });
 * ```
 */
export function circuitBreakerMiddleware(options: CircuitBreakerMiddlewareOptions = {}): { middleware: AgentMiddleware; breakers: Map<string, CircuitBreaker> } {
  const breakers = new Map<string, CircuitBreaker>();
  const middleware: AgentMiddleware = (agentId, next) => {
    if (options.agents && !options.agents.includes(agentId)) return next;
    const user = options.onStateChange;
    const trace = options.traceLogger;
    const b = new CircuitBreaker(agentId, {
      ...options,
      ...options.perAgent?.[agentId],
      onStateChange: (c) => {
        trace?.log({ timestamp: c.at, type: 'circuit', eventId: '', sessionId: 'circuit', agentId, status: c.to, detail: { from: c.from, to: c.to } });
        user?.(c);
      },
    });
    breakers.set(agentId, b);
    return async (ctx, event, state) => {
      b.acquire();
      // Settled once: by the handler, or by the event's abort (a handler that ignores its signal still counts).
      let done = false;
      const settle = (outcome: 'ok' | 'fail' | 'release'): void => {
        if (done) return;
        done = true;
        ctx.signal.removeEventListener('abort', onAbort);
        if (outcome === 'ok') b.onSuccess();
        else if (outcome === 'fail') b.onFailure();
        else b.release();
      };
      const onAbort = (): void => settle(abortOutcome(ctx.signal.reason));
      if (ctx.signal.aborted) onAbort();
      else ctx.signal.addEventListener('abort', onAbort, { once: true });
      try {
        const r = await next(ctx, event, state);
        settle('ok');
        return r;
      } catch (err) {
        settle(err instanceof CircuitOpenError ? 'release' : 'fail');
        throw err;
      }
    };
  };
  return { middleware, breakers };
}

/**
 * How an aborted call counts for a breaker: a timeout or missed deadline is
 * a failure; any other abort (a stop) is neither.
 *
 * @example
 * ```ts
 * abortOutcome(new TimeoutError('a', 'e', 10)); // 'fail'
 * ```
 */
export function abortOutcome(reason: unknown): 'fail' | 'release' {
  const code = (reason as { code?: unknown } | undefined)?.code;
  return code === ErrorCodes.TIMEOUT || code === ErrorCodes.DEADLINE_EXCEEDED ? 'fail' : 'release';
}
