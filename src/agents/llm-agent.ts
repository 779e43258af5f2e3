/**
 * LLM agents: agents whose work is a chat completion. A declared agent in
 * agentflow.toml with no code handler becomes one of these.
 * @module
 */
import { BaseAgent, type AgentContext, type AgentOptions } from '../core/agent.js';
import type { JsonObject } from '../core/json.js';
import type { State } from '../core/state.js';
import type { ChatMessage, LLMProvider } from '../providers/types.js';

/**
 * Options for {@link LLMAgent}.
 *
 * @example
 * ```ts
 * const opts: LLMAgentOptions = { name: 'writer', systemPrompt: 'You write short stories.', provider };
 * ```
 */
export interface LLMAgentOptions extends AgentOptions {
  /** The system prompt sent before the input. Required: an LLM agent without one has no job. */
  systemPrompt: string;
  provider: LLMProvider;
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  seed?: number;
  /** Receives each streamed token as it arrives. */
  onToken?: (token: string, agent: string, eventId: string) => void;
  /** Route mode: the agent this one hands its output to (sets `route` in the output). */
  next?: string;
}

/**
 * Data keys an LLM agent reads its input from, in order of preference.
 *
 * @example
 * ```ts
 * LLM_INPUT_KEYS[0]; // 'response' (so LLM agents chain)
 * ```
 */
export const LLM_INPUT_KEYS = ['response', 'input', 'message', 'prompt', 'query', 'text'] as const;

/**
 * Builds the user message for an LLM agent from its input state: the
 * previous agent's `response` if there is one (so LLM agents chain), else the
 * first of `input`, `message`, `prompt`, `query`, `text` that is a string,
 * else the whole data as JSON.
 *
 * @example
 * ```ts
 * userContentOf(new State({ input: 'Tell me a story' })); // 'Tell me a story'
 * ```
 */
export function userContentOf(state: State): string {
  for (const k of LLM_INPUT_KEYS) {
    const v = state.get(k);
    if (typeof v === 'string' && v.length > 0) return v;
  }
  const data = state.toObject();
  delete data.usage;
  delete data.responses;
  return JSON.stringify(data);
}

/**
 * An agent that sends its system prompt and its input to a language model
 * and puts the reply in its output state: `response` (the latest reply, which
 * the next LLM agent reads), `responses.<agent>` (every agent's reply) and
 * `usage.<agent>` (`promptTokens`, `completionTokens`, `totalTokens`, `model`,
 * `durationMs`). The call is cancelled through the handler's AbortSignal
 * (timeouts, deadlines, stop).
 *
 * @example
 * ```ts
 * import { OllamaProvider } from 'agentflow/providers';
 * const writer = new LLMAgent({ name: 'writer', systemPrompt: 'You write.', provider: new OllamaProvider({ model: 'gemma3:1b' }) });
 * runner.registerAgent('writer', writer);
 * ```
 */
export class LLMAgent extends BaseAgent {
  readonly provider: LLMProvider;
  private readonly opts: LLMAgentOptions;

  constructor(opts: LLMAgentOptions) {
    super({ role: 'llm', ...opts });
    this.provider = opts.provider;
    this.opts = opts;
  }

  /** The messages sent for this input. */
  messagesFor(input: State): ChatMessage[] {
    return [
      { role: 'system', content: this.systemPrompt },
      { role: 'user', content: userContentOf(input) },
    ];
  }

  async run(ctx: AgentContext, input: State): Promise<State> {
    const onToken = this.opts.onToken;
    const res = await this.provider.chat(
      { messages: this.messagesFor(input), temperature: this.opts.temperature, maxTokens: this.opts.maxTokens, topP: this.opts.topP, seed: this.opts.seed },
      { signal: ctx.signal, onToken: onToken ? (tok) => onToken(tok, this.name, ctx.eventId) : undefined },
    );
    const out = input.clone();
    if (this.opts.next !== undefined) out.setMeta('route', this.opts.next);
    out.set('response', res.content);
    const responses = (out.get('responses') as JsonObject | undefined) ?? {};
    out.set('responses', { ...responses, [this.name]: res.content });
    const usage = (out.get('usage') as JsonObject | undefined) ?? {};
    out.set('usage', {
      ...usage,
      [this.name]: {
        model: res.model,
        promptTokens: res.usage.promptTokens,
        completionTokens: res.usage.completionTokens,
        totalTokens: res.usage.totalTokens,
        durationMs: res.durationMs,
      },
    });
    return out;
  }

  override async shutdown(): Promise<void> {
    await this.provider.close?.();
  }
}
