/**
 * Session traces: an ordered record of what happened to each event, enough
 * to rebuild the causal chain (`parentEventId` links a chained event to the
 * event whose output produced it).
 * @module
 */
import type { Event } from './event.js';
import { formatIdWords } from './id-words.js';

/**
 * Kinds of trace entry.
 * - `event_start` / `event_end`: an event was taken from the queue / finished (with `status`).
 * - `agent_start` / `agent_end`: an agent ran (with `durationMs` and `error`).
 * - `event_emitted`: an event was queued by the runner (a chained hop, a broadcast copy, a retry).
 * - `callback_error`: a callback at AgentError or AfterEventHandling threw (outcome unchanged).
 * - `hook`: written by {@link registerTraceHooks} once per hook invocation.
 * - `retry`, `dead_letter`, `circuit`: written by the reliability layer.
 * - `tool_call`, `tool_result`, `handoff`, `memory`: an agent's reported activity (see `AgentActivity`; sizes and codes in `detail`, never content).
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
  | 'circuit'
  | 'tool_call'
  | 'tool_result'
  | 'handoff'
  | 'memory';

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
  /**
   * For `event_end` of a first attempt: ms from the event's creation to the
   * attempt starting (time spent queued, behind its session, or waiting for a
   * worker). A retried attempt's wait is its `retry` entry's `delayMs`.
   */
  queueWaitMs?: number;
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
  /** Entries kept (all sessions together); the oldest are overwritten first. Default 10,000. */
  maxEntries?: number;
  /**
   * Approximate bytes kept (the entries' ids, session ids, agent names and
   * error messages): past it the oldest entries are dropped even below
   * `maxEntries`. Default 32 MiB.
   */
  maxBytes?: number;
  /** Keep only entries this returns true for (the seed's EventTracer filters), e.g. failures only. */
  filter?: (entry: TraceEntry) => boolean;
}

// Every entry type has a code (the compiler checks the record is complete).
const TYPE_CODE: Record<TraceEntryType, number> = { event_start: 0, event_end: 1, agent_start: 2, agent_end: 3, event_emitted: 4, callback_error: 5, hook: 6, retry: 7, dead_letter: 8, circuit: 9, tool_call: 10, tool_result: 11, handoff: 12, memory: 13 };
const TYPES: readonly TraceEntryType[] = (Object.keys(TYPE_CODE) as TraceEntryType[]).sort((a, b) => TYPE_CODE[a] - TYPE_CODE[b]);
const EVENT_END = TYPE_CODE.event_end;
const AGENT_END = TYPE_CODE.agent_end;

/**
 * The default trace logger: a bounded ring buffer of entries, stored in
 * columns (typed arrays and string arrays) so that keeping thousands of
 * entries costs no per-entry objects for the garbage collector to trace.
 * When full, the oldest entries are overwritten. `getTrace` rebuilds the
 * entries of one session, oldest first.
 *
 * @example
 * ```ts
 * const trace = new InMemoryTraceLogger({ maxEntries: 1000 });
 * runner.setTraceLogger(trace);
 * trace.getTrace('demo-session');
 * ```
 */
export class InMemoryTraceLogger implements TraceLogger {
  readonly maxEntries: number;
  readonly maxBytes: number;
  private readonly filter: ((entry: TraceEntry) => boolean) | undefined;
  private next = 0;
  private bytesHeld = 0;
  private readonly bytes: Float64Array;
  private count = 0;
  private written = 0;
  private readonly ts: Float64Array;
  private readonly dur: Float64Array;
  private readonly wait: Float64Array;
  private readonly hop: Int32Array;
  private readonly attempt: Int32Array;
  private readonly type: Uint8Array;
  /** Event ids as text; `undefined` where the id is still the event's random bits (in `idWords`, formatted when read). */
  private readonly eventId: (string | undefined)[];
  private readonly idWords: Int32Array;
  private readonly sessionId: string[];
  private readonly agentId: string[];
  /** Rarely-set fields, one small object or undefined per slot. */
  private readonly extra: (Partial<TraceEntry> | undefined)[];
  private readonly parent: (string | undefined)[];
  private readonly target: (string | undefined)[];
  private readonly source: (string | undefined)[];
  private readonly status: (string | undefined)[];

  constructor(options: InMemoryTraceLoggerOptions = {}) {
    const n = Math.max(1, Math.floor(options.maxEntries ?? 10_000));
    this.maxEntries = n;
    this.maxBytes = Math.max(1, options.maxBytes ?? 32 * 1024 * 1024);
    this.bytes = new Float64Array(n);
    this.filter = options.filter;
    this.ts = new Float64Array(n);
    this.dur = new Float64Array(n);
    this.wait = new Float64Array(n);
    this.hop = new Int32Array(n);
    this.attempt = new Int32Array(n);
    this.type = new Uint8Array(n);
    this.eventId = new Array<string | undefined>(n).fill('');
    this.idWords = new Int32Array(4 * n);
    this.sessionId = new Array<string>(n).fill('');
    this.agentId = new Array<string>(n).fill('');
    this.extra = new Array<Partial<TraceEntry> | undefined>(n).fill(undefined);
    this.parent = new Array<string | undefined>(n).fill(undefined);
    this.target = new Array<string | undefined>(n).fill(undefined);
    this.source = new Array<string | undefined>(n).fill(undefined);
    this.status = new Array<string | undefined>(n).fill(undefined);
  }

  log(e: TraceEntry): void {
    if (this.filter !== undefined && !this.filter(e)) return;
    const i = this.next;
    this.ts[i] = e.timestamp;
    this.type[i] = TYPE_CODE[e.type] ?? 0;
    this.eventId[i] = e.eventId;
    this.sessionId[i] = e.sessionId || 'default';
    this.agentId[i] = e.agentId;
    this.dur[i] = e.durationMs === undefined ? NaN : e.durationMs;
    this.wait[i] = e.queueWaitMs === undefined ? NaN : e.queueWaitMs;
    this.hop[i] = e.hopCount === undefined ? -1 : e.hopCount;
    this.attempt[i] = e.attempt === undefined ? -1 : e.attempt;
    this.parent[i] = e.parentEventId;
    this.target[i] = e.targetAgentId;
    this.source[i] = e.sourceAgentId;
    this.status[i] = e.status;
    this.extra[i] =
      e.error === undefined && e.reason === undefined && e.hook === undefined && e.detail === undefined
        ? undefined
        : { error: e.error === undefined ? undefined : { ...e.error }, reason: e.reason, hook: e.hook, detail: e.detail === undefined ? undefined : { ...e.detail } };
    this.advance(i, e.eventId.length + this.sessionId[i]!.length + e.agentId.length + (e.error === undefined ? 0 : e.error.message.length) + (e.detail === undefined ? 0 : 256));
  }

  /** Whether entries are filtered (the runner then builds entry objects for the filter). */
  get filtered(): boolean {
    return this.filter !== undefined;
  }

  /**
   * Writes an `event_end` entry from its fields, without an entry object
   * (the runner's hot path; unfiltered loggers only). Given the event, an
   * id not yet made text is kept as its random bits (no string held per
   * entry) and formatted when the trace is read.
   */
  logEventEnd(timestamp: number, event: string | Event, sessionId: string, agentId: string, durationMs: number, status: string, reason: string | undefined, error: TraceError | undefined, parentEventId: string | undefined, targetAgentId: string, sourceAgentId: string | undefined, hopCount: number, attempt: number, queueWaitMs: number): void {
    this.row(EVENT_END, timestamp, event, sessionId, agentId, durationMs, status, reason, error, parentEventId, targetAgentId, sourceAgentId, hopCount, attempt, queueWaitMs);
  }

  /** {@link logEventEnd} for an `agent_end` entry (an agent of an orchestration; no status, reason or queue wait). */
  logAgentEnd(timestamp: number, event: Event, sessionId: string, agentId: string, durationMs: number, error: TraceError | undefined, parentEventId: string | undefined, targetAgentId: string, sourceAgentId: string | undefined, hopCount: number, attempt: number): void {
    this.row(AGENT_END, timestamp, event, sessionId, agentId, durationMs, undefined, undefined, error, parentEventId, targetAgentId, sourceAgentId, hopCount, attempt, NaN);
  }

  private row(type: number, timestamp: number, event: string | Event, sessionId: string, agentId: string, durationMs: number, status: string | undefined, reason: string | undefined, error: TraceError | undefined, parentEventId: string | undefined, targetAgentId: string, sourceAgentId: string | undefined, hopCount: number, attempt: number, queueWaitMs: number): void {
    const i = this.next;
    this.ts[i] = timestamp;
    this.type[i] = type;
    const text = typeof event === 'string' ? event : event._idText;
    if (text === undefined) {
      const w = this.idWords;
      const j = i << 2;
      const ev = event as Event;
      w[j] = ev._w0;
      w[j + 1] = ev._w1;
      w[j + 2] = ev._w2;
      w[j + 3] = ev._w3;
    }
    this.eventId[i] = text;
    this.sessionId[i] = sessionId || 'default';
    this.agentId[i] = agentId;
    this.dur[i] = durationMs;
    this.wait[i] = queueWaitMs;
    this.hop[i] = hopCount;
    this.attempt[i] = attempt;
    this.parent[i] = parentEventId;
    this.target[i] = targetAgentId;
    this.source[i] = sourceAgentId;
    this.status[i] = status;
    this.extra[i] = error === undefined && reason === undefined ? undefined : { error: error === undefined ? undefined : { ...error }, reason: reason as TraceEntry['reason'] };
    this.advance(i, (text === undefined ? 36 : text.length) + this.sessionId[i]!.length + agentId.length + (error === undefined ? 0 : error.message.length));
  }

  /** Moves past slot `i` (just written, about `size` bytes of strings), dropping the oldest entries past `maxBytes`. */
  private advance(i: number, size: number): void {
    const b = size + 96; // the fixed columns of a slot
    this.bytesHeld += b - this.bytes[i]!;
    this.bytes[i] = b;
    const n = this.maxEntries;
    this.next = i + 1 === n ? 0 : i + 1;
    if (this.count < n) this.count++;
    this.written++;
    while (this.bytesHeld > this.maxBytes && this.count > 1) {
      const old = (this.next - this.count + n) % n;
      this.bytesHeld -= this.bytes[old]!;
      this.bytes[old] = 0;
      this.eventId[old] = '';
      this.sessionId[old] = '';
      this.agentId[old] = '';
      this.extra[old] = undefined;
      this.parent[old] = undefined;
      this.count--;
    }
  }

  getTrace(sessionId: string): TraceEntry[] {
    const key = sessionId || 'default';
    const out: TraceEntry[] = [];
    const n = this.maxEntries;
    let i = (this.next - this.count + n) % n;
    for (let k = 0; k < this.count; k++, i = i + 1 === n ? 0 : i + 1) {
      if (this.sessionId[i] === key) out.push(this.entryAt(i));
    }
    return out;
  }

  /** Session ids currently held, oldest first. */
  sessionIds(): string[] {
    const seen = new Set<string>();
    const n = this.maxEntries;
    let i = (this.next - this.count + n) % n;
    for (let k = 0; k < this.count; k++, i = i + 1 === n ? 0 : i + 1) seen.add(this.sessionId[i]!);
    return [...seen];
  }

  /** Entries held now, entries dropped to stay under `maxEntries`/`maxBytes`, and approximate bytes held. */
  size(): { entries: number; dropped: number; bytes: number } {
    return { entries: this.count, dropped: this.written - this.count, bytes: this.bytesHeld };
  }

  /** Forgets everything. */
  clear(): void {
    this.count = 0;
    this.next = 0;
    this.written = 0;
    this.bytesHeld = 0;
    this.bytes.fill(0);
    this.eventId.fill('');
    this.sessionId.fill('');
    this.agentId.fill('');
    this.extra.fill(undefined);
    this.parent.fill(undefined);
    this.target.fill(undefined);
    this.source.fill(undefined);
    this.status.fill(undefined);
  }

  private entryAt(i: number): TraceEntry {
    const w = this.idWords;
    const j = i << 2;
    const e: TraceEntry = {
      timestamp: this.ts[i]!,
      type: TYPES[this.type[i]!]!,
      eventId: this.eventId[i] ?? formatIdWords(w[j]!, w[j + 1]!, w[j + 2]!, w[j + 3]!),
      sessionId: this.sessionId[i]!,
      agentId: this.agentId[i]!,
    };
    const x = this.extra[i];
    if (x?.hook !== undefined) e.hook = x.hook;
    if (!Number.isNaN(this.dur[i]!)) e.durationMs = this.dur[i]!;
    if (!Number.isNaN(this.wait[i]!)) e.queueWaitMs = this.wait[i]!;
    if (x?.error !== undefined) e.error = { ...x.error };
    if (this.status[i] !== undefined) e.status = this.status[i];
    if (x?.reason !== undefined) e.reason = x.reason;
    if (this.parent[i] !== undefined) e.parentEventId = this.parent[i];
    if (this.target[i] !== undefined) e.targetAgentId = this.target[i];
    if (this.source[i] !== undefined) e.sourceAgentId = this.source[i];
    if (this.hop[i]! >= 0) e.hopCount = this.hop[i]!;
    if (this.attempt[i]! >= 0) e.attempt = this.attempt[i]!;
    if (x?.detail !== undefined) e.detail = { ...x.detail };
    return e;
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
