/**
 * The embedded in-memory transport (the default).
 * @module
 */
import type { Event } from '../core/event.js';
import { InvalidOptionError } from '../core/errors.js';
import { priorityLevel, type Transport } from './types.js';

/** A growable ring buffer (FIFO). */
class Ring<T> {
  private buf: (T | undefined)[];
  private head = 0;
  private tail = 0;
  private mask: number;
  length = 0;
  constructor(initial = 16) {
    let cap = 16;
    while (cap < initial) cap <<= 1;
    this.buf = new Array(cap);
    this.mask = cap - 1;
  }
  push(v: T): void {
    if (this.length === this.buf.length) this.grow();
    this.buf[this.tail] = v;
    this.tail = (this.tail + 1) & this.mask;
    this.length++;
  }
  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const v = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.length--;
    return v;
  }
  forEach(fn: (v: T) => void): void {
    for (let i = 0, p = this.head; i < this.length; i++, p = (p + 1) & this.mask) fn(this.buf[p] as T);
  }
  private grow(): void {
    const old = this.buf;
    const n = old.length;
    const next = new Array<T | undefined>(n * 2);
    for (let i = 0; i < n; i++) next[i] = old[(this.head + i) & this.mask];
    this.buf = next;
    this.head = 0;
    this.tail = n;
    this.mask = n * 2 - 1;
  }
}

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
}

/**
 * A bounded, priority-aware in-memory queue.
 *
 * Ordering rule: the highest non-empty priority level is served first
 * (`critical` > `high` > `normal` > `low`), FIFO within a level. Guard against
 * starvation: each time a level is passed over while it has waiting events,
 * its bypass count grows; once it reaches `maxBypass`, that level is served
 * next and its count resets. So an event waits behind at most `maxBypass`
 * higher-priority events per level above it.
 *
 * @example
 * ```ts
 * const t = new InMemoryTransport({ capacity: 100 });
 * t.offer(newEvent('a', {}, { priority: 'low' }));
 * t.offer(newEvent('a', {}, { priority: 'critical' }));
 * t.poll()!.getMetadataValue('priority'); // 'critical'
 * ```
 */
export class InMemoryTransport implements Transport {
  readonly name = 'memory';
  readonly capacity: number;
  readonly maxBypass: number;
  private readonly levels = [new Ring<Event>(), new Ring<Event>(), new Ring<Event>(), new Ring<Event>()] as const;
  private readonly bypass = [0, 0, 0, 0];
  private count = 0;

  constructor(options: InMemoryTransportOptions = {}) {
    const cap = options.capacity ?? 1000;
    if (!(Number.isInteger(cap) && cap > 0)) throw new InvalidOptionError('capacity', `must be a positive integer, got ${cap}`);
    const mb = options.maxBypass ?? 32;
    if (!(mb >= 1)) throw new InvalidOptionError('maxBypass', `must be at least 1, got ${mb}`);
    this.capacity = cap;
    this.maxBypass = mb;
  }

  offer(event: Event, force = false): boolean {
    if (this.count >= this.capacity && !force) return false;
    const p = event._meta.priority;
    this.levels[p === undefined ? 2 : priorityLevel(p)].push(event);
    this.count++;
    return true;
  }

  poll(): Event | undefined {
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

  size(): number {
    return this.count;
  }

  takeAll(): Event[] {
    const out: Event[] = [];
    for (const ring of this.levels) {
      let e: Event | undefined;
      while ((e = ring.shift()) !== undefined) out.push(e);
    }
    this.count = 0;
    this.bypass.fill(0);
    return out;
  }

  forEach(fn: (event: Event) => void): void {
    for (const ring of this.levels) ring.forEach(fn);
  }
}
