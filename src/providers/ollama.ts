/**
 * Ollama's own HTTP API: `POST /api/chat` streaming NDJSON.
 * @module
 */
import { LLMModelNotFoundError, LLMResponseError } from './errors.js';
import { lines, postJson, postStream, vectorOf } from './http.js';
import { sampling, StreamingProvider, type ChatMessage, type ChatRequest, type ProviderConfig, type StreamChunk } from './types.js';

/**
 * Talks to an Ollama server (`ollama serve`). Base URL: the config's
 * `baseUrl`, else `OLLAMA_HOST`, else `http://localhost:11434`.
 *
 * @example
 * ```ts
 * const p = new OllamaProvider({ provider: 'ollama', model: 'gemma3:1b' });
 * const { content } = await p.chat({ messages: [{ role: 'user', content: 'Hello' }] });
 * ```
 */
export class OllamaProvider extends StreamingProvider {
  readonly name = 'ollama';
  readonly baseUrl: string;
  private readonly c: ProviderConfig;

  constructor(config: Omit<ProviderConfig, 'provider'> & { provider?: string }) {
    super(config.model);
    this.c = { provider: 'ollama', ...config };
    const env = config.env ?? process.env;
    let base = config.baseUrl ?? env.OLLAMA_HOST ?? 'http://localhost:11434';
    if (!/^https?:\/\//.test(base)) base = `http://${base}`;
    this.baseUrl = base.replace(/\/+$/, '');
  }


  /** The models the server has (`GET /api/tags`). */
  async listModels(signal?: AbortSignal): Promise<string[]> {
    const res = await fetch(`${this.baseUrl}/api/tags`, { signal });
    if (!res.ok) throw new LLMResponseError('ollama', `GET /api/tags: HTTP ${res.status}`, res.status);
    const j = (await res.json()) as { models?: { name: string }[] };
    return (j.models ?? []).map((m) => m.name);
  }

  /** Embeddings through `/api/embed`. */
  async embed(texts: readonly string[], options: { signal?: AbortSignal; model?: string } = {}): Promise<number[][]> {
    if (texts.length === 0) return [];
    const model = options.model ?? this.c.embeddingModel ?? this.model;
    const body = await postJson({
      provider: 'ollama',
      url: `${this.baseUrl}/api/embed`,
      body: { model, input: texts },
      timeoutMs: this.c.timeoutMs ?? 30_000,
      maxRetries: this.c.maxRetries ?? 2,
      retryBaseDelayMs: this.c.retryBaseDelayMs,
      signal: options.signal,
      onErrorStatus: (status, msg) => (status === 404 && /not found/i.test(msg) ? new LLMModelNotFoundError('ollama', model, msg) : undefined),
    });
    const list = (body as { embeddings?: unknown[] }).embeddings;
    if (!Array.isArray(list) || list.length !== texts.length) throw new LLMResponseError('ollama', `/api/embed returned ${Array.isArray(list) ? list.length : 'no'} vectors for ${texts.length} inputs`);
    return list.map((v) => vectorOf(v, 'ollama'));
  }

  protected async *chunks(request: ChatRequest, signal?: AbortSignal): AsyncGenerator<StreamChunk> {
    const model = request.model ?? this.model;
    const options = sampling(request, this.c, { temperature: 'temperature', maxTokens: 'num_predict', topP: 'top_p', seed: 'seed' });
    const { response, done, signal: live } = await postStream({
      provider: 'ollama',
      url: `${this.baseUrl}/api/chat`,
      body: {
        model,
        messages: request.messages.map(toOllamaMessage),
        stream: true,
        options,
        ...(request.stop ? { stop: request.stop } : {}),
        // Ollama has no tool_choice: "none" sends no tools; "required" and a named tool cannot be enforced.
        ...(request.tools && request.tools.length !== 0 && request.toolChoice !== 'none'
          ? { tools: request.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } })) }
          : {}),
      },
      timeoutMs: this.c.timeoutMs ?? 30_000,
      maxRetries: this.c.maxRetries ?? 2,
      retryBaseDelayMs: this.c.retryBaseDelayMs,
      signal,
      onErrorStatus: (status, msg) => (status === 404 && /not found/i.test(msg) ? new LLMModelNotFoundError('ollama', model, msg) : undefined),
    });
    let finished = false;
    let nextCall = 0;
    try {
      for await (const line of lines(response, { provider: 'ollama', maxBytes: this.c.maxResponseBytes })) {
        let j: {
          message?: { content?: string; tool_calls?: { function?: { name?: string; arguments?: unknown } }[] };
          done?: boolean;
          done_reason?: string;
          error?: string;
          model?: string;
          prompt_eval_count?: number;
          eval_count?: number;
        };
        try {
          j = JSON.parse(line);
        } catch {
          throw new LLMResponseError('ollama', `malformed NDJSON line from /api/chat: ${line.slice(0, 120)}`);
        }
        if (typeof j.error === 'string') throw new LLMResponseError('ollama', `error in stream: ${j.error}`, 200, true);
        if (j.message && typeof j.message.content === 'string' && j.message.content !== '') yield { text: j.message.content };
        const calls = j.message?.tool_calls;
        if (Array.isArray(calls) && calls.length !== 0) {
          yield { toolCalls: calls.map((c) => ({ index: nextCall++, name: c.function?.name ?? '', arguments: typeof c.function?.arguments === 'string' ? c.function.arguments : JSON.stringify(c.function?.arguments ?? {}) })) };
        }
        if (j.done) {
          finished = true;
          yield {
            model: j.model,
            finishReason: j.done_reason ?? 'stop',
            usage: { promptTokens: j.prompt_eval_count ?? 0, completionTokens: j.eval_count ?? 0 },
          };
        }
      }
    } catch (err) {
      if (live.aborted) throw live.reason;
      throw err;
    } finally {
      done();
    }
    if (!finished) throw new LLMResponseError('ollama', 'stream ended without a final "done" message', undefined, true);
  }
}

/**
 * A chat message in Ollama's wire form (`tool_calls` with argument
 * objects on assistant messages, `tool_name` on tool results).
 *
 * @example
 * ```ts
 * toOllamaMessage({ role: 'tool', content: '{"temp":4}', toolName: 'weather' }); // { role: 'tool', content: '{"temp":4}', tool_name: 'weather' }
 * ```
 */
export function toOllamaMessage(m: ChatMessage): Record<string, unknown> {
  if (m.role === 'tool') return { role: 'tool', content: m.content, ...(m.toolName ? { tool_name: m.toolName } : {}) };
  if (m.role === 'assistant' && m.toolCalls && m.toolCalls.length !== 0) {
    return { role: 'assistant', content: m.content, tool_calls: m.toolCalls.map((c) => ({ function: { name: c.name, arguments: parseArgs(c.arguments) } })) };
  }
  return { role: m.role, content: m.content };
}

function parseArgs(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}
