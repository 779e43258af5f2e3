/**
 * Conversation memory: what an LLM agent said in a session, kept between
 * events (and restarts), bounded by turns and a token budget, older turns
 * truncated or summarised.
 * @module
 */
import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StepStore } from '../../core/steps.js';
import type { ChatMessage, LLMProvider } from '../../providers/types.js';

/**
 * One remembered turn. `eventId` ties it to the event that produced it, so
 * a redelivered event replaces its turns instead of adding them twice.
 *
 * @example
 * ```ts
 * const t: Turn = { eventId: 'e1', role: 'user', content: 'Hello', at: Date.now() };
 * ```
 */
export interface Turn {
  eventId: string;
  role: 'user' | 'assistant' | 'summary';
  content: string;
  at: number;
}

/**
 * Where turns are kept, by conversation key (session and agent).
 *
 * @example
 * ```ts
 * const store: ConversationStore = new FileConversationStore('.agentflow/memory');
 * ```
 */
export interface ConversationStore {
  load(key: string): Promise<Turn[]>;
  append(key: string, turns: readonly Turn[]): Promise<void>;
  /** Replaces a conversation (after summarising). */
  replace(key: string, turns: readonly Turn[]): Promise<void>;
}

/**
 * The embedded default: one JSON-lines file per conversation under `dir`
 * (appends are single writes; a replace writes a new file and renames it),
 * so memory survives a restart with no server.
 *
 * @example
 * ```ts
 * const store = new FileConversationStore('.agentflow/memory/conversations');
 * ```
 */
export class FileConversationStore implements ConversationStore {
  constructor(readonly dir: string) {}
  private file(key: string): string {
    return join(this.dir, `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.jsonl`);
  }
  async load(key: string): Promise<Turn[]> {
    let text: string;
    try {
      text = await readFile(this.file(key), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: Turn[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        const t = JSON.parse(line) as Turn;
        if (typeof t.content === 'string' && typeof t.role === 'string') out.push(t);
      } catch {
        // a torn last line (a crash mid-append): skipped
      }
    }
    return out;
  }
  async append(key: string, turns: readonly Turn[]): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await appendFile(this.file(key), turns.map((t) => JSON.stringify(t) + '\n').join(''), { mode: 0o600 });
  }
  async replace(key: string, turns: readonly Turn[]): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const f = this.file(key);
    const tmp = `${f}.${process.pid}.tmp`;
    await writeFile(tmp, turns.map((t) => JSON.stringify(t) + '\n').join(''), { mode: 0o600 });
    await rename(tmp, f);
  }
}

/**
 * Conversations in a key-value store (a transport's `steps`: in Redis, shared
 * by every worker of the namespace, so a session continues on another
 * worker), one JSON value per conversation with a time to live.
 *
 * @example
 * ```ts
 * const store = new KvConversationStore(redisTransport.steps, 30 * 86_400_000);
 * ```
 */
export class KvConversationStore implements ConversationStore {
  constructor(
    private readonly kv: StepStore,
    private readonly ttlMs: number,
    private readonly prefix = 'memory:',
  ) {}
  async load(key: string): Promise<Turn[]> {
    const v = await this.kv.get(this.prefix + key);
    if (v === undefined) return [];
    try {
      const turns = JSON.parse(v) as Turn[];
      return Array.isArray(turns) ? turns : [];
    } catch {
      return [];
    }
  }
  async append(key: string, turns: readonly Turn[]): Promise<void> {
    await this.replace(key, [...(await this.load(key)), ...turns]);
  }
  async replace(key: string, turns: readonly Turn[]): Promise<void> {
    await this.kv.set(this.prefix + key, JSON.stringify(turns), this.ttlMs);
  }
}

/**
 * Options of {@link ConversationMemory}.
 *
 * @example
 * ```ts
 * const o: ConversationMemoryOptions = { store, maxTurns: 20, maxTokens: 2000, strategy: 'summarize' };
 * ```
 */
export interface ConversationMemoryOptions {
  store: ConversationStore;
  /** Turns (a user message or a reply) sent back to the model. Default 20. */
  maxTurns?: number;
  /** Token budget of the remembered turns (about 4 characters a token). Default 2000. */
  maxTokens?: number;
  /** What happens to turns past the window: dropped (`truncate`, default) or folded into a summary by the agent's model (`summarize`). */
  strategy?: 'truncate' | 'summarize';
}

/**
 * A session's conversation with one agent, as messages for the model.
 *
 * @example
 * ```ts
 * const memory = new ConversationMemory({ store: new FileConversationStore('.agentflow/memory') });
 * new LLMAgent({ name: 'chat', systemPrompt: 'You chat.', provider, memory });
 * ```
 */
export class ConversationMemory {
  readonly maxTurns: number;
  readonly maxTokens: number;
  readonly strategy: 'truncate' | 'summarize';
  constructor(private readonly o: ConversationMemoryOptions) {
    this.maxTurns = o.maxTurns ?? 20;
    this.maxTokens = o.maxTokens ?? 2000;
    this.strategy = o.strategy ?? 'truncate';
  }

  /** The conversation key of a session and an agent. */
  static key(sessionId: string, agentId: string): string {
    return `${sessionId}\u0000${agentId}`;
  }

  /**
   * The remembered turns as chat messages, newest last, within the window
   * (a summary, if any, first). Turns of `exceptEventId` are left out (a
   * redelivered event does not see its own earlier attempt).
   */
  async history(sessionId: string, agentId: string, exceptEventId?: string): Promise<{ messages: ChatMessage[]; turns: number; chars: number }> {
    const all = dedupe(await this.o.store.load(ConversationMemory.key(sessionId, agentId))).filter((t) => t.eventId !== exceptEventId);
    const summary = all.filter((t) => t.role === 'summary').at(-1);
    const turns = window(all.filter((t) => t.role !== 'summary'), this.maxTurns, this.maxTokens);
    const messages: ChatMessage[] = [];
    if (summary) messages.push({ role: 'system', content: `Summary of the earlier conversation: ${summary.content}` });
    for (const t of turns) messages.push({ role: t.role === 'user' ? 'user' : 'assistant', content: t.content });
    return { messages, turns: turns.length, chars: messages.reduce((n, m) => n + m.content.length, 0) };
  }

  /**
   * Remembers one exchange. With `summarize`, turns past the window are
   * folded into the summary by `provider` and the conversation is rewritten.
   */
  async record(sessionId: string, agentId: string, eventId: string, user: string, assistant: string, provider?: LLMProvider, signal?: AbortSignal): Promise<void> {
    const key = ConversationMemory.key(sessionId, agentId);
    const at = Date.now();
    const turns: Turn[] = [
      { eventId, role: 'user', content: user, at },
      { eventId, role: 'assistant', content: assistant, at },
    ];
    await this.o.store.append(key, turns);
    if (this.strategy !== 'summarize' || provider === undefined) return;
    const all = dedupe(await this.o.store.load(key));
    const dialogue = all.filter((t) => t.role !== 'summary');
    const kept = window(dialogue, this.maxTurns, this.maxTokens);
    if (kept.length === dialogue.length) return;
    const old = dialogue.slice(0, dialogue.length - kept.length);
    const previous = all.filter((t) => t.role === 'summary').at(-1);
    const text = [previous ? `Earlier summary: ${previous.content}` : '', ...old.map((t) => `${t.role}: ${t.content}`)].filter(Boolean).join('\n');
    const res = await provider.chat(
      { messages: [{ role: 'system', content: 'Summarize this conversation in a few sentences, keeping names, facts and decisions.' }, { role: 'user', content: text.slice(-this.maxTokens * 4) }], maxTokens: 200 },
      { signal },
    );
    await this.o.store.replace(key, [{ eventId: `summary:${eventId}`, role: 'summary', content: res.content.trim(), at }, ...kept]);
  }
}

/** The last turns of each event only (a redelivered event's second write replaces its first). */
function dedupe(turns: readonly Turn[]): Turn[] {
  const lastIndex = new Map<string, number>();
  turns.forEach((t, i) => lastIndex.set(`${t.eventId}\u0000${t.role}`, i));
  return turns.filter((t, i) => lastIndex.get(`${t.eventId}\u0000${t.role}`) === i);
}

/** The newest turns within `maxTurns` and about `maxTokens` tokens, starting at a user turn. */
function window(turns: readonly Turn[], maxTurns: number, maxTokens: number): Turn[] {
  let budget = maxTokens * 4;
  let start = turns.length;
  while (start > 0 && turns.length - start < maxTurns) {
    const c = turns[start - 1]!.content.length;
    if (c > budget) break;
    budget -= c;
    start--;
  }
  while (start < turns.length && turns[start]!.role !== 'user') start++;
  return turns.slice(start);
}
