/**
 * The LLM provider interface: chat completion with streaming.
 * @module
 */

/**
 * One chat message.
 *
 * @example
 * ```ts
 * const m: ChatMessage = { role: 'system', content: 'You write short stories.' };
 * ```
 */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  /** On an assistant message: the tool calls the model made. */
  toolCalls?: ToolCall[];
  /** On a tool message: the call it answers. */
  toolCallId?: string;
  /** On a tool message: the tool's name (Ollama wants it). */
  toolName?: string;
}

/**
 * A tool call the model made. `arguments` is the raw JSON text the model
 * produced: it is parsed and validated before the tool runs.
 *
 * @example
 * ```ts
 * const c: ToolCall = { id: 'call_1', name: 'weather', arguments: '{"city":"Oslo"}' };
 * ```
 */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/**
 * A tool as a provider sends it to the model: a name, what it does and a
 * JSON Schema for its input.
 *
 * @example
 * ```ts
 * const s: ToolSpec = { name: 'weather', description: 'Current weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };
 * ```
 */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/**
 * Whether the model may, must or must not call a tool, or which one.
 *
 * @example
 * ```ts
 * const c: ToolChoice = { name: 'weather' };
 * ```
 */
export type ToolChoice = 'auto' | 'required' | 'none' | { name: string };

/**
 * A chat request. Unset options fall back to the provider's configuration.
 *
 * @example
 * ```ts
 * const req: ChatRequest = { messages: [{ role: 'user', content: 'Once upon a time' }], temperature: 0, seed: 1, maxTokens: 64 };
 * ```
 */
export interface ChatRequest {
  messages: ChatMessage[];
  model?: string;
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  seed?: number;
  stop?: string[];
  /** Tools the model may call. */
  tools?: ToolSpec[];
  /** Default `auto` when tools are given. */
  toolChoice?: ToolChoice;
}

/**
 * Token counts of one call.
 *
 * @example
 * ```ts
 * const u: TokenUsage = { promptTokens: 12, completionTokens: 40, totalTokens: 52 };
 * ```
 */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/**
 * A finished chat completion.
 *
 * @example
 * ```ts
 * const { content, usage } = await provider.chat(req);
 * ```
 */
export interface ChatResponse {
  content: string;
  model: string;
  usage: TokenUsage;
  /** `stop`, `length`, `tool_calls`, … as the server reports it. */
  finishReason: string;
  durationMs: number;
  /** The tool calls the model made (absent or empty for a plain answer). */
  toolCalls?: ToolCall[];
}

/**
 * Per-call options.
 *
 * @example
 * ```ts
 * await provider.chat(req, { signal: ctx.signal, onToken: (t) => process.stdout.write(t) });
 * ```
 */
export interface ChatOptions {
  signal?: AbortSignal;
  /** Called with each streamed piece of text as it arrives. */
  onToken?: (token: string) => void;
}

/**
 * A language-model backend.
 *
 * @example
 * ```ts
 * const p: LLMProvider = createProvider({ provider: 'ollama', model: 'gemma3:1b' });
 * for await (const tok of p.stream({ messages })) process.stdout.write(tok);
 * ```
 */
export interface LLMProvider {
  readonly name: string;
  readonly model: string;
  chat(request: ChatRequest, options?: ChatOptions): Promise<ChatResponse>;
  /** Yields text pieces as they arrive. */
  stream(request: ChatRequest, options?: Omit<ChatOptions, 'onToken'>): AsyncIterable<string>;
  /** Embeddings of `texts`, one vector each, in order (providers that can embed). */
  embed?(texts: readonly string[], options?: { signal?: AbortSignal; model?: string }): Promise<number[][]>;
  close?(): Promise<void>;
}

/**
 * Settings shared by the built-in providers (camelCase forms of the `[llm]` keys).
 *
 * @example
 * ```ts
 * const c: ProviderConfig = { provider: 'openai', model: 'gpt-4o-mini', apiKeyEnv: 'OPENAI_API_KEY' };
 * ```
 */
export interface ProviderConfig {
  provider: string;
  model: string;
  baseUrl?: string;
  apiKey?: string;
  apiKeyEnv?: string;
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  seed?: number;
  /** Per-request timeout. Default 30,000 ms. */
  timeoutMs?: number;
  /** Largest response accepted, in bytes (a flooding server fails typed past it). Default 16 MiB. */
  maxResponseBytes?: number;
  /** Retries on 429, 5xx and connection errors. Default 2. */
  maxRetries?: number;
  retryBaseDelayMs?: number;
  /** llama-cpp: the GGUF file. */
  modelPath?: string;
  /** llama-cpp: CPU threads (default 1: llama.cpp threads busy-wait). */
  threads?: number;
  /** llama-cpp: context size in tokens (default 512). */
  contextSize?: number;
  /** The model `embed()` uses (default: `model`). */
  embeddingModel?: string;
  /** Environment for `apiKeyEnv` and `OLLAMA_HOST` (default process.env). */
  env?: Record<string, string | undefined>;
}

/**
 * Collects a stream into a response: the shared `chat` implementation of
 * streaming providers.
 *
 * @example
 * ```ts
 * const res = await collect(chunks, 'gemma3:1b', Date.now(), onToken);
 * ```
 */
export async function collect(
  chunks: AsyncIterable<StreamChunk>,
  model: string,
  started: number,
  onToken?: (t: string) => void,
): Promise<ChatResponse> {
  let content = '';
  let usage: TokenUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
  let finishReason = 'stop';
  let m = model;
  const calls: { id?: string; name: string; args: string }[] = [];
  for await (const c of chunks) {
    if (c.toolCalls) {
      for (const d of c.toolCalls) {
        const slot = (calls[d.index] ??= { name: '', args: '' });
        if (d.id) slot.id = d.id;
        if (d.name) slot.name += d.name;
        if (d.arguments) slot.args += d.arguments;
      }
    }
    if (c.text) {
      content += c.text;
      onToken?.(c.text);
    }
    if (c.usage) {
      const p = c.usage.promptTokens ?? usage.promptTokens;
      const q = c.usage.completionTokens ?? usage.completionTokens;
      usage = { promptTokens: p, completionTokens: q, totalTokens: c.usage.totalTokens ?? p + q };
    }
    if (c.finishReason) finishReason = c.finishReason;
    if (c.model) m = c.model;
  }
  const res: ChatResponse = { content, model: m, usage, finishReason, durationMs: Date.now() - started };
  const toolCalls = calls.filter((c) => c !== undefined && c.name !== '').map((c, i) => ({ id: c.id ?? `call_${i + 1}`, name: c.name, arguments: c.args === '' ? '{}' : c.args }));
  if (toolCalls.length !== 0) res.toolCalls = toolCalls;
  return res;
}

/**
 * One piece of a provider's stream: text, and at the end usage and the finish reason.
 *
 * @example
 * ```ts
 * const c: StreamChunk = { text: 'Once' };
 * ```
 */
export interface StreamChunk {
  text?: string;
  /** Pieces of tool calls, assembled by `index` (OpenAI streams a call's arguments in fragments). */
  toolCalls?: ToolCallDelta[];
  usage?: Partial<TokenUsage>;
  finishReason?: string;
  model?: string;
}

/**
 * A piece of a streamed tool call: the fields present are appended to the
 * call at `index`.
 *
 * @example
 * ```ts
 * const d: ToolCallDelta = { index: 0, id: 'call_1', name: 'weather', arguments: '{"ci' };
 * ```
 */
export interface ToolCallDelta {
  index: number;
  id?: string;
  name?: string;
  arguments?: string;
}

/**
 * Base class for providers that stream: implement `chunks()`, get `chat()`
 * (collects the stream, calling `onToken` per piece) and `stream()` (yields
 * the text pieces).
 *
 * @example
 * ```ts
 * class EchoProvider extends StreamingProvider {
 *   readonly name = 'echo';
 *   constructor() { super('echo-1') }
 *   protected async *chunks(req: ChatRequest) { yield { text: req.messages.at(-1)!.content }; yield { finishReason: 'stop' } }
 * }
 * ```
 */
export abstract class StreamingProvider implements LLMProvider {
  abstract readonly name: string;
  readonly model: string;
  constructor(model: string) {
    this.model = model;
  }
  protected abstract chunks(request: ChatRequest, signal?: AbortSignal): AsyncGenerator<StreamChunk>;
  chat(request: ChatRequest, options: ChatOptions = {}): Promise<ChatResponse> {
    return collect(this.chunks(request, options.signal), request.model ?? this.model, Date.now(), options.onToken);
  }
  async *stream(request: ChatRequest, options: Omit<ChatOptions, 'onToken'> = {}): AsyncIterable<string> {
    for await (const c of this.chunks(request, options.signal)) if (c.text) yield c.text;
  }
}

/**
 * The sampling settings of a request, falling back to the provider's
 * configuration, as `{ wireName: value }` for the settings that are set.
 * Each provider passes its own wire names.
 *
 * @example
 * ```ts
 * sampling(req, config, { temperature: 'temperature', maxTokens: 'num_predict', topP: 'top_p', seed: 'seed' }); // Ollama's options
 * ```
 */
export function sampling(
  request: ChatRequest,
  config: Pick<ProviderConfig, 'temperature' | 'maxTokens' | 'topP' | 'seed'>,
  names: Record<'temperature' | 'maxTokens' | 'topP' | 'seed', string>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of ['temperature', 'maxTokens', 'topP', 'seed'] as const) {
    const v = request[k] ?? config[k];
    if (v !== undefined) out[names[k]] = v;
  }
  return out;
}

/**
 * A provider that wraps another (a circuit breaker, tracing, metrics):
 * `chat` and `stream` from `parts`, everything else (`name`, `model`,
 * `embed`, `close`, and what `parts` adds) forwarded, so no capability is
 * lost by wrapping.
 *
 * @example
 * ```ts
 * const logged = decorateProvider(inner, {
 *   chat: async (req, opts) => { console.log('chat'); return inner.chat(req, opts) },
 *   stream: (req, opts) => inner.stream(req, opts),
 * });
 * ```
 */
export function decorateProvider<X extends object>(inner: LLMProvider, parts: Pick<LLMProvider, 'chat' | 'stream'> & X): LLMProvider & X {
  return {
    name: inner.name,
    model: inner.model,
    embed: inner.embed === undefined ? undefined : (texts, options) => inner.embed!(texts, options),
    close: inner.close === undefined ? undefined : () => inner.close!(),
    ...parts,
  };
}
