/**
 * LLM agents: agents whose work is a chat completion. A declared agent in
 * agentflow.toml with no code handler becomes one of these.
 * @module
 */
import { BaseAgent, type AgentContext, type AgentOptions } from '../core/agent.js';
import type { JsonObject } from '../core/json.js';
import type { State } from '../core/state.js';
import { InvalidOptionError, ToolDefinitionError, ToolRoundsExceededError } from '../core/errors.js';
import type { ChatMessage, ChatResponse, LLMProvider, ToolChoice, ToolSpec } from '../providers/types.js';
import { runToolRound } from './tools/run.js';
import { specOf, wireName, type Tool } from './tools/tool.js';
import type { ToolSet } from './tools/tool-set.js';
import type { ConversationMemory } from './memory/conversation.js';
import type { Knowledge } from './memory/knowledge.js';

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
  /** Tools the model may call (see `defineTool`). */
  tools?: readonly Tool<never, unknown>[];
  /**
   * Agents the model may hand off to: each becomes a tool `transfer_to_<agent>`;
   * calling it ends this agent's turn and routes the event there (a handoff wins over `next`).
   */
  handoffs?: readonly (string | { agent: string; description?: string })[];
  /** Rounds of tool calls before the agent fails with `ToolRoundsExceededError`. Default 8. */
  maxToolRounds?: number;
  /** Timeout of one tool call unless the tool sets its own. Default 30,000 ms. */
  toolTimeoutMs?: number;
  /** Longer tool results are cut before they go back to the model. Default 16,384 characters. */
  maxToolResultChars?: number;
  /** Tool choice of the first round (later rounds are `auto`). Default `auto`. */
  toolChoice?: ToolChoice;
  /** Tools known only once the runner starts (an MCP server's): opened by `initialize`, closed by `shutdown`. */
  toolSets?: readonly ToolSet[];
  /** Conversation memory: the session's earlier turns with this agent go before the input; the exchange is remembered. */
  memory?: ConversationMemory;
  /** Documents retrieved for the input and put in the system prompt (bounded). */
  knowledge?: Knowledge;
}

/**
 * The tool-name prefix of handoffs: `transfer_to_billing` hands off to `billing`.
 *
 * @example
 * ```ts
 * `${HANDOFF_PREFIX}billing`; // 'transfer_to_billing'
 * ```
 */
export const HANDOFF_PREFIX = 'transfer_to_';

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

  private readonly specs: ToolSpec[];
  private readonly toolTable = new Map<string, Tool<never, unknown>>();
  private readonly handoffTargets = new Map<string, string>();
  private readonly openSets: ToolSet[] = [];
  private readonly fromSets: string[] = [];

  constructor(opts: LLMAgentOptions) {
    super({ role: 'llm', ...opts });
    this.provider = opts.provider;
    this.opts = opts;
    if (opts.maxToolRounds !== undefined && !(Number.isInteger(opts.maxToolRounds) && opts.maxToolRounds >= 1)) {
      throw new InvalidOptionError('maxToolRounds', `must be an integer ≥ 1 (agent "${opts.name}", got ${String(opts.maxToolRounds)})`);
    }
    this.specs = [];
    for (const t of opts.tools ?? []) this.addTool(t);
    for (const h of opts.handoffs ?? []) {
      const agent = typeof h === 'string' ? h : h.agent;
      const name = wireName(`${HANDOFF_PREFIX}${agent}`);
      if (this.handoffTargets.has(name) || this.toolTable.has(name)) throw new ToolDefinitionError(name, 'is declared twice', `agent "${opts.name}" handoffs`);
      this.handoffTargets.set(name, agent);
      const about = typeof h === 'string' || h.description === undefined ? '' : ` ${h.description}`;
      this.specs.push({ name, description: `Hand the conversation over to the agent "${agent}".${about} Call it when that agent should answer instead of you.`, parameters: { type: 'object', properties: {}, additionalProperties: false } });
    }
  }

  /** The tools this agent offers the model (its own and its handoffs), as sent on the wire. */
  toolSpecs(): readonly ToolSpec[] {
    return this.specs;
  }

  /** The messages sent for this input. */
  messagesFor(input: State): ChatMessage[] {
    return [
      { role: 'system', content: this.systemPrompt },
      { role: 'user', content: userContentOf(input) },
    ];
  }

  async run(ctx: AgentContext, input: State): Promise<State> {
    const o = this.opts;
    const user = userContentOf(input);
    const messages = this.messagesFor(input);
    if (o.knowledge) {
      const found = await o.knowledge.context(user, ctx.signal);
      ctx.report({ kind: 'memory', op: 'search', items: found.hits, chars: found.text.length });
      if (found.text !== '') messages[0] = { role: 'system', content: `${this.systemPrompt}\n\n${found.text}` };
    }
    if (o.memory) {
      const h = await o.memory.history(ctx.sessionId, this.name, ctx.eventId);
      ctx.report({ kind: 'memory', op: 'load', items: h.turns, chars: h.chars });
      messages.splice(1, 0, ...h.messages);
    }
    const specs = this.specs;
    const onToken = o.onToken;
    const total = { promptTokens: 0, completionTokens: 0, totalTokens: 0, durationMs: 0 };
    let res: ChatResponse;
    let rounds = 0;
    let calls = 0;
    let handoff: string | undefined;
    for (;;) {
      res = await this.provider.chat(
        {
          messages,
          temperature: o.temperature,
          maxTokens: o.maxTokens,
          topP: o.topP,
          seed: o.seed,
          ...(specs.length === 0 ? {} : { tools: specs, toolChoice: rounds === 0 ? o.toolChoice : 'auto' }),
        },
        {
          signal: ctx.signal,
          onToken: (tok) => {
            onToken?.(tok, this.name, ctx.eventId);
            ctx.report({ kind: 'token', text: tok });
          },
        },
      );
      total.promptTokens += res.usage.promptTokens;
      total.completionTokens += res.usage.completionTokens;
      total.totalTokens += res.usage.totalTokens;
      total.durationMs += res.durationMs;
      const asked = res.toolCalls ?? [];
      if (asked.length === 0 || specs.length === 0) break;
      if (++rounds > (o.maxToolRounds ?? 8)) throw new ToolRoundsExceededError(this.name, o.maxToolRounds ?? 8);
      calls += asked.length;
      messages.push({ role: 'assistant', content: res.content, toolCalls: asked });
      const transfer = asked.find((c) => c.name.startsWith(HANDOFF_PREFIX) && this.handoffTargets.has(c.name));
      for (const c of asked) {
        if (c.name.startsWith(HANDOFF_PREFIX) && !this.handoffTargets.has(c.name)) ctx.report({ kind: 'handoff', to: c.name.slice(HANDOFF_PREFIX.length), accepted: false, reason: 'not a declared handoff' });
      }
      const work = asked.filter((c) => c !== transfer);
      const results = work.length === 0 ? [] : await runToolRound(ctx, work, this.toolTable, { round: rounds, timeoutMs: o.toolTimeoutMs ?? 30_000, maxResultChars: o.maxToolResultChars ?? 16_384, offered: specs.map((t) => t.name) });
      if (transfer !== undefined) {
        handoff = this.handoffTargets.get(transfer.name)!;
        ctx.report({ kind: 'handoff', to: handoff, accepted: true });
        break;
      }
      messages.push(...results);
    }
    if (o.memory) {
      await o.memory.record(ctx.sessionId, this.name, ctx.eventId, user, res.content, this.provider, ctx.signal);
      ctx.report({ kind: 'memory', op: 'save', items: 2, chars: user.length + res.content.length });
    }
    const out = input.clone();
    if (handoff !== undefined) out.setMeta('route', handoff);
    else if (o.next !== undefined) out.setMeta('route', o.next);
    out.set('response', res.content);
    const responses = (out.get('responses') as JsonObject | undefined) ?? {};
    out.set('responses', { ...responses, [this.name]: res.content });
    const usage = (out.get('usage') as JsonObject | undefined) ?? {};
    const mine: JsonObject = { model: res.model, ...total };
    if (rounds !== 0) Object.assign(mine, { toolRounds: rounds, toolCalls: calls });
    if (handoff !== undefined) mine.handoff = handoff;
    out.set('usage', { ...usage, [this.name]: mine });
    return out;
  }

  override async initialize(): Promise<void> {
    try {
      for (const set of this.opts.toolSets ?? []) {
        const tools = await set.open();
        this.openSets.push(set);
        for (const t of tools) this.addTool(t, set.label);
      }
    } catch (err) {
      await this.closeSets(); // a failed start leaves no server running
      throw err;
    }
  }

  private async closeSets(): Promise<void> {
    const sets = this.openSets.splice(0);
    for (const name of this.fromSets.splice(0)) {
      this.toolTable.delete(name);
      this.specs.splice(this.specs.findIndex((t) => t.name === name), 1);
    }
    for (const set of sets) await set.close();
  }

  override async shutdown(): Promise<void> {
    await this.closeSets();
    await this.provider.close?.();
    await this.opts.knowledge?.close();
  }

  private addTool(t: Tool<never, unknown>, from?: string): void {
    const spec = specOf(t);
    if (this.toolTable.has(spec.name) || this.handoffTargets.has(spec.name)) {
      throw new ToolDefinitionError(t.name, `is given twice (or clashes with another tool's wire name "${spec.name}")`, `agent "${this.name}"${from ? `, from ${from}` : ''}`);
    }
    this.toolTable.set(spec.name, t);
    this.specs.push(spec);
    if (from !== undefined) this.fromSets.push(spec.name);
  }
}
