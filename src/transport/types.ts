/**
 * The transport contract: where events wait between `emit` and a worker,
 * written for at-least-once queues. A worker receives {@link Delivery}s and
 * settles each one exactly once, together with the child events it produced
 * (atomically where the transport can). The in-memory transport implements
 * it synchronously (no promises on the hot path); a networked transport
 * (Redis Streams) returns promises. Every transport runs the conformance
 * suite in `agentflow/transport/testing`.
 * @module
 */
import type { StepStore } from '../core/steps.js';
import type { Event } from '../core/event.js';
import type { BusMessage, DeadLetterRecord, EventOutcome } from '../core/outcome.js';

/**
 * One delivery of an event to a worker.
 *
 * @example
 * ```ts
 * for (const d of await transport.receive(10)) console.log(d.event.getId(), d.deliveryCount);
 * ```
 */
export interface Delivery {
  readonly event: Event;
  /** The transport's handle for settling (a stream entry id; the event id in memory). */
  readonly receipt: string;
  /** 1 on the first delivery; counts retries and crash redeliveries. The attempt number. */
  readonly deliveryCount: number;
}

/**
 * How a delivery ends. `children` are published in the same step (before
 * the delivery is released, and atomically with it where the transport can):
 * - `ack`: the event is finished (completed, or failed with no dead-letter sink);
 * - `retry`: deliver the same event again after `delayMs`, with `deliveryCount + 1`
 *   (a transport that orders by session keeps the session's turn meanwhile);
 * - `dead`: the event failed for good; `record` says why (a durable transport
 *   stores it in its dead-letter stream).
 *
 * A transport that suppresses duplicate children (an earlier attempt of the
 * same event already published a child with the same id) lists their ids in
 * `suppressed` once the settlement is accepted; the runner then neither
 * counts nor announces them again.
 *
 * @example
 * ```ts
 * transport.settle(delivery, { kind: 'retry', delayMs: 200 });
 * ```
 */
export type Settlement = (
  | { readonly kind: 'ack'; readonly children?: readonly Event[] }
  | { readonly kind: 'retry'; readonly delayMs: number; readonly children?: readonly Event[] }
  | { readonly kind: 'dead'; readonly record: DeadLetterRecord; readonly children?: readonly Event[] }
) & {
  suppressed?: string[];
  /**
   * The event's final outcome (ack and dead only; built on first call),
   * offered to a transport that can announce it, with its published
   * children, to the other processes in the same atomic step as the
   * settlement. A transport that did sets `announced`; the runner then
   * delivers both only in this process.
   */
  outcome?: () => EventOutcome;
  announced?: boolean;
};

/**
 * What a transport guarantees, so the runner and users know what they get.
 * - `ordering`: `session` when a session's next event is not delivered
 *   until the previous one is settled (retries keep the turn); `none` otherwise;
 * - `delayed`: `retry` settlements are honoured after their delay;
 * - `local`: the queue lives in this process (lost when it exits), so
 *   `stop()` may fail what is still queued; a shared queue is left for others;
 * - `priority`: metadata `priority` orders delivery.
 *
 * @example
 * ```ts
 * if (transport.capabilities.ordering !== 'session') console.warn('no per-session order');
 * ```
 */
export interface TransportCapabilities {
  readonly ordering: 'none' | 'session';
  readonly delayed: boolean;
  readonly local: boolean;
  readonly priority: boolean;
}

/**
 * Options for {@link Transport.publish}.
 *
 * @example
 * ```ts
 * transport.publish([ev], { force: true });
 * ```
 */
export interface PublishOptions {
  /** Skip the capacity check (the runtime's own follow-up events). */
  readonly force?: boolean;
}

/**
 * An at-least-once event queue.
 *
 * Contract (checked by `agentflow/transport/testing`):
 * - `publish` appends events in order; it throws (or rejects with)
 *   `QueueFullError` when at capacity unless forced, and nothing is published then;
 * - `receive(max)` returns up to `max` deliveries (possibly none); a
 *   delivery stays owned by its receiver until settled;
 * - `settle` ends a delivery once and answers `true`; a second settle of the same
 *   delivery, or a settle of a delivery that was redelivered meanwhile, answers `false`;
 * - a delivery that is never settled (its consumer died) is delivered again
 *   with a higher `deliveryCount`, after the transport's lease;
 * - `extend` keeps a long-running delivery's lease alive;
 * - `close` stops the transport; it does not fail or drop other consumers' work.
 *
 * @example
 * ```ts
 * const runner = createRunner({ transport: new InMemoryTransport({ capacity: 10_000 }) });
 * ```
 */
export interface Transport {
  readonly name: string;
  readonly capabilities: TransportCapabilities;
  /** Events a non-forced publish accepts before refusing. */
  readonly capacity: number;
  publish(events: readonly Event[], options?: PublishOptions): void | Promise<void>;
  receive(max: number): readonly Delivery[] | Promise<readonly Delivery[]>;
  /** Optional for synchronous transports: one delivery or `undefined`, without allocating a batch (the worker's hot path). */
  receiveOne?(): Delivery | undefined;
  /** Returns (or resolves to) false when the delivery is no longer this consumer's (settled already, or redelivered after its lease): nothing was done. */
  settle(delivery: Delivery, settlement: Settlement): boolean | Promise<boolean>;
  extend?(delivery: Delivery, ms: number): Promise<void>;
  /** Where `ctx.once` keeps step results, shared by every process on this transport (default: in process). */
  readonly steps?: StepStore;
  /** Called when deliveries become available without a publish from this process (remote producers, due retries). */
  onAvailable?(fn: () => void): void;
  close(): Promise<void>;
  /** Connects, joins and checks (called by `start()`, which fails with its typed error). */
  open?(): Promise<void>;
  /** A shared transport's channel for outcome-bus messages between processes (absent for local transports). */
  readonly outcomes?: OutcomeChannel;
  /** How many workers are alive on a shared transport (`run()` fails fast when none is). */
  liveWorkers?(): Promise<number>;
  /** Metrics of a shared transport for this process (Prometheus reads them at each scrape). */
  metrics?(): Promise<TransportMetrics>;
}

/**
 * Carries outcome-bus messages between processes: every process publishes
 * its own; each receives the others'.
 *
 * @example
 * ```ts
 * const off = transport.outcomes?.subscribe((m) => console.log(m.type));
 * ```
 */
export interface OutcomeChannel {
  publish(m: BusMessage): void | Promise<void>;
  /** Messages from other processes, in order. Returns an unsubscribe function. */
  subscribe(fn: (m: BusMessage) => void): () => void;
  /**
   * For channels that deliver other processes' outcomes only on demand (a
   * worker does not read back what every worker writes): the runner calls
   * `want(true)` before publishing an event whose chain it waits on
   * (`run()`, `stream()`) and `want(false)` when the wait ends.
   */
  want?(on: boolean): Promise<void> | void;
  /** Resolves once the channel delivers other processes' messages (awaited by the runner's `start()`). */
  ready?(): Promise<void>;
}

/**
 * The in-process queue operations of a `local` transport: inspection and
 * taking everything that waits (for `stop()`, `drain()`, `waitForSession`
 * and `stats()`). Only local transports have them.
 *
 * @example
 * ```ts
 * if (isLocalQueue(transport)) console.log(transport.size());
 * ```
 */
export interface LocalQueue {
  /** Events waiting to be delivered now (not those held for a retry delay or a session's turn). */
  size(): number;
  /** Events held: retries waiting for their delay, and events waiting for their session's turn. */
  held(): { retrying: number; parked: number };
  /** Every undelivered event: ready, parked and retrying (0 means the queue is at rest). */
  pending(): number;
  /** Removes and returns every undelivered event (ready, parked and retrying). */
  takeAll(): Delivery[];
  /** Visits every undelivered event without removing it. */
  forEach(fn: (event: Event) => void): void;
}

/**
 * Whether a transport is local and offers {@link LocalQueue}.
 *
 * @example
 * ```ts
 * if (isLocalQueue(t)) t.forEach((ev) => console.log(ev.getId()));
 * ```
 */
export function isLocalQueue(t: Transport): t is Transport & LocalQueue {
  return t.capabilities.local && typeof (t as Partial<LocalQueue>).takeAll === 'function';
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
    case 'low':
      return 3;
    default:
      return 2;
  }
}

/**
 * What a shared transport reports about this process's share of it.
 *
 * @example
 * ```ts
 * const m = await transport.metrics?.(); // { partitionsOwned: 4, pending: 2, lag: 0, redeliveries: 1, leaseLosses: 0 }
 * ```
 */
export interface TransportMetrics {
  /** Partitions this worker owns. */
  partitionsOwned?: number;
  /** Deliveries read but not settled yet, in the owned partitions. */
  pending?: number;
  /** Entries not read yet, in the owned partitions. */
  lag?: number;
  /** Deliveries that were redeliveries, since start. */
  redeliveries?: number;
  /** Leases lost since start. */
  leaseLosses?: number;
}
