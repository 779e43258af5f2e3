/**
 * Dead letters: events that could not complete, kept with the reason, the
 * last error and the attempt count, for inspection, replay or purge.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { Event, newEvent } from '../../core/event.js';
import type { FailureReason } from '../../core/errors.js';
import { deriveChild, replayMetadata } from '../../core/meta.js';
import type { RunnerHost } from '../../runner/outcomes.js';
import type { DeadLetterRecord, DeadLetterSink } from '../../runner/types.js';
import { JsonlDeadLetterStore, type DeadLetterFileReport, type DeadLetterStore } from './jsonl-store.js';

export * from './jsonl-store.js';
export { tryLock, type FileLock } from './file-lock.js';

/**
 * Which dead letters an operation concerns. All given fields must match.
 *
 * @example
 * ```ts
 * dlq.list({ reason: 'retries_exhausted', agentId: 'writer' });
 * ```
 */
export interface DeadLetterFilter {
  id?: string;
  reason?: FailureReason;
  agentId?: string;
  sessionId?: string;
  limit?: number;
}

/**
 * Whether a record (or a partial one, as a Redis dead-letter entry may be)
 * matches every field the filter sets (`limit` aside).
 *
 * @example
 * ```ts
 * records.filter((r) => matchesDeadLetter(r, { agentId: 'writer' }));
 * ```
 */
export function matchesDeadLetter(r: Pick<Partial<DeadLetterRecord>, 'id' | 'reason' | 'agentId' | 'sessionId'>, f: DeadLetterFilter): boolean {
  return (f.id === undefined || r.id === f.id) && (f.reason === undefined || r.reason === f.reason) && (f.agentId === undefined || r.agentId === f.agentId) && (f.sessionId === undefined || r.sessionId === f.sessionId);
}

/**
 * Options for {@link DeadLetterQueue}.
 *
 * @example
 * ```ts
 * new DeadLetterQueue({ maxEntries: 50_000, store: new JsonlDeadLetterStore('dlq.jsonl') });
 * ```
 */
export interface DeadLetterQueueOptions {
  /** Records kept in memory; the oldest are evicted (and counted). Default 10,000. */
  maxEntries?: number;
  /** Approximate bytes of records kept in memory (their JSON); the oldest are evicted past it. Default 64 MiB. A durable store keeps every record regardless. */
  maxBytes?: number;
  /** Also write every record here (and load existing ones at construction). */
  store?: DeadLetterStore;
  /**
   * Forward each dead letter to this agent as an event (the seed's
   * `dead_letter_handler`), on this runner. A forwarded event that itself
   * fails is never forwarded again.
   */
  forward?: { runner: RunnerHost; agent?: string };
}

/** Metadata key marking events that carry a dead letter (never forwarded twice). */
const FORWARDED = 'dead_letter_forward';

/**
 * The built-in dead-letter queue: plug it into the runner's `deadLetter`
 * option and every event that cannot complete (no such agent, retries
 * exhausted, fatal error, deadline passed, hop limit, hook rejection,
 * shutdown) lands here with the original event, the reason, the last error
 * and the attempt count. Bounded in memory; optionally persisted.
 *
 * @example
 * ```ts
 * const dlq = new DeadLetterQueue();
 * const runner = createRunner({ deadLetter: dlq });
 * // ...
 * for (const d of dlq.list()) console.log(d.id, d.reason, d.error.message);
 * await dlq.replay(runner, { reason: 'retries_exhausted' });
 * ```
 */
export class DeadLetterQueue implements DeadLetterSink {
  private readonly records = new Map<string, DeadLetterRecord>();
  private readonly sizes = new Map<string, number>();
  private bytesHeld = 0;
  private readonly max: number;
  private readonly maxBytes: number;
  private readonly store: DeadLetterStore | undefined;
  private readonly forward: DeadLetterQueueOptions['forward'];
  private evictedCount = 0;

  constructor(options: DeadLetterQueueOptions = {}) {
    this.max = options.maxEntries ?? 10_000;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.store = options.store;
    this.forward = options.forward;
    if (this.store) for (const r of this.store.load(this.max)) this.keep(r);
  }

  add(incoming: DeadLetterRecord): void {
    // A durable store tells writes of the same id apart by rev (an event can
    // be dead-lettered again after a replay).
    const record = this.store && incoming.rev === undefined ? { ...incoming, rev: randomBytes(8).toString('hex') } : incoming;
    this.keep(record);
    this.store?.append(record);
    const fwd = this.forward;
    if (fwd && record.event.metadata[FORWARDED] !== 'true' && record.event.metadata.af_system === undefined) {
      const agent = fwd.agent ?? 'dead_letter_handler';
      if (record.agentId === agent) return;
      try {
        const ev = newEvent(
          agent,
          {
            original_event: record.event.data,
            original_event_id: record.id,
            failed_agent: record.agentId,
            error_message: record.error.message,
            error_code: record.error.code,
            error_reason: record.reason,
            attempts: record.attempts,
          },
          { session_id: record.sessionId, route: agent, [FORWARDED]: 'true' },
        );
        deriveChild(Event.fromJSON(record.event), 'system', ev, record.agentId, 'dead_letter');
        const status = fwd.runner.getStatus();
        if (status === 'running') fwd.runner.emit(ev);
      } catch {
        // Forwarding is best effort: the record is already kept.
      }
    }
  }

  /** Records matching `filter`, oldest first. */
  list(filter: DeadLetterFilter = {}): DeadLetterRecord[] {
    const out: DeadLetterRecord[] = [];
    for (const r of this.records.values()) {
      if (matchesDeadLetter(r, filter)) out.push(r);
      if (filter.limit !== undefined && out.length >= filter.limit) break;
    }
    return out;
  }

  /** One record by id (the event id). */
  get(id: string): DeadLetterRecord | undefined {
    return this.records.get(id);
  }

  /** Records held now. */
  size(): number {
    return this.records.size;
  }

  /** Records dropped from memory to stay under `maxEntries`. */
  evicted(): number {
    return this.evictedCount;
  }

  /**
   * Re-emits matching dead letters on `runner` (original id, data and
   * metadata; the attempt counter restarts) and removes each one that was
   * accepted. Returns the replayed ids.
   */
  replay(runner: Pick<RunnerHost, 'emit'>, filter: DeadLetterFilter | string = {}): string[] {
    const f = typeof filter === 'string' ? { id: filter } : filter;
    const store = this.store;
    if (store?.exclusive === undefined) return this.replayNow(runner, f);
    // Another process may replay from the same store: re-read it under its lock.
    return store.exclusive((live) => {
      this.records.clear();
      this.sizes.clear();
      this.bytesHeld = 0;
      for (const r of live) this.keep(r);
      return this.replayNow(runner, f);
    });
  }

  private replayNow(runner: Pick<RunnerHost, 'emit'>, f: DeadLetterFilter): string[] {
    const done: string[] = [];
    for (const r of this.list(f)) {
      const ev = Event.fromJSON(r.event);
      ev._meta = replayMetadata(ev._meta);
      runner.emit(ev);
      // Removed as soon as it is accepted: a failure half way replays nothing twice.
      this.drop([r]);
      done.push(r.id);
    }
    return done;
  }

  /** Removes matching records (all by default). Returns how many. */
  purge(filter: DeadLetterFilter = {}): number {
    const recs = this.list(filter);
    this.drop(recs);
    return recs.length;
  }

  private drop(recs: DeadLetterRecord[]): void {
    if (recs.length === 0) return;
    for (const r of recs) this.forget(r.id);
    this.store?.remove(recs);
  }

  private keep(r: DeadLetterRecord): void {
    this.forget(r.id);
    const size = JSON.stringify(r).length;
    this.records.set(r.id, r);
    this.sizes.set(r.id, size);
    this.bytesHeld += size;
    while ((this.records.size > this.max || this.bytesHeld > this.maxBytes) && this.records.size > 1) {
      this.forget(this.records.keys().next().value as string);
      this.evictedCount++;
    }
  }

  private forget(id: string): void {
    if (!this.records.delete(id)) return;
    this.bytesHeld -= this.sizes.get(id) ?? 0;
    this.sizes.delete(id);
  }

  /** Approximate bytes of the records held in memory. */
  bytes(): number {
    return this.bytesHeld;
  }
}

/**
 * Reads the dead letters in a JSONL file (for the CLI's `dlq list|show`).
 *
 * @example
 * ```ts
 * for (const r of readDeadLetters('.agentflow/dead-letters.jsonl', { reason: 'timeout' })) console.log(r.id);
 * ```
 */
export function readDeadLetters(path: string, filter: DeadLetterFilter = {}): DeadLetterRecord[] {
  return inspectDeadLetters(path, filter).records;
}

/**
 * Reads a JSONL dead-letter file and reports the matching records together
 * with the corrupt lines it holds (for the CLI, which warns about them).
 *
 * @example
 * ```ts
 * const { records, corruptCount } = inspectDeadLetters('.agentflow/dead-letters.jsonl');
 * ```
 */
export function inspectDeadLetters(path: string, filter: DeadLetterFilter = {}): DeadLetterFileReport {
  const report = new JsonlDeadLetterStore(path).inspect();
  const all = report.records.filter((r) => matchesDeadLetter(r, filter));
  return { ...report, records: filter.limit === undefined ? all : all.slice(0, filter.limit) };
}

/**
 * Removes matching dead letters from a JSONL file by appending tombstones
 * (safe while runners write to it); returns how many (for `dlq purge`).
 *
 * @example
 * ```ts
 * purgeDeadLetters('.agentflow/dead-letters.jsonl', { agentId: 'writer' });
 * ```
 */
export function purgeDeadLetters(path: string, filter: DeadLetterFilter = {}): number {
  const store = new JsonlDeadLetterStore(path);
  const recs = store.load().filter((r) => matchesDeadLetter(r, filter));
  store.remove(recs);
  return recs.length;
}
