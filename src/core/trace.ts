/**
 * Session traces: an ordered record of what happened to each event, enough
 * to rebuild the causal chain (`parentEventId` links a chained event to the
 * event whose output produced it).
 * @module
 */

/**
 * Kinds of trace entry.
 * - `event_start` / `event_end`: an event was taken from the queue / finished (with `status`).
 * - `agent_start` / `agent_end`: an agent ran (with `durationMs` and `error`).
 * - `event_emitted`: an event was queued by the runner (a chained hop, a broadcast copy, a retry).
 * - `callback_error`: a callback at AgentError or AfterEventHandling threw (outcome unchanged).
 * - `hook`: written by {@link registerTraceHooks} once per hook invocation.
 * - `retry`, `dead_letter`, `circuit`: written by the reliability layer.
 *
 * @example
 * ```ts
 * const failed = runner.dumpTrace('s1').filter((e) => e.type === 'event_end' && e.status !== 'completed');
 * ```
 */
export type TraceEntryType =
  | 'event_start'
  | 'event_end'
  | 'agent_start'
  | 'agent_end'
  | 'event_emitted'
  | 'callback_error'
  | 'hook'
  | 'retry'
  | 'dead_letter'
  | 'circuit';

/**
 * An error as stored in a trace: plain JSON, never a live object.
 *
 * @example
 * ```ts
 * const e: TraceError = { code: 'AF_ERR_TIMEOUT', message: 'agent "a" timed out after 30000 ms' };
 * ```
 */
export interface TraceError {
  code: string;
  message: string;
  name?: string;
}

/**
 * One trace record. Plain JSON.
 *
 * @example
 * ```ts
 * for (const e of runner.dumpTrace('demo-session-1')) {
 *   console.log(e.type, e.eventId, e.agentId, e.durationMs ?? '');
 * }
 * ```
 */
export interface TraceEntry {
  /** Epoch milliseconds. */
  timestamp: number;
  type: TraceEntryType;
  eventId: string;
  sessionId: string;
  /** The agent concerned, `""` when none. */
  agentId: string;
  /** The hook point, for `hook` and `callback_error` entries. */
  hook?: string;
  /** For `*_end` entries: how long it took, in ms. */
  durationMs?: number;
  error?: TraceError;
  /** For `event_end`: `completed`, `failed` or `dead_lettered`. */
  status?: string;
  /** For failures: a stable reason such as `agent_error`. */
  reason?: string;
  parentEventId?: string;
  targetAgentId?: string;
  sourceAgentId?: string;
  hopCount?: number;
  attempt?: number;
  /** Free-form extra facts (JSON). */
  detail?: Record<string, string | number | boolean | null>;
}

/**
 * Where the runner writes trace entries.
 *
 * @example
 * ```ts
 * class ConsoleTrace implements TraceLogger {
 *   log(e: TraceEntry) { console.log(JSON.stringify(e)) }
 *   getTrace() { return [] }
 * }
 * runner.setTraceLogger(new ConsoleTrace());
 * ```
 */
export interface TraceLogger {
  log(entry: TraceEntry): void;
  /** The entries of one session, oldest first; `[]` for an unknown session. */
  getTrace(sessionId: string): TraceEntry[];
}

/**
 * Options for {@link InMemoryTraceLogger}.
 *
 * @example
 * ```ts
 * new InMemoryTraceLogger({ maxEntries: 50_000 });
 * ```
 */
export interface InMemoryTraceLoggerOptions {
  /** Total entries kept across sessions; the oldest sessions go first. Default 10,000. */
  maxEntries?: number;
}

/**
 * The default trace logger: a bounded in-memory history grouped by session.
 * When full, it drops the oldest session's entries first, so memory stays
 * bounded however long the runner lives.
 *
 * @example
 * ```ts
 * const trace = new InMemoryTraceLogger({ maxEntries: 1000 });
 * runner.setTraceLogger(trace);
 * trace.getTrace('demo-session');
 * ```
 */
export class InMemoryTraceLogger implements TraceLogger {
  private readonly sessions = new Map<string, TraceEntry[]>();
  private total = 0;
  private dropped = 0;
  readonly maxEntries: number;

  constructor(options: InMemoryTraceLoggerOptions = {}) {
    this.maxEntries = Math.max(1, options.maxEntries ?? 10_000);
  }

  log(entry: TraceEntry): void {
    const key = entry.sessionId || 'default';
    let list = this.sessions.get(key);
    if (list === undefined) {
      list = [];
      this.sessions.set(key, list);
    }
    list.push(entry);
    if (++this.total > this.maxEntries) this.evict();
  }

  getTrace(sessionId: string): TraceEntry[] {
    return (this.sessions.get(sessionId || 'default') ?? []).slice();
  }

  /** Session ids currently held, oldest first. */
  sessionIds(): string[] {
    return [...this.sessions.keys()];
  }

  /** Entries held now, and entries dropped to stay under `maxEntries`. */
  size(): { entries: number; sessions: number; dropped: number } {
    return { entries: this.total, sessions: this.sessions.size, dropped: this.dropped };
  }

  /** Forgets one session, or everything. */
  clear(sessionId?: string): void {
    if (sessionId === undefined) {
      this.sessions.clear();
      this.total = 0;
      return;
    }
    const list = this.sessions.get(sessionId);
    if (list) {
      this.total -= list.length;
      this.sessions.delete(sessionId);
    }
  }

  private evict(): void {
    // Drop whole old sessions; if only one session is left, drop its oldest quarter.
    while (this.total > this.maxEntries) {
      const [oldestKey, oldest] = this.sessions.entries().next().value as [string, TraceEntry[]];
      if (this.sessions.size > 1) {
        this.sessions.delete(oldestKey);
        this.total -= oldest.length;
        this.dropped += oldest.length;
      } else {
        const n = Math.max(1, this.total - this.maxEntries, Math.floor(this.maxEntries / 4));
        oldest.splice(0, n);
        this.total -= n;
        this.dropped += n;
      }
    }
  }
}

/**
 * Turns any thrown value into a {@link TraceError}.
 *
 * @example
 * ```ts
 * toTraceError(new Error('boom')); // { code: 'ERROR', message: 'boom', name: 'Error' }
 * ```
 */
export function toTraceError(err: unknown): TraceError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { code: typeof code === 'string' ? code : 'ERROR', message: err.message, name: err.name };
  }
  return { code: 'ERROR', message: String(err) };
}
