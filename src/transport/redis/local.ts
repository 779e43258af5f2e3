/**
 * A Redis worker's local view of the partitions it owns: deliveries in
 * flight, each session's turn (per-session order), and deliveries ready to
 * go out first (a session's next event, a due retry).
 * @module
 */
import { Event } from '../../core/event.js';
import type { DeadLetterRecord } from '../../core/outcome.js';
import type { Entry } from './wire.js';
import { setLongTimeout, type LongTimer } from '../../core/timers.js';
import type { Delivery } from '../types.js';

/**
 * One delivery of a stream entry.
 *
 * @example
 * ```ts
 * const d = new RedisDelivery(event, 3, '1700000000000-0', 1);
 * d.receipt; // '3:1700000000000-0'
 * ```
 */
export class RedisDelivery implements Delivery {
  /** 1 handed out, 2 waiting for a retry delay, 3 done or forgotten. */
  state = 1;
  session = '';
  timer: LongTimer | undefined = undefined;
  constructor(
    readonly event: Event,
    readonly partition: number,
    readonly entryId: string,
    public deliveryCount: number,
  ) {}
  get receipt(): string {
    return `${this.partition}:${this.entryId}`;
  }
}

interface Turn {
  owner: RedisDelivery;
  waiting: RedisDelivery[];
}

/**
 * In-flight deliveries, session turns and the ready queue of one consumer.
 *
 * @example
 * ```ts
 * const local = new OwnerState();
 * local.admit(delivery, out);
 * ```
 */
export class OwnerState {
  readonly inflight = new Map<string, RedisDelivery>();
  private readonly turns = new Map<string, Turn>();
  readonly first: RedisDelivery[] = [];
  /**
   * Entries claimed after a crash (delivered before, never settled): each
   * runs alone, once nothing else is in flight here, so an event that kills
   * its process takes no innocent event's delivery count with it.
   */
  readonly suspects: RedisDelivery[] = [];
  /** The suspect running alone now. */
  suspect: RedisDelivery | undefined;

  /** Hands the delivery out (into `out`) unless its session has an unsettled one; then it waits its turn. */
  admit(d: RedisDelivery, out: Delivery[]): void {
    const s = d.session || d.event._meta.session_id || d.event._id;
    d.session = s;
    const t = this.turns.get(s);
    if (t === undefined) this.turns.set(s, { owner: d, waiting: [] });
    else if (t.owner !== d) {
      t.waiting.push(d);
      return;
    }
    d.state = 1;
    this.inflight.set(d.receipt, d);
    out.push(d);
  }

  /**
   * Holds `d` until a retry delay has passed (its session keeps its turn),
   * then makes it ready and calls `onDue`. Used for a retry settled here and
   * for a claimed entry whose retry is not due yet.
   */
  hold(d: RedisDelivery, delayMs: number, onDue: () => void): void {
    const s = d.session || d.event._meta.session_id || d.event._id;
    d.session = s;
    const t = this.turns.get(s);
    if (t === undefined) this.turns.set(s, { owner: d, waiting: [] });
    else if (t.owner !== d) return void t.waiting.push(d);
    if (this.suspect === d) this.suspect = undefined;
    this.inflight.delete(d.receipt);
    d.state = 2;
    d.timer = setLongTimeout(() => {
      d.timer = undefined;
      if (d.state !== 2) return;
      this.first.push(d);
      onDue();
    }, delayMs);
    d.timer.ref(false);
  }

  /** Queues a suspect; it takes its session's turn now, so the session's later events wait for it. */
  addSuspect(d: RedisDelivery): void {
    const s = d.session || d.event._meta.session_id || d.event._id;
    d.session = s;
    const t = this.turns.get(s);
    if (t === undefined) {
      this.turns.set(s, { owner: d, waiting: [] });
      this.suspects.push(d);
    } else if (t.owner !== d) t.waiting.push(d); // an earlier event of its session runs first; it follows in turn
  }

  /**
   * Hands out the next suspect when nothing else runs here; `false` when a
   * suspect runs or waits (then nothing else may be handed out).
   */
  isolate(out: Delivery[]): boolean {
    if (this.suspect !== undefined && this.suspect.state === 1 && this.inflight.get(this.suspect.receipt) === this.suspect) return false;
    this.suspect = undefined;
    if (this.suspects.length === 0) return true;
    if (this.inflight.size !== 0) return false;
    const d = this.suspects.shift()!;
    const before = out.length;
    this.admit(d, out);
    if (out.length !== before) this.suspect = d; // (a suspect waiting for its session's turn runs when the turn comes)
    return false;
  }

  /** Whether `d` is handed out and unsettled here. */
  holdsDelivery(d: RedisDelivery): boolean {
    return d.state === 1 && this.inflight.get(d.receipt) === d;
  }

  /** The delivery is settled for good: its session's next event becomes ready. Returns whether one did. */
  done(d: RedisDelivery): boolean {
    if (this.suspect === d) this.suspect = undefined;
    this.inflight.delete(d.receipt);
    d.state = 3;
    const t = this.turns.get(d.session);
    if (t === undefined || t.owner !== d) return false;
    const next = t.waiting.shift();
    if (next === undefined) {
      this.turns.delete(d.session);
      return false;
    }
    t.owner = next;
    this.first.push(next);
    return true;
  }

  /** The partition is no longer ours: forget every local delivery of it (none can be settled here now). */
  forget(p: number): void {
    if (this.suspect?.partition === p) this.suspect = undefined;
    for (let i = this.suspects.length - 1; i >= 0; i--) if (this.suspects[i]!.partition === p) this.suspects.splice(i, 1);
    for (const [r, d] of this.inflight) if (d.partition === p) (this.inflight.delete(r), (d.state = 3), d.timer?.clear());
    for (let i = this.first.length - 1; i >= 0; i--) if (this.first[i]!.partition === p) this.first.splice(i, 1);
    for (const [s, t] of this.turns) {
      t.waiting = t.waiting.filter((d) => d.partition !== p);
      if (t.owner.partition !== p) continue;
      t.owner.state = 3;
      const next = t.waiting.shift();
      if (next === undefined) this.turns.delete(s);
      else {
        t.owner = next;
        this.first.push(next);
      }
    }
  }

  /** Whether anything of the partition is held here (running, parked, or waiting to retry). */
  holds(p: number): boolean {
    for (const d of this.inflight.values()) if (d.partition === p) return true;
    for (const t of this.turns.values()) if (t.owner.partition === p || t.waiting.some((d) => d.partition === p)) return true;
    return this.first.some((d) => d.partition === p) || this.suspects.some((d) => d.partition === p);
  }

  /** The receipts of every delivery held here (running, waiting its turn or a retry, ready, suspect). */
  receipts(): Set<string> {
    const r = new Set(this.inflight.keys());
    for (const t of this.turns.values()) for (const d of [t.owner, ...t.waiting]) if (d.state !== 3) r.add(d.receipt);
    for (const d of [...this.first, ...this.suspects]) r.add(d.receipt);
    return r;
  }

  /** Forgets everything, as a crash would. */
  clear(): void {
    for (const d of this.inflight.values()) (d.state = 3), d.timer?.clear();
    this.inflight.clear();
    this.turns.clear();
    this.first.length = 0;
    this.suspects.length = 0;
    this.suspect = undefined;
  }
}

interface PendingSettle {
  keys: string[];
  args: string[];
  resolve: (result: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Gathers the settles of one event-loop turn into one script call: `run`
 * receives every item's keys and arguments (prefixed by the item count) and
 * answers one result per item (1/0, or an array when children were duplicates).
 *
 * @example
 * ```ts
 * const batch = new SettleBatcher((keys, args) => evalSettleMany(keys, args));
 * const ok = await batch.settle([lease, stream], [token, id, 'ack', '', '0']);
 * ```
 */
export class SettleBatcher {
  private pending: PendingSettle[] = [];
  /** The last element of each reply (after one per item) goes here: the settle script's count of outcome readers. */
  constructor(
    private readonly run: (keys: string[], args: string[]) => Promise<unknown[]>,
    private readonly onTail: (value: unknown) => void = () => undefined,
  ) {}

  settle(keys: string[], args: string[]): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      this.pending.push({ keys, args, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const items = this.pending;
    this.pending = [];
    const keys: string[] = [];
    const args = [String(items.length)];
    for (const it of items) {
      keys.push(...it.keys);
      args.push(...it.args);
    }
    try {
      const r = await this.run(keys, args);
      if (r.length > items.length) this.onTail(r[items.length]); // before the items resolve: their outcomes use it
      items.forEach((it, i) => it.resolve(r[i]));
    } catch (err) {
      for (const it of items) it.reject(err);
    }
  }
}

/**
 * A stream entry as a delivery, or the dead-letter record to write instead:
 * an unreadable entry (`invalid_event`), or a poison event: one that crashed
 * its consumer on its first delivery and then `maxDeliveries - 1` times while
 * it ran alone (`crashes`; entries that were only waiting when a consumer
 * died are not counted against).
 *
 * @example
 * ```ts
 * const r = fromEntry(entry, 0, 1, 3, 'worker-1');
 * ```
 */
export function fromEntry(e: Entry, p: number, count: number, maxDeliveries: number, consumer: string, crashes = count - 1): RedisDelivery | Record<string, unknown> {
  let ev: Event;
  try {
    ev = Event.fromJSON(e.fields.e ?? '');
  } catch (err) {
    return { reason: 'invalid_event', error: (err as Error).message, raw: (e.fields.e ?? '').slice(0, 1000), partition: p, entryId: e.id };
  }
  // Poison: it crashed its consumer on its first delivery and then maxDeliveries - 1 times running alone (see OwnerState.suspects).
  if (count <= 1 || crashes < maxDeliveries - 1) return new RedisDelivery(ev, p, e.id, count);
  const rec: DeadLetterRecord = {
    id: ev._id,
    event: ev.toJSON(),
    reason: 'agent_error',
    error: { code: 'AF_ERR_TRANSPORT', message: `delivered ${count} times without being settled (its consumer kept crashing, ${crashes} times while it ran alone); limit ${maxDeliveries}` },
    attempts: count,
    agentId: ev._meta.route || ev._target,
    sessionId: ev._meta.session_id ?? '',
    at: Date.now(),
  };
  return { ...rec, partition: p, entryId: e.id, lastConsumer: consumer };
}
