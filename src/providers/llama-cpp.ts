/**
 * A fully offline provider: runs a GGUF model in-process through
 * node-llama-cpp (an optional peer dependency: `npm install node-llama-cpp`).
 * Its own subpath, `agentflow/providers/llama-cpp`, so nothing else loads it.
 * @module
 */
import { AgentflowError, ErrorCodes } from '../core/errors.js';
import { StreamingProvider, type ChatMessage, type ChatRequest, type ProviderConfig, type StreamChunk } from './types.js';

type LlamaModule = typeof import('node-llama-cpp');
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


  /** Streams one completion; calls are serialized on the shared context. */
  protected async *chunks(request: ChatRequest, signal?: AbortSignal): AsyncGenerator<StreamChunk> {
    const pieces: string[] = [];
    let wake: (() => void) | undefined;
    let finished = false;
    let failure: unknown;
    let result: { promptTokens: number; completionTokens: number; stopReason: string } | undefined;
    const run = async () => {
      const { context, mod, model } = await this.load();
      signal?.throwIfAborted();
      const sequence = context.getSequence();
      try {
        const completion = new mod.LlamaCompletion({ contextSequence: sequence });
        const prompt = promptOf(request.messages);
        const promptTokens = model.tokenize(prompt).length;
        let completionTokens = 0;
        const temperature = request.temperature ?? this.c.temperature ?? 0.7;
        const res = await completion.generateCompletionWithMeta(prompt, {
          maxTokens: request.maxTokens ?? this.c.maxTokens ?? 128,
          temperature,
          seed: request.seed ?? this.c.seed,
          topP: request.topP ?? this.c.topP,
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

  async close(): Promise<void> {
    if (!this.loading) return;
    const l = await this.loading.catch(() => undefined);
    this.loading = undefined;
    if (!l) return;
    await l.context.dispose();
    await l.model.dispose();
    await l.llama.dispose();
  }
}
