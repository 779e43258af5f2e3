/**
 * The embedded in-memory transport (the default).
 * @module
 */
import type { Event } from '../../core/event.js';
import { InvalidOptionError, QueueFullError } from '../../core/errors.js';
import { setLongTimeout, type LongTimer } from '../../core/timers.js';
import { priorityLevel, type Delivery, type LocalQueue, type PublishOptions, type Settlement, type Transport, type TransportCapabilities } from '../types.js';
import { Ring } from './ring.js';

/**
 * Options for {@link InMemoryTransport}.
 *
 * @example
 * ```ts
 * new InMemoryTransport({ capacity: 10_000, maxBypass: 16 });
 * ```
 */
export interface InMemoryTransportOptions {
  /** Events accepted by `emit` before it throws QueueFullError. Default 1000. */
  capacity?: number;
  /**
   * Starvation guard: how many times the oldest event of a priority level may
   * be overtaken by higher-priority events before it is served anyway.
   * Default 32. `Infinity` gives strict priority.
   */
  maxBypass?: number;
  /**
   * Deliver a session's next event only after the previous one is settled
   * (a retry keeps its session's turn). Default false.
   */
  sessionOrdering?: boolean;
}

/** A delivery owned by the memory transport (the same object across retries). */
class MemoryDelivery implements Delivery {
  deliveryCount = 0;
  /** 0 queued, 1 delivered (unsettled), 2 waiting for a retry delay, 3 settled. */
  state = 0;
  /** Index in `inflight` while delivered. */
  slot = -1;
  timer: LongTimer | undefined = undefined;
  /** The session whose turn this delivery holds (fixed when taken: a hook may rename the event's session). */
  session: string | undefined = undefined;
  constructor(readonly event: Event) {}
  get receipt(): string {
    return this.event._id;
  }
}

interface SessionTurn {
  owner: MemoryDelivery;
  waiting: MemoryDelivery[];
}

/**
 * The embedded, bounded, priority-aware in-memory transport (the default).
 * It implements the {@link Transport} contract synchronously, so the
 * runner's hot path stays free of promises, and it is a {@link LocalQueue}.
 *
 * Ordering rule: the highest non-empty priority level is served first
 * (`critical` > `high` > `normal` > `low`), FIFO within a level. Guard against
 * starvation: each time a level is passed over while it has waiting events,
 * its bypass count grows; once it reaches `maxBypass`, that level is served
 * next and its count resets. With `sessionOrdering`, an event whose session
 * has an unsettled delivery waits (parked) until that one is settled.
 * Retries wait in a timer for their delay; `requeueUnsettled()` hands
 * deliveries whose consumer went away back to the queue.
 *
 * @example
 * ```ts
 * const t = new InMemoryTransport({ capacity: 100 });
 * t.publish([newEvent('a', {}, { priority: 'low' }), newEvent('a', {}, { priority: 'critical' })]);
 * t.receive(1)[0]!.event.getMetadataValue('priority'); // 'critical'
 * ```
 */
export class InMemoryTransport implements Transport, LocalQueue {
  readonly name = 'memory';
  readonly capabilities: TransportCapabilities;
  readonly capacity: number;
  readonly maxBypass: number;
  /** Fresh events by priority level (a delivery object is made only when one is received). */
  private readonly levels = [new Ring<Event>(), new Ring<Event>(), new Ring<Event>(), new Ring<Event>()] as const;
  /** Deliveries that must go out before the levels: unparked session heads, due retries, requeued ones. */
  private readonly first = new Ring<MemoryDelivery>();
  private readonly bypass = [0, 0, 0, 0];
  private count = 0;
  private readonly ordered: boolean;
  private readonly turns = new Map<string, SessionTurn>();
  private parkedCount = 0;
  private readonly inflight: MemoryDelivery[] = [];
  private readonly delayed = new Set<MemoryDelivery>();
  private available: (() => void) | undefined;

  constructor(options: InMemoryTransportOptions = {}) {
    const cap = options.capacity ?? 1000;
    if (!(Number.isInteger(cap) && cap > 0)) throw new InvalidOptionError('capacity', `must be a positive integer, got ${cap}`);
    const mb = options.maxBypass ?? 32;
    if (!(mb >= 1)) throw new InvalidOptionError('maxBypass', `must be at least 1, got ${mb}`);
    this.capacity = cap;
    this.maxBypass = mb;
    this.ordered = options.sessionOrdering === true;
    this.capabilities = { ordering: this.ordered ? 'session' : 'none', delayed: true, local: true, priority: true };
  }

  publish(events: readonly Event[], options?: PublishOptions): void {
    if (options?.force !== true && this.pending() + events.length > this.capacity) {
      throw new QueueFullError(this.capacity, events[0]?._id ?? '');
    }
    for (let i = 0; i < events.length; i++) {
      const ev = events[i]!;
      const p = ev._meta.priority;
      this.levels[p === undefined ? 2 : priorityLevel(p)]!.push(ev);
      this.count++;
    }
  }

  receive(max: number): Delivery[] {
    const out: Delivery[] = [];
    while (out.length < max) {
      const d = this.receiveOne();
      if (d === undefined) break;
      out.push(d);
    }
    return out;
  }

  receiveOne(): Delivery | undefined {
    for (;;) {
      let d: MemoryDelivery | undefined;
      if (this.first.length !== 0) d = this.first.shift()!;
      else {
        const ev = this.poll();
        if (ev === undefined) return undefined;
        d = new MemoryDelivery(ev);
      }
      if (this.ordered && !this.takeTurn(d)) continue;
      d.deliveryCount++;
      d.state = 1;
      d.slot = this.inflight.length;
      this.inflight.push(d);
      return d;
    }
  }

  settle(delivery: Delivery, s: Settlement): boolean {
    const d = delivery as MemoryDelivery;
    if (d.state !== 1) return false;
    this.release(d);
    if (s.children !== undefined && s.children.length !== 0) this.publish(s.children, { force: true });
    if (s.kind === 'retry') {
      d.state = 2;
      this.delayed.add(d);
      d.timer = setLongTimeout(() => {
        d.timer = undefined;
        this.delayed.delete(d);
        d.state = 0;
        this.first.push(d);
        this.available?.();
      }, s.delayMs);
      return true;
    }
    d.state = 3;
    if (this.ordered) this.passTurn(d);
    return true;
  }

  /** Extends nothing: memory deliveries have no lease. */
  extend(): Promise<void> {
    return Promise.resolve();
  }

  onAvailable(fn: () => void): void {
    this.available = fn;
  }

  /**
   * Hands every delivered but unsettled event back to the queue (its
   * consumer went away); each is delivered again with a higher count.
   */
  requeueUnsettled(): number {
    const list = this.inflight.splice(0);
    for (const d of list) {
      // A new delivery object: a late settle of the old one is refused.
      d.slot = -1;
      d.state = 3;
      const again = new MemoryDelivery(d.event);
      again.deliveryCount = d.deliveryCount;
      again.session = d.session;
      if (d.session !== undefined) {
        const turn = this.turns.get(d.session);
        if (turn !== undefined && turn.owner === d) turn.owner = again;
      }
      this.first.push(again);
    }
    if (list.length !== 0) this.available?.();
    return list.length;
  }

  /** Cancels retry timers; the queue stays usable (a stopped runner may start again). */
  async close(): Promise<void> {
    for (const d of this.delayed) d.timer?.clear();
  }

  size(): number {
    return this.count + this.first.length;
  }

  pending(): number {
    return this.count + this.first.length + this.parkedCount + this.delayed.size;
  }

  held(): { retrying: number; parked: number } {
    return { retrying: this.delayed.size, parked: this.parkedCount };
  }

  takeAll(): Delivery[] {
    const out: MemoryDelivery[] = [];
    let d: MemoryDelivery | undefined;
    while ((d = this.first.shift()) !== undefined) out.push(d);
    for (const ring of this.levels) {
      let ev: Event | undefined;
      while ((ev = ring.shift()) !== undefined) out.push(new MemoryDelivery(ev));
    }
    for (const t of this.turns.values()) out.push(...t.waiting);
    for (const r of this.delayed) {
      r.timer?.clear();
      out.push(r);
    }
    this.delayed.clear();
    this.count = 0;
    this.parkedCount = 0;
    this.bypass.fill(0);
    // Keep the turns of delivered events: their settle passes them on.
    for (const [s, t] of this.turns) {
      t.waiting.length = 0;
      if (t.owner.state !== 1) this.turns.delete(s);
    }
    for (const x of out) {
      x.state = 1;
      if (x.deliveryCount === 0) x.deliveryCount = 1;
      x.slot = this.inflight.length;
      this.inflight.push(x);
    }
    return out;
  }

  forEach(fn: (event: Event) => void): void {
    this.first.forEach((d) => fn(d.event));
    for (const ring of this.levels) ring.forEach(fn);
    for (const t of this.turns.values()) for (const d of t.waiting) fn(d.event);
    for (const d of this.delayed) fn(d.event);
  }

  private release(d: MemoryDelivery): void {
    const i = d.slot;
    if (i < 0) return;
    const last = this.inflight.pop()!;
    if (last !== d) {
      this.inflight[i] = last;
      last.slot = i;
    }
    d.slot = -1;
  }

  /** Session order: the delivery may go out if its session has no other unsettled delivery. */
  private takeTurn(d: MemoryDelivery): boolean {
    const s = d.session ?? d.event._meta.session_id ?? d.event._id;
    d.session = s;
    const t = this.turns.get(s);
    if (t === undefined) {
      this.turns.set(s, { owner: d, waiting: [] });
      return true;
    }
    if (t.owner === d) return true;
    t.waiting.push(d);
    this.parkedCount++;
    return false;
  }

  private passTurn(d: MemoryDelivery): void {
    const s = d.session;
    if (s === undefined) return;
    const t = this.turns.get(s);
    if (t === undefined || t.owner !== d) return;
    const next = t.waiting.shift();
    if (next === undefined) {
      this.turns.delete(s);
      return;
    }
    this.parkedCount--;
    t.owner = next;
    this.first.push(next);
  }

  private poll(): Event | undefined {
    if (this.count === 0) return undefined;
    const L = this.levels;
    // Fast path: only one level in use (the common case).
    if (L[2].length === this.count) {
      this.count--;
      return L[2].shift();
    }
    let served = -1;
    for (let i = 3; i > 0; i--) {
      if (L[i]!.length > 0 && this.bypass[i]! >= this.maxBypass) {
        served = i;
        break;
      }
    }
    if (served < 0) {
      for (let i = 0; i < 4; i++) {
        if (L[i]!.length > 0) {
          served = i;
          break;
        }
      }
    }
    for (let i = served + 1; i < 4; i++) if (L[i]!.length > 0) this.bypass[i]!++;
    this.bypass[served] = 0;
    this.count--;
    return L[served]!.shift();
  }
}
