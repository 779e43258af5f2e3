/**
 * OpenAI-compatible chat completions (`/v1/chat/completions`, SSE), which
 * also serves vLLM, LM Studio, OpenRouter and others through `baseUrl`.
 * @module
 */
import { LLMModelNotFoundError, LLMResponseError } from './errors.js';
import { lines, postJson, postStream, vectorOf } from './http.js';
import { sampling, StreamingProvider, type ChatMessage, type ChatRequest, type ProviderConfig, type StreamChunk } from './types.js';

/**
 * Talks to an OpenAI-compatible server. The API key comes from `apiKey` or
 * the environment variable named by `apiKeyEnv` (never required in a file).
 *
 * @example
 * ```ts
 * const p = new OpenAICompatibleProvider({ model: 'gpt-4o-mini', apiKeyEnv: 'OPENAI_API_KEY' });
 * const lm = new OpenAICompatibleProvider({ model: 'qwen2.5', baseUrl: 'http://127.0.0.1:1234' }); // LM Studio
 * ```
 */
export class OpenAICompatibleProvider extends StreamingProvider {
  readonly name = 'openai';
  readonly baseUrl: string;
  private readonly c: ProviderConfig;
  private readonly apiKey: string | undefined;

  constructor(config: Omit<ProviderConfig, 'provider'> & { provider?: string }) {
    super(config.model);
    this.c = { provider: 'openai', ...config };
    const base = (config.baseUrl ?? 'https://api.openai.com').replace(/\/+$/, '');
    this.baseUrl = base.endsWith('/v1') ? base : `${base}/v1`;
    const env = config.env ?? process.env;
    this.apiKey = config.apiKey ?? (config.apiKeyEnv ? env[config.apiKeyEnv] : undefined);
  }


  /** Embeddings through `/v1/embeddings`. */
  async embed(texts: readonly string[], options: { signal?: AbortSignal; model?: string } = {}): Promise<number[][]> {
    if (texts.length === 0) return [];
    const body = await postJson({
      provider: 'openai',
      url: `${this.baseUrl}/embeddings`,
      body: { model: options.model ?? this.c.embeddingModel ?? this.model, input: texts },
      headers: this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {},
      timeoutMs: this.c.timeoutMs ?? 30_000,
      maxRetries: this.c.maxRetries ?? 2,
      retryBaseDelayMs: this.c.retryBaseDelayMs,
      signal: options.signal,
    });
    const data = (body as { data?: { index?: number; embedding?: unknown }[] }).data;
    if (!Array.isArray(data) || data.length !== texts.length) throw new LLMResponseError('openai', `/embeddings returned ${Array.isArray(data) ? data.length : 'no'} vectors for ${texts.length} inputs`);
    return [...data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0)).map((d) => vectorOf(d.embedding, 'openai'));
  }

  protected async *chunks(request: ChatRequest, signal?: AbortSignal): AsyncGenerator<StreamChunk> {
    const model = request.model ?? this.model;
    const body: Record<string, unknown> = {
      model,
      messages: request.messages.map(toOpenAIMessage),
      stream: true,
      stream_options: { include_usage: true },
      ...sampling(request, this.c, { temperature: 'temperature', maxTokens: 'max_tokens', topP: 'top_p', seed: 'seed' }),
    };
    if (request.stop) body.stop = request.stop;
    if (request.tools && request.tools.length !== 0) {
      body.tools = request.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } }));
      const c = request.toolChoice;
      if (c !== undefined) body.tool_choice = typeof c === 'string' ? c : { type: 'function', function: { name: c.name } };
    }
    const { response, done, signal: live } = await postStream({
      provider: 'openai',
      url: `${this.baseUrl}/chat/completions`,
      body,
      headers: this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {},
      timeoutMs: this.c.timeoutMs ?? 30_000,
      maxRetries: this.c.maxRetries ?? 2,
      retryBaseDelayMs: this.c.retryBaseDelayMs,
      signal,
      onErrorStatus: (status, msg) => (status === 404 && /model/i.test(msg) ? new LLMModelNotFoundError('openai', model, msg) : undefined),
    });
    let sawDone = false;
    try {
      for await (const line of lines(response, { provider: 'openai', maxBytes: this.c.maxResponseBytes })) {
        if (!line.startsWith('data:')) continue; // comments, event: lines
        const data = line.slice(5).trim();
        if (data === '[DONE]') {
          sawDone = true;
          break;
        }
        let j: {
          error?: { message?: string } | string;
          model?: string;
          choices?: { delta?: { content?: string | null; tool_calls?: WireToolCallDelta[] }; finish_reason?: string | null }[];
          usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number } | null;
        };
        try {
          j = JSON.parse(data);
        } catch {
          throw new LLMResponseError('openai', `malformed SSE data from /chat/completions: ${data.slice(0, 120)}`);
        }
        if (j.error) throw new LLMResponseError('openai', `error in stream: ${typeof j.error === 'string' ? j.error : j.error.message}`, 200, true);
        const choice = j.choices?.[0];
        const text = choice?.delta?.content;
        const calls = choice?.delta?.tool_calls;
        yield {
          text: typeof text === 'string' && text !== '' ? text : undefined,
          toolCalls: Array.isArray(calls) ? calls.map((d, i) => ({ index: typeof d.index === 'number' ? d.index : i, id: d.id, name: d.function?.name, arguments: d.function?.arguments })) : undefined,
          finishReason: choice?.finish_reason ?? undefined,
          model: j.model,
          usage: j.usage ? { promptTokens: j.usage.prompt_tokens, completionTokens: j.usage.completion_tokens, totalTokens: j.usage.total_tokens } : undefined,
        };
      }
    } catch (err) {
      if (live.aborted) throw live.reason;
      throw err;
    } finally {
      done();
    }
    if (!sawDone) throw new LLMResponseError('openai', 'stream ended without "data: [DONE]"', undefined, true);
  }
}

interface WireToolCallDelta {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

/**
 * A chat message in the OpenAI wire form (`tool_calls` on assistant
 * messages, `tool_call_id` on tool results).
 *
 * @example
 * ```ts
 * toOpenAIMessage({ role: 'tool', content: '{"temp":4}', toolCallId: 'call_1' }); // { role: 'tool', tool_call_id: 'call_1', content: '{"temp":4}' }
 * ```
 */
export function toOpenAIMessage(m: ChatMessage): Record<string, unknown> {
  if (m.role === 'tool') return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
  if (m.role === 'assistant' && m.toolCalls && m.toolCalls.length !== 0) {
    return { role: 'assistant', content: m.content === '' ? null : m.content, tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })) };
  }
  return { role: m.role, content: m.content };
}
