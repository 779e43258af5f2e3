/**
 * What `agentflow ui` shows, kept bounded: trace entries by session (the
 * most recent sessions, a cap per session), events in flight, and listeners
 * for the live tail.
 * @module
 */
import type { TraceEntry } from '../core/trace.js';
import { AgentStatsTable, type AgentStatsOptions } from './agent-stats.js';

/**
 * What the viewer knows of one event beyond its trace entries: its input
 * (data and metadata, from when it was published) and the output state of
 * its final attempt. Large values are replaced by a note of their size.
 *
 * @example
 * ```ts
 * store.detail({ eventId: 'e1', sessionId: 's', input: { data: { q: 1 }, metadata: {} } });
 * ```
 */
export interface EventDetail {
  eventId: string;
  sessionId: string;
  input?: { data: unknown; metadata: Record<string, string>; targetAgentId?: string; sourceAgentId?: string; timestamp?: string };
  output?: { data: unknown; metadata: Record<string, string> };
}

/**
 * An event published but not finished yet (an in-flight bar in the viewer).
 *
 * @example
 * ```ts
 * const p: PendingEvent = { eventId: 'e1', sessionId: 's', agentId: 'a', since: Date.now() };
 * ```
 */
export interface PendingEvent {
  eventId: string;
  sessionId: string;
  agentId: string;
  parentEventId?: string;
  since: number;
}

/**
 * A session in the sessions list.
 *
 * @example
 * ```ts
 * for (const s of store.sessions()) console.log(s.sessionId, s.failed);
 * ```
 */
export interface SessionSummary {
  sessionId: string;
  first: number;
  last: number;
  events: number;
  failed: number;
  inFlight: number;
  /** Event ids in the session (for search). */
  eventIds: string[];
}

/**
 * A message on the live tail.
 *
 * @example
 * ```ts
 * store.subscribe((m) => { if (m.type === 'entry') console.log(m.entry.eventId) });
 * ```
 */
export type UiMessage = { type: 'entry'; entry: TraceEntry } | { type: 'pending'; event: PendingEvent };

interface Session {
  entries: TraceEntry[];
  first: number;
  last: number;
  events: number;
  failed: number;
  dropped: number;
}

/**
 * Options for {@link UiStore}.
 *
 * @example
 * ```ts
 * new UiStore({ maxSessions: 500, maxEntriesPerSession: 2000 });
 * ```
 */
export interface UiStoreOptions {
  /** Sessions kept (the least recently active are forgotten). Default 1,000. */
  maxSessions?: number;
  /** Entries kept per session (the oldest are dropped and counted). Default 5,000. */
  maxEntriesPerSession?: number;
  /** Events whose input and output are kept (the oldest are forgotten). Default 5,000. */
  maxDetails?: number;
  /** A value (data or state) larger than this, as JSON, is shown as its size only. Default 64 KiB. */
  maxDetailChars?: number;
  /** The Agents page's windows. */
  agentStats?: AgentStatsOptions;
}

/** A JSON value kept as is when small, else a note of its size. */
function bounded(value: unknown, max: number): unknown {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    return { '(unserialisable)': true };
  }
  return text !== undefined && text.length > max ? { '(too large to show)': `${text.length} characters` } : value;
}

/**
 * The viewer's bounded memory of trace entries.
 *
 * @example
 * ```ts
 * const store = new UiStore();
 * store.add(entry);
 * store.trace('session-1');
 * ```
 */
export class UiStore {
  private readonly byId = new Map<string, Session>();
  private readonly pending = new Map<string, PendingEvent>();
  private readonly listeners = new Set<(m: UiMessage) => void>();
  private readonly details = new Map<string, EventDetail>();
  private readonly maxSessions: number;
  private readonly maxEntries: number;
  private readonly maxDetails: number;
  private readonly maxDetailChars: number;
  /** Per-agent figures (the Agents page). */
  readonly agents: AgentStatsTable;
  /** Entries dropped to stay within the bounds (shown as a banner). */
  dropped = 0;

  constructor(options: UiStoreOptions = {}) {
    this.maxSessions = options.maxSessions ?? 1000;
    this.maxEntries = options.maxEntriesPerSession ?? 5000;
    this.maxDetails = options.maxDetails ?? 5000;
    this.maxDetailChars = options.maxDetailChars ?? 64 * 1024;
    this.agents = new AgentStatsTable(options.agentStats);
  }

  add(entry: TraceEntry): void {
    this.agents.add(entry);
    if (entry.type === 'circuit') return; // not a session's event
    let s = this.byId.get(entry.sessionId);
    if (s === undefined) {
      s = { entries: [], first: entry.timestamp, last: entry.timestamp, events: 0, failed: 0, dropped: 0 };
      if (this.byId.size >= this.maxSessions) {
        const oldest = this.byId.keys().next().value as string;
        this.dropped += this.byId.get(oldest)!.entries.length;
        this.byId.delete(oldest);
      }
    } else this.byId.delete(entry.sessionId); // re-insert: most recently active last
    this.byId.set(entry.sessionId, s);
    s.entries.push(entry);
    if (s.entries.length > this.maxEntries) {
      s.entries.shift();
      s.dropped++;
      this.dropped++;
    }
    s.first = Math.min(s.first, entry.timestamp - (entry.durationMs ?? 0));
    s.last = Math.max(s.last, entry.timestamp);
    if (entry.type === 'event_end') {
      s.events++;
      if (entry.status !== 'completed') s.failed++;
      this.pending.delete(entry.eventId);
    }
    for (const l of this.listeners) l({ type: 'entry', entry });
  }

  /** An event was published (in-process sources): shown in flight until its `event_end`. */
  published(event: PendingEvent): void {
    if (this.pending.size >= 10_000) this.pending.delete(this.pending.keys().next().value as string);
    this.pending.set(event.eventId, event);
    for (const l of this.listeners) l({ type: 'pending', event });
  }

  /** Records an event's input (when published) or output (at its outcome); each value bounded in size. */
  detail(d: EventDetail): void {
    let kept = this.details.get(d.eventId);
    if (kept === undefined) {
      if (this.details.size >= this.maxDetails) this.details.delete(this.details.keys().next().value as string);
      kept = { eventId: d.eventId, sessionId: d.sessionId };
      this.details.set(d.eventId, kept);
    }
    if (d.input !== undefined) kept.input = { ...d.input, data: bounded(d.input.data, this.maxDetailChars) };
    if (d.output !== undefined) kept.output = { ...d.output, data: bounded(d.output.data, this.maxDetailChars) };
  }

  /** One event: its entries, whether it is in flight, and its input/output when known; `undefined` when unknown. */
  event(eventId: string): { sessionId: string; entries: TraceEntry[]; pending: PendingEvent | undefined; detail: EventDetail | undefined } | undefined {
    const detail = this.details.get(eventId);
    const pending = this.pending.get(eventId);
    let sessionId = detail?.sessionId ?? pending?.sessionId;
    let entries: TraceEntry[] = [];
    if (sessionId !== undefined) entries = this.byId.get(sessionId)?.entries.filter((e) => e.eventId === eventId) ?? [];
    else {
      for (const [id, s] of this.byId) {
        entries = s.entries.filter((e) => e.eventId === eventId);
        if (entries.length > 0) {
          sessionId = id;
          break;
        }
      }
    }
    if (sessionId === undefined) return undefined;
    return { sessionId, entries, pending, detail };
  }

  /**
   * Sessions, most recently active first; `query` matches a session id, an
   * event id, or a W3C trace id of an event whose input the viewer saw
   * (substring).
   */
  sessions(query = '', limit = 200): SessionSummary[] {
    const out: SessionSummary[] = [];
    const q = query.toLowerCase();
    const byTrace = new Set<string>();
    if (q.length >= 4) {
      for (const d of this.details.values()) if (d.input?.metadata.traceparent?.split('-')[1]?.includes(q)) byTrace.add(d.sessionId);
    }
    const ids = [...this.byId.keys()].reverse();
    for (const id of ids) {
      const s = this.byId.get(id)!;
      const eventIds = [...new Set(s.entries.map((e) => e.eventId))];
      if (q && !id.toLowerCase().includes(q) && !eventIds.some((e) => e.includes(q)) && !byTrace.has(id)) continue;
      let inFlight = 0;
      for (const p of this.pending.values()) if (p.sessionId === id) inFlight++;
      out.push({ sessionId: id, first: s.first, last: s.last, events: s.events, failed: s.failed, inFlight, eventIds });
      if (out.length >= limit) break;
    }
    return out;
  }

  /** One session's entries and its events in flight; `undefined` when unknown. */
  trace(sessionId: string): { entries: TraceEntry[]; pending: PendingEvent[]; dropped: number } | undefined {
    const s = this.byId.get(sessionId);
    const pending = [...this.pending.values()].filter((p) => p.sessionId === sessionId);
    if (s === undefined && pending.length === 0) return undefined;
    return { entries: s ? [...s.entries] : [], pending, dropped: s?.dropped ?? 0 };
  }

  subscribe(fn: (m: UiMessage) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}
