/**
 * The outcome bus: what `run()`, `waitForSession`, `onOutcome`, metrics,
 * dead-letter forwarding and error routing subscribe to. In process today;
 * the messages are plain enough to be carried by a stream when outcomes come
 * from another process.
 * @module
 */
import type { Event } from '../core/event.js';
import type { Logger } from '../core/logger.js';
import type { EventOutcome } from '../core/outcome.js';

/**
 * A message on the outcome bus:
 * - `published`: events now exist in the transport (an `emit`, or the
 *   children a settled delivery produced, with their parent's id);
 * - `outcome`: an event's final outcome (after its last attempt).
 *
 * @example
 * ```ts
 * bus.subscribe((m) => { if (m.type === 'outcome') console.log(m.outcome.status) });
 * ```
 */
export type BusMessage =
  | { readonly type: 'published'; readonly parentId: string | undefined; readonly events: readonly Event[] }
  | { readonly type: 'outcome'; readonly outcome: EventOutcome };

/**
 * Subscribers in order; a throwing subscriber is logged and the others still run.
 *
 * @example
 * ```ts
 * const bus = new OutcomeBus(logger);
 * const off = bus.subscribe((m) => console.log(m.type));
 * off();
 * ```
 */
export class OutcomeBus {
  private listeners: ((m: BusMessage) => void)[] = [];
  constructor(private readonly logger: Logger) {}

  /** Whether anyone listens (publishers skip building messages otherwise). */
  get active(): boolean {
    return this.listeners.length !== 0;
  }

  subscribe(fn: (m: BusMessage) => void): () => void {
    this.listeners = [...this.listeners, fn];
    return () => {
      this.listeners = this.listeners.filter((x) => x !== fn);
    };
  }

  publish(m: BusMessage): void {
    const ls = this.listeners;
    for (let i = 0; i < ls.length; i++) {
      try {
        ls[i]!(m);
      } catch (err) {
        this.logger.warn({ err: (err as Error).message }, 'outcome listener threw');
      }
    }
  }
}

/**
 * The narrow host that plugins (dead-letter forwarding, error routing,
 * metrics) depend on instead of the `Runner` class.
 *
 * @example
 * ```ts
 * function countFailures(host: RunnerHost) { return host.onOutcome((o) => o.status !== 'completed' && host.logger.warn(o.eventId)) }
 * ```
 */
export interface RunnerHost {
  onOutcome(fn: (o: EventOutcome) => void): () => void;
  emit(event: Event): void;
  getStatus(): string;
  readonly logger: Logger;
}
