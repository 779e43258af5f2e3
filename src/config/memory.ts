/**
 * `[agent_memory]` → the conversation memory and the knowledge base LLM
 * agents share.
 * @module
 */
import { resolve } from 'node:path';
import { ConversationMemory, FileConversationStore, KvConversationStore, type ConversationStore } from '../agents/memory/conversation.js';
import { FileVectorStore, Knowledge } from '../agents/memory/knowledge.js';
import { createProvider } from '../providers/registry.js';
import type { LLMProvider, ProviderConfig } from '../providers/types.js';
import type { Transport } from '../transport/types.js';
import { resolveLlmOverride } from './defaults.js';
import { providerConfig } from './provider-config.js';
import type { AgentflowConfig } from './schema.js';

/**
 * What `[agent_memory]` gives the flow's LLM agents.
 *
 * @example
 * ```ts
 * const { memory, knowledge } = await memoryFor(config, baseDir, process.env, runner.getTransport());
 * ```
 */
export interface FlowMemory {
  /** Conversation memory (absent when `[agent_memory]` is absent or disabled). */
  memory?: ConversationMemory;
  /** The knowledge base (absent unless `enable_rag`). */
  knowledge?: Knowledge;
  /** Where the conversations are kept: `files:<dir>` or `transport:<name>`. */
  where?: string;
}

/**
 * Builds the memory of a flow: conversations in files under
 * `<config folder>/<path>/conversations`, or in the transport's shared
 * store when it is not local (Redis: a session continues on another
 * worker); documents in `<path>/knowledge.jsonl`, embedded with
 * `[agent_memory.embedding]` (default: the `[llm]` settings).
 *
 * @example
 * ```ts
 * const flow = await memoryFor(config, '/srv/flow', process.env);
 * await flow.knowledge?.add([{ source: 'faq.md', text }]);
 * ```
 */
export async function memoryFor(
  config: AgentflowConfig,
  baseDir: string,
  env: Record<string, string | undefined>,
  transport?: Transport,
  makeProvider: (pc: ProviderConfig) => Promise<LLMProvider> = createProvider,
): Promise<FlowMemory> {
  const m = config.agent_memory;
  if (m === undefined || !m.enabled) return {};
  const dir = resolve(baseDir, m.path);
  let store: ConversationStore;
  let where: string;
  if (transport !== undefined && !transport.capabilities.local && transport.steps !== undefined) {
    store = new KvConversationStore(transport.steps, m.ttl_hours * 3_600_000);
    where = `transport:${transport.name}`;
  } else {
    store = new FileConversationStore(resolve(dir, 'conversations'));
    where = `files:${resolve(dir, 'conversations')}`;
  }
  const memory = new ConversationMemory({ store, maxTurns: m.max_turns, maxTokens: m.max_tokens, strategy: m.strategy });
  if (!m.enable_rag) return { memory, where };
  const llm = resolveLlmOverride(config, m.embedding ?? {});
  const embedder = await makeProvider(providerConfig(llm, baseDir, env));
  const knowledge = new Knowledge({
    store: new FileVectorStore(resolve(dir, 'knowledge.jsonl')),
    embedder,
    topK: m.knowledge_max_results,
    minScore: m.knowledge_score_threshold,
    maxChars: m.rag_max_context_tokens * 4,
    chunkSize: m.chunk_size,
    chunkOverlap: m.chunk_overlap,
  });
  return { memory, knowledge, where };
}
