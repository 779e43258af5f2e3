/**
 * A fully offline provider: runs a GGUF model in-process through
 * node-llama-cpp (an optional peer dependency: `npm install node-llama-cpp`).
 * Its own subpath, `agentflow/providers/llama-cpp`, so nothing else loads it.
 * @module
 */
import { AgentflowError, ErrorCodes } from '../core/errors.js';
import { LLMResponseError } from './errors.js';
import { parseToolOutput, toolCallSchema, toolPrompt } from './tool-grammar.js';
import { StreamingProvider, type ChatMessage, type ChatRequest, type ProviderConfig, type StreamChunk } from './types.js';

type LlamaModule = typeof import('node-llama-cpp');
/** Tool-call JSON needs room: the token budget in tool mode is at least this. */
const TOOL_MODE_MIN_TOKENS = 256;
type Loaded = {
  llama: Awaited<ReturnType<LlamaModule['getLlama']>>;
  model: Awaited<ReturnType<Awaited<ReturnType<LlamaModule['getLlama']>>['loadModel']>>;
  context: Awaited<ReturnType<Awaited<ReturnType<Awaited<ReturnType<LlamaModule['getLlama']>>['loadModel']>>['createContext']>>;
  mod: LlamaModule;
};

/**
 * The text a chat becomes for a plain completion model: the system prompt,
 * then each message, then the text to continue. Models with a chat template
 * work too; tiny story models simply continue the text.
 *
 * @example
 * ```ts
 * promptOf([{ role: 'system', content: 'Tell stories.' }, { role: 'user', content: 'Once upon a time' }]); // 'Tell stories.\n\nOnce upon a time'
 * ```
 */
export function promptOf(messages: readonly ChatMessage[]): string {
  return messages
    .map((m) => (m.role === 'assistant' ? m.content : m.content))
    .filter((s) => s.trim() !== '')
    .join('\n\n');
}

/**
 * Runs a local GGUF model. Loads lazily on the first call and shares the
 * model between calls; calls run one at a time on one context sequence.
 * Defaults chosen for small CPUs: `threads: 1` (llama.cpp threads busy-wait,
 * so more threads than idle cores collapses throughput) and a 512-token
 * context. Temperature 0 with a seed is deterministic.
 *
 * @example
 * ```ts
 * import { LlamaCppProvider } from 'agentflow/providers/llama-cpp';
 * const p = new LlamaCppProvider({ model: 'stories', modelPath: 'models/stories260K.gguf' });
 * const { content } = await p.chat({ messages: [{ role: 'user', content: 'Once upon a time' }], temperature: 0, seed: 1 });
 * await p.close();
 * ```
 */
export class LlamaCppProvider extends StreamingProvider {
  readonly name = 'llama-cpp';
  private readonly c: ProviderConfig;
  private loading: Promise<Loaded> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly grammars = new Map<string, Promise<unknown>>();
  private calls = 0;
  private embedding: Promise<{ getEmbeddingFor(text: string): Promise<{ vector: readonly number[] }>; dispose(): Promise<void> }> | undefined;

  constructor(config: Omit<ProviderConfig, 'provider'> & { provider?: string }) {
    super(config.model || 'local');
    if (!config.modelPath) throw new AgentflowError(ErrorCodes.CONFIG_INVALID, 'the llama-cpp provider needs modelPath ([llm] model_path = "path/to/model.gguf")', { details: { key: 'llm.model_path' } });
    this.c = { provider: 'llama-cpp', ...config };
  }

  private load(): Promise<Loaded> {
    this.loading ??= (async () => {
      let mod: LlamaModule;
      try {
        mod = await import('node-llama-cpp');
      } catch (err) {
        throw new AgentflowError(ErrorCodes.LLM_UNKNOWN_PROVIDER, 'the llama-cpp provider needs node-llama-cpp: run `npm install node-llama-cpp`', { cause: err });
      }
      const llama = await mod.getLlama({ gpu: false, build: 'never', logLevel: mod.LlamaLogLevel.error });
      let model: Loaded['model'];
      try {
        model = await llama.loadModel({ modelPath: this.c.modelPath! });
      } catch (err) {
        throw new AgentflowError(ErrorCodes.LLM_MODEL_NOT_FOUND, `cannot load model file ${this.c.modelPath}: ${(err as Error).message}; check [llm] model_path`, { cause: err, details: { file: this.c.modelPath } });
      }
      const context = await model.createContext({ contextSize: this.c.contextSize ?? 512, threads: this.c.threads ?? 1 });
      return { llama, model, context, mod };
    })();
    return this.loading;
  }


  /**
   * Streams one completion; calls are serialized on the shared context.
   * With tools (and `toolChoice` not `none`) the output is constrained by a
   * grammar to a tool call or an answer (see `toolCallSchema`); the answer
   * then arrives as one piece at the end.
   */
  protected async *chunks(request: ChatRequest, signal?: AbortSignal): AsyncGenerator<StreamChunk> {
    const tools = request.tools !== undefined && request.tools.length !== 0 && request.toolChoice !== 'none' ? request.tools : undefined;
    if (tools === undefined) {
      yield* this.complete(promptOf(request.messages), request, signal, undefined);
      return;
    }
    let text = '';
    let last: StreamChunk = {};
    const schema = toolCallSchema(tools, request.toolChoice);
    const budget = Math.max(request.maxTokens ?? this.c.maxTokens ?? 128, TOOL_MODE_MIN_TOKENS);
    for await (const c of this.complete(toolPrompt(request.messages, tools), { ...request, maxTokens: budget }, signal, schema)) {
      if (c.text) text += c.text;
      else last = c;
    }
    const out = parseToolOutput(text);
    if (out === undefined) throw new LLMResponseError('llama-cpp', `tool-mode output is not a complete call or answer within ${budget} tokens: ${text.slice(0, 120)}`);
    if ('answer' in out) yield { text: out.answer };
    else yield { toolCalls: [{ index: 0, id: `call_${++this.calls}`, name: out.call.name, arguments: out.call.arguments }] };
    yield { ...last, finishReason: 'answer' in out ? 'stop' : 'tool_calls' };
  }

  private async grammarFor(schema: Record<string, unknown>): Promise<unknown> {
    const key = JSON.stringify(schema);
    let g = this.grammars.get(key);
    if (g === undefined) {
      const { llama } = await this.load();
      g = llama.createGrammarForJsonSchema(schema as never);
      if (this.grammars.size >= 32) this.grammars.delete(this.grammars.keys().next().value!);
      this.grammars.set(key, g);
    }
    return g;
  }

  private async *complete(prompt: string, request: ChatRequest, signal: AbortSignal | undefined, schema: Record<string, unknown> | undefined): AsyncGenerator<StreamChunk> {
    const pieces: string[] = [];
    let wake: (() => void) | undefined;
    let finished = false;
    let failure: unknown;
    let result: { promptTokens: number; completionTokens: number; stopReason: string } | undefined;
    const run = async () => {
      const { context, mod, model } = await this.load();
      const grammar = schema === undefined ? undefined : ((await this.grammarFor(schema)) as InstanceType<LlamaModule['LlamaGrammar']>);
      signal?.throwIfAborted();
      const sequence = context.getSequence();
      try {
        const completion = new mod.LlamaCompletion({ contextSequence: sequence });
        const promptTokens = model.tokenize(prompt).length;
        let completionTokens = 0;
        const temperature = request.temperature ?? this.c.temperature ?? 0.7;
        const res = await completion.generateCompletionWithMeta(prompt, {
          maxTokens: request.maxTokens ?? this.c.maxTokens ?? 128,
          temperature,
          seed: request.seed ?? this.c.seed,
          topP: request.topP ?? this.c.topP,
          grammar,
          signal,
          onToken: (tokens) => {
            completionTokens += tokens.length;
          },
          onTextChunk: (text) => {
            pieces.push(text);
            wake?.();
          },
        });
        result = { promptTokens, completionTokens, stopReason: res.metadata.stopReason };
      } finally {
        sequence.dispose();
      }
    };
    const job = this.queue.then(run, run);
    this.queue = job.catch(() => undefined);
    job.then(
      () => {
        finished = true;
        wake?.();
      },
      (err) => {
        failure = err;
        finished = true;
        wake?.();
      },
    );
    while (true) {
      while (pieces.length) yield { text: pieces.shift()! };
      if (finished) break;
      await new Promise<void>((r) => (wake = r));
      wake = undefined;
    }
    while (pieces.length) yield { text: pieces.shift()! };
    if (failure !== undefined) {
      if (signal?.aborted) throw signal.reason;
      throw failure;
    }
    if (signal?.aborted) throw signal.reason;
    yield {
      usage: { promptTokens: result!.promptTokens, completionTokens: result!.completionTokens },
      finishReason: result!.stopReason === 'maxTokens' ? 'length' : 'stop',
    };
  }

  /** Embeddings from the loaded model (mean-pooled by llama.cpp), one call at a time. */
  async embed(texts: readonly string[], options: { signal?: AbortSignal } = {}): Promise<number[][]> {
    const { model } = await this.load();
    const run = async () => {
      this.embedding ??= model.createEmbeddingContext({ contextSize: this.c.contextSize ?? 512, threads: this.c.threads ?? 1 });
      const ctx = await this.embedding;
      const out: number[][] = [];
      for (const t of texts) {
        options.signal?.throwIfAborted();
        out.push([...(await ctx.getEmbeddingFor(t)).vector]);
      }
      return out;
    };
    const job = this.queue.then(run, run);
    this.queue = job.catch(() => undefined);
    return job;
  }

  async close(): Promise<void> {
    if (!this.loading) return;
    const l = await this.loading.catch(() => undefined);
    this.loading = undefined;
    this.grammars.clear();
    const emb = this.embedding;
    this.embedding = undefined;
    if (!l) return;
    await (await emb?.catch(() => undefined))?.dispose();
    await l.context.dispose();
    await l.model.dispose();
    await l.llama.dispose();
  }
}
