/**
 * The transport interface: where emitted events wait until a worker takes
 * them. The runner only talks to this interface, so the in-memory queue can
 * be swapped for a distributed one (Redis Streams is planned) without
 * touching the dispatch pipeline. Events cross it as {@link Event} objects
 * whose data and metadata are plain JSON (`event.toJSON()` is the wire form).
 * @module
 */
import type { Event } from '../core/event.js';

/**
 * A queue of events between `emit` and the dispatch loop.
 *
 * Contract:
 * - `offer` never blocks: it returns `false` when the queue is at capacity,
 *   unless `force` is set (the runner forces its own follow-up events, which
 *   replace the event that produced them, so chains never stall on a full queue).
 * - `poll` returns the next event to run, or `undefined` when none is ready.
 * - When an event becomes available without an `offer` from this process
 *   (a remote producer), the transport calls the function passed to `onAvailable`.
 * - `ack` is called once per polled event when it is finished, so a durable
 *   transport can acknowledge it (in-memory: nothing to do).
 *
 * @example
 * ```ts
 * const runner = createRunner({ transport: new InMemoryTransport({ capacity: 10_000 }) });
 * ```
 */
export interface Transport {
  readonly name: string;
  /** Events accepted by a non-forced `offer` before it returns false. */
  readonly capacity: number;
  offer(event: Event, force?: boolean): boolean;
  poll(): Event | undefined;
  /** Events waiting now. */
  size(): number;
  /** Removes and returns every waiting event (used when stopping). */
  takeAll(): Event[];
  /** Visits every waiting event without removing it. */
  forEach(fn: (event: Event) => void): void;
  onAvailable?(fn: () => void): void;
  ack?(event: Event): void;
  close?(): Promise<void>;
}

/**
 * Priority levels, highest first; metadata `priority` selects one.
 *
 * @example
 * ```ts
 * newEvent('a', {}, { priority: 'critical' });
 * ```
 */
export type Priority = 'critical' | 'high' | 'normal' | 'low';

/**
 * Priority name → queue level (0 is served first). Unknown or missing
 * priorities are `normal`.
 *
 * @example
 * ```ts
 * priorityLevel('high'); // 1
 * ```
 */
export function priorityLevel(p: string | undefined): number {
  switch (p) {
    case 'critical':
      return 0;
    case 'high':
      return 1;
    case undefined:
    case 'normal':
      return 2;
    case 'low':
      return 3;
    default:
      return 2;
  }
}
