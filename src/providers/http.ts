/**
 * HTTP plumbing shared by the HTTP providers: timeouts combined with the
 * caller's signal, retries with backoff on 429/5xx/connection errors, and
 * robust NDJSON / SSE line splitting.
 * @module
 */
import { redactText } from '../core/redact.js';
import { LLMRateLimitedError, LLMResponseError, LLMTimeoutError, LLMUnreachableError } from './errors.js';

/**
 * Options for {@link postStream}.
 *
 * @example
 * ```ts
 * const o: PostOptions = { provider: 'ollama', url: 'http://127.0.0.1:11434/api/chat', body: {}, timeoutMs: 30_000, maxRetries: 2 };
 * ```
 */
export interface PostOptions {
  provider: string;
  url: string;
  body: unknown;
  headers?: Record<string, string>;
  timeoutMs: number;
  maxRetries: number;
  retryBaseDelayMs?: number;
  signal?: AbortSignal;
  /** Turns a non-2xx response into the right error (e.g. model not found). */
  onErrorStatus?: (status: number, message: string) => Error | undefined;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/**
 * The error message inside an error body (`{"error": "..."}` or `{"error": {"message": "..."}}`).
 *
 * @example
 * ```ts
 * errorMessageOf('{"error":"model \"x\" not found"}'); // 'model "x" not found'
 * ```
 */
export function errorMessageOf(text: string): string {
  // A server may echo the request's credentials (an Authorization header, a key in the URL): never pass them on.
  return redactText(rawErrorMessageOf(text));
}

function rawErrorMessageOf(text: string): string {
  try {
    const j = JSON.parse(text) as { error?: unknown; message?: unknown };
    if (typeof j.error === 'string') return j.error;
    if (j.error && typeof (j.error as { message?: unknown }).message === 'string') return (j.error as { message: string }).message;
    if (typeof j.message === 'string') return j.message;
  } catch {
    // not JSON
  }
  return text.slice(0, 300) || '(empty body)';
}

/**
 * POSTs JSON and returns the streaming response once the status is 2xx,
 * retrying 429, 5xx and connection errors with exponential backoff (honouring
 * `Retry-After`). Never retries after the caller aborted. A timeout rejects
 * with `TimeoutError`; the caller's abort rejects with the signal's reason.
 * The returned `signal` must be passed on to reading the body.
 *
 * @example
 * ```ts
 * const { response, done } = await postStream({ provider: 'ollama', url, body, timeoutMs: 30_000, maxRetries: 2 });
 * try { for await (const line of lines(response)) console.log(line) } finally { done() }
 * ```
 */
export async function postStream(o: PostOptions): Promise<{ response: Response; done: () => void; signal: AbortSignal }> {
  const base = o.retryBaseDelayMs ?? 250;
  for (let attempt = 0; ; attempt++) {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new LLMTimeoutError(o.provider, o.url, o.timeoutMs)), o.timeoutMs);
    const signal = o.signal ? AbortSignal.any([o.signal, timeout.signal]) : timeout.signal;
    const done = () => clearTimeout(timer);
    let retryAfter: number | undefined;
    let lastErr: Error;
    try {
      const response = await fetch(o.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...o.headers },
        body: JSON.stringify(o.body),
        signal,
      });
      if (response.ok) return { response, done, signal };
      const text = await readCapped(response, ERROR_BODY_BYTES);
      done();
      const msg = errorMessageOf(text);
      const special = o.onErrorStatus?.(response.status, msg);
      if (special) throw special;
      if (response.status === 429) {
        const ra = Number(response.headers.get('retry-after'));
        retryAfter = Number.isFinite(ra) && ra > 0 ? ra * 1000 : undefined;
        lastErr = new LLMRateLimitedError(o.provider, retryAfter);
      } else if (response.status >= 500) {
        lastErr = new LLMResponseError(o.provider, `HTTP ${response.status}: ${msg}`, response.status, true);
      } else {
        throw new LLMResponseError(o.provider, `HTTP ${response.status}: ${msg}`, response.status);
      }
    } catch (err) {
      done();
      if (o.signal?.aborted) throw o.signal.reason;
      if (timeout.signal.aborted) throw timeout.signal.reason;
      if (err instanceof LLMRateLimitedError || (err instanceof LLMResponseError && err.retryable)) lastErr = err;
      else if (err instanceof TypeError) lastErr = new LLMUnreachableError(o.provider, o.url, err.cause ?? err); // fetch's network failure
      else throw err;
    }
    if (attempt >= o.maxRetries) throw lastErr!;
    await sleep(retryAfter ?? base * Math.pow(2, attempt) * (0.5 + Math.random() / 2), o.signal);
  }
}

/**
 * Splits a streaming body into lines, however the chunks fall.
 *
 * @example
 * ```ts
 * for await (const line of lines(response)) handle(JSON.parse(line));
 * ```
 */
export async function* lines(response: Response, options: LineOptions = {}): AsyncGenerator<string> {
  if (!response.body) return;
  const provider = options.provider ?? 'llm';
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const decoder = new TextDecoder();
  // Pieces of the current (unfinished) line: each chunk is scanned once, so a flood without newlines costs linear time.
  let pending: string[] = [];
  let pendingLength = 0;
  let total = 0;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength;
      if (total > maxBytes) throw new LLMResponseError(provider, `response larger than ${maxBytes} bytes (maxResponseBytes); stopped reading`);
      const text = decoder.decode(chunk, { stream: true });
      let start = 0;
      let nl: number;
      while ((nl = text.indexOf('\n', start)) >= 0) {
        let line = text.slice(start, nl);
        if (pendingLength !== 0) {
          pending.push(line);
          line = pending.join('');
          pending = [];
          pendingLength = 0;
        }
        start = nl + 1;
        if (line.endsWith('\r')) line = line.slice(0, -1);
        if (line.trim() !== '') yield line;
      }
      if (start < text.length) {
        pending.push(text.slice(start));
        pendingLength += text.length - start;
      }
    }
  } catch (err) {
    if (err instanceof LLMResponseError) throw err;
    if ((err as { name?: string }).name === 'AbortError' || err instanceof DOMException) throw err;
    if ((err as { code?: unknown }).code !== undefined && String((err as { code?: unknown }).code).startsWith('AF_ERR_')) throw err;
    // undici reports a connection dropped mid-body as `TypeError: terminated`.
    throw new LLMResponseError(provider, `connection dropped mid-stream: ${err instanceof Error ? err.message : String(err)}`, undefined, true);
  }
  const rest = pending.join('') + decoder.decode();
  if (rest.trim() !== '') yield rest;
}

/**
 * Options for {@link lines}.
 *
 * @example
 * ```ts
 * for await (const line of lines(response, { provider: 'ollama', maxBytes: 1 << 20 })) handle(line);
 * ```
 */
export interface LineOptions {
  /** Named in errors. */
  provider?: string;
  /** Response bytes accepted before failing with LLMResponseError. Default 16 MiB. */
  maxBytes?: number;
}

/**
 * The default bound on an LLM response (16 MiB).
 *
 * @example
 * ```ts
 * new OllamaProvider({ model: 'm', maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES / 4 });
 * ```
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

const ERROR_BODY_BYTES = 64 * 1024;

/** Reads at most `max` bytes of a body (an error body can be huge), then cancels the rest. */
async function readCapped(response: Response, max: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  try {
    while (n < max) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      n += value.byteLength;
    }
  } catch {
    // a dropped connection: what was read is the message
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return new TextDecoder().decode(Buffer.concat(parts).subarray(0, max));
}

/**
 * POSTs JSON and returns the parsed JSON answer (bounded like a stream),
 * with the retries and timeout of {@link postStream}.
 *
 * @example
 * ```ts
 * const j = await postJson({ provider: 'ollama', url: `${base}/api/embed`, body: { model, input: ['hi'] }, timeoutMs: 30_000, maxRetries: 2 });
 * ```
 */
export async function postJson(o: PostOptions & { maxBytes?: number }): Promise<unknown> {
  const { response, done } = await postStream(o);
  try {
    const text = await readCapped(response, o.maxBytes ?? DEFAULT_MAX_RESPONSE_BYTES);
    try {
      return JSON.parse(text);
    } catch {
      throw new LLMResponseError(o.provider, `malformed JSON from ${new URL(o.url).pathname}: ${text.slice(0, 120)}`);
    }
  } finally {
    done();
  }
}

/**
 * An embedding vector from a response, checked to be finite numbers.
 *
 * @example
 * ```ts
 * vectorOf([0.1, 0.2], 'ollama'); // [0.1, 0.2]
 * ```
 */
export function vectorOf(v: unknown, provider: string): number[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new LLMResponseError(provider, 'an embedding is not a non-empty array of finite numbers');
  }
  return v as number[];
}
