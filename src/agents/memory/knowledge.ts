/**
 * Retrieval (RAG): documents cut into chunks, embedded with the configured
 * provider, kept in an embedded vector store, searched by cosine
 * similarity, and put in an agent's prompt within a size bound.
 * @module
 */
import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AgentflowError, ErrorCodes } from '../../core/errors.js';

/**
 * Turns texts into vectors (every built-in provider has `embed`).
 *
 * @example
 * ```ts
 * const e: Embedder = new OllamaProvider({ model: 'nomic-embed-text' });
 * ```
 */
export interface Embedder {
  readonly model: string;
  embed?(texts: readonly string[], options?: { signal?: AbortSignal }): Promise<number[][]>;
  close?(): Promise<void>;
}

/**
 * A stored chunk with its vector.
 *
 * @example
 * ```ts
 * const c: Chunk = { id: 'a1b2', source: 'guide.md', text: 'Events carry…', vector: [0.1, 0.3], model: 'nomic-embed-text' };
 * ```
 */
export interface Chunk {
  id: string;
  source: string;
  text: string;
  vector: number[];
  /** The embedding model that made the vector (vectors of other models are not compared). */
  model: string;
}

/**
 * A search result.
 *
 * @example
 * ```ts
 * for (const { chunk, score } of await knowledge.search('retries')) console.log(score.toFixed(2), chunk.source);
 * ```
 */
export interface Hit {
  chunk: Chunk;
  score: number;
}

/**
 * Where chunks are kept. Implement it over a server (pgvector, Qdrant, …)
 * when the embedded store is outgrown.
 *
 * @example
 * ```ts
 * const store: VectorStore = new FileVectorStore('.agentflow/memory/knowledge.jsonl');
 * ```
 */
export interface VectorStore {
  add(chunks: readonly Chunk[]): Promise<void>;
  search(vector: readonly number[], model: string, k: number): Promise<Hit[]>;
  count(): Promise<number>;
  clear(): Promise<void>;
}

/**
 * The embedded default: chunks in one JSON-lines file, loaded into memory
 * and searched exactly (brute-force cosine similarity over normalised
 * vectors). No server, no native module; exact results; fine to about a
 * hundred thousand chunks (search is linear, memory about 4 bytes per
 * dimension per chunk). The file is re-read when another process changed it.
 *
 * @example
 * ```ts
 * const store = new FileVectorStore('.agentflow/memory/knowledge.jsonl');
 * ```
 */
export class FileVectorStore implements VectorStore {
  private chunks: (Chunk & { unit: Float32Array })[] | undefined;
  private seen = '';
  constructor(readonly file: string) {}

  private async loaded(): Promise<(Chunk & { unit: Float32Array })[]> {
    let sig = 'absent';
    try {
      const s = await stat(this.file);
      sig = `${s.size}:${s.mtimeMs}`;
    } catch {
      // no file yet
    }
    if (this.chunks !== undefined && sig === this.seen) return this.chunks;
    const out: (Chunk & { unit: Float32Array })[] = [];
    if (sig !== 'absent') {
      for (const line of (await readFile(this.file, 'utf8')).split('\n')) {
        if (line.trim() === '') continue;
        try {
          const c = JSON.parse(line) as Chunk;
          if (typeof c.text === 'string' && Array.isArray(c.vector)) out.push({ ...c, unit: unit(c.vector) });
        } catch {
          // a torn line from a crash mid-append: skipped
        }
      }
    }
    this.chunks = out;
    this.seen = sig;
    return out;
  }

  async add(chunks: readonly Chunk[]): Promise<void> {
    if (chunks.length === 0) return;
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    await appendFile(this.file, chunks.map((c) => JSON.stringify(c) + '\n').join(''), { mode: 0o600 });
    this.chunks = undefined;
  }

  async search(vector: readonly number[], model: string, k: number): Promise<Hit[]> {
    const q = unit(vector);
    const hits: Hit[] = [];
    for (const c of await this.loaded()) {
      if (c.model !== model || c.unit.length !== q.length) continue;
      let dot = 0;
      for (let i = 0; i < q.length; i++) dot += q[i]! * c.unit[i]!;
      hits.push({ chunk: { id: c.id, source: c.source, text: c.text, vector: c.vector, model: c.model }, score: dot });
    }
    return hits.sort((a, b) => b.score - a.score).slice(0, k);
  }

  async count(): Promise<number> {
    return (await this.loaded()).length;
  }

  async clear(): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    await writeFile(this.file, '', { mode: 0o600 });
    this.chunks = undefined;
  }
}

function unit(v: readonly number[]): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  const f = new Float32Array(v.length);
  const s = n > 0 ? 1 / Math.sqrt(n) : 0;
  for (let i = 0; i < v.length; i++) f[i] = v[i]! * s;
  return f;
}

/**
 * Cuts a text into chunks of about `size` characters, at paragraph, then
 * sentence, then word boundaries, each overlapping the previous by about
 * `overlap` characters.
 *
 * @example
 * ```ts
 * chunkText(longMarkdown, 800, 100).length;
 * ```
 */
export function chunkText(text: string, size = 800, overlap = 100): string[] {
  const clean = text.replace(/\r\n/g, '\n').trim();
  if (clean === '') return [];
  const out: string[] = [];
  let start = 0;
  while (start < clean.length) {
    let end = Math.min(clean.length, start + size);
    if (end < clean.length) {
      const window = clean.slice(start, end);
      const cut = Math.max(window.lastIndexOf('\n\n'), window.lastIndexOf('. '), window.lastIndexOf(' '));
      if (cut > size / 2) end = start + cut + 1;
    }
    out.push(clean.slice(start, end).trim());
    if (end >= clean.length) break;
    start = Math.max(end - overlap, start + 1);
  }
  return out.filter((c) => c !== '');
}

/**
 * Options of {@link Knowledge}.
 *
 * @example
 * ```ts
 * const o: KnowledgeOptions = { store, embedder: provider, topK: 4, maxChars: 3200 };
 * ```
 */
export interface KnowledgeOptions {
  store: VectorStore;
  embedder: Embedder;
  /** Chunks retrieved per input. Default 4. */
  topK?: number;
  /** Chunks scoring below this are left out. Default 0. */
  minScore?: number;
  /** Bound on the text put in the prompt. Default 3,200 characters. */
  maxChars?: number;
  /** Chunk size and overlap when adding documents. Defaults 800 and 100 characters. */
  chunkSize?: number;
  chunkOverlap?: number;
}

/**
 * A knowledge base: add documents, search them, and build the bounded
 * context an agent's prompt gets.
 *
 * @example
 * ```ts
 * const kb = new Knowledge({ store: new FileVectorStore('kb.jsonl'), embedder: new OllamaProvider({ model: 'nomic-embed-text' }) });
 * await kb.add([{ source: 'faq.md', text: faq }]);
 * new LLMAgent({ name: 'support', systemPrompt: 'Answer from the documents.', provider, knowledge: kb });
 * ```
 */
export class Knowledge {
  constructor(private readonly o: KnowledgeOptions) {}

  private async vectors(texts: readonly string[], signal?: AbortSignal): Promise<number[][]> {
    const e = this.o.embedder;
    if (typeof e.embed !== 'function') throw new AgentflowError(ErrorCodes.INVALID_OPTION, `the embedding provider (model "${e.model}") cannot embed texts`, { details: { key: 'agent_memory.embedding' } });
    return e.embed(texts, { signal });
  }

  /** Cuts, embeds and stores documents; returns how many chunks were added. */
  async add(docs: readonly { source: string; text: string }[], signal?: AbortSignal): Promise<number> {
    const pieces = docs.flatMap((d) => chunkText(d.text, this.o.chunkSize ?? 800, this.o.chunkOverlap ?? 100).map((text) => ({ source: d.source, text })));
    const chunks: Chunk[] = [];
    for (let i = 0; i < pieces.length; i += 32) {
      const batch = pieces.slice(i, i + 32);
      const vs = await this.vectors(batch.map((p) => p.text), signal);
      batch.forEach((p, j) => chunks.push({ id: createHash('sha256').update(`${p.source}\u0000${p.text}`).digest('hex').slice(0, 16), source: p.source, text: p.text, vector: vs[j]!, model: this.o.embedder.model }));
    }
    await this.o.store.add(chunks);
    return chunks.length;
  }

  /** The best chunks for a query (at most `topK`, scoring at least `minScore`). */
  async search(query: string, k = this.o.topK ?? 4, signal?: AbortSignal): Promise<Hit[]> {
    if ((await this.o.store.count()) === 0) return [];
    const [v] = await this.vectors([query], signal);
    const min = this.o.minScore ?? 0;
    const seen = new Set<string>();
    return (await this.o.store.search(v!, this.o.embedder.model, k * 2)).filter((h) => h.score >= min && !seen.has(h.chunk.id) && seen.add(h.chunk.id)).slice(0, k);
  }

  /** Removes every stored chunk. */
  async clear(): Promise<void> {
    await this.o.store.clear();
  }

  /** Releases the embedder (a local model). */
  async close(): Promise<void> {
    await this.o.embedder.close?.();
  }

  /** The retrieved chunks as prompt text, within `maxChars`. */
  async context(query: string, signal?: AbortSignal): Promise<{ hits: number; text: string }> {
    const hits = await this.search(query, undefined, signal);
    const max = this.o.maxChars ?? 3200;
    let text = '';
    let n = 0;
    for (const h of hits) {
      const piece = `[${n + 1}] (${h.chunk.source}) ${h.chunk.text}\n`;
      if (text.length + piece.length > max) {
        if (n === 0) text = piece.slice(0, max);
        break;
      }
      text += piece;
      n++;
    }
    if (text === '') return { hits: 0, text: '' };
    return { hits: Math.max(n, 1), text: `Relevant documents:\n${text}`.slice(0, max + 20) };
  }
}
