/**
 * The outcome bus: what `run()`, `waitForSession`, `onOutcome`, metrics,
 * dead-letter forwarding and error routing subscribe to. In process today;
 * the messages are plain enough to be carried by a stream when outcomes come
 * from another process.
 * @module
 */
import type { ActivityMessage } from '../core/activity.js';
import type { Event } from '../core/event.js';
import type { Logger } from '../core/logger.js';
import type { BusMessage, EventOutcome } from '../core/outcome.js';
import type { OutcomeChannel } from '../transport/types.js';

export type { BusMessage };

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
  private forward: ((m: BusMessage) => void) | undefined;
  constructor(private readonly logger: Logger) {}

  /** Whether anyone listens (publishers skip building messages otherwise). */
  get active(): boolean {
    return this.listeners.length !== 0 || this.forward !== undefined;
  }

  /**
   * Carries this process's messages to other processes (the transport's
   * outcome channel), and delivers theirs here: `run()` in a producer then
   * sees the outcome a worker produced.
   */
  connect(channel: OutcomeChannel): () => void {
    this.forward = (m) => {
      try {
        const r = channel.publish(m);
        if (r instanceof Promise) r.catch((err: unknown) => this.logger.warn({ err }, 'outcome channel publish failed'));
      } catch (err) {
        this.logger.warn({ err }, 'outcome channel publish failed');
      }
    };
    const off = channel.subscribe((m) => (m.type === 'cancel' ? this.onRemoteCancel?.(m.chainId, m.message) : this.deliver(m)));
    return () => {
      this.forward = undefined;
      off();
    };
  }

  subscribe(fn: (m: BusMessage) => void): () => void {
    this.listeners = [...this.listeners, fn];
    return () => {
      this.listeners = this.listeners.filter((x) => x !== fn);
    };
  }

  publish(m: BusMessage): void {
    this.forward?.(m);
    this.deliver(m);
  }

  /** Called when another process cancelled a chain (set by the runner). */
  onRemoteCancel: ((chainId: string, message: string) => void) | undefined;

  /** Tells the other processes that a chain was cancelled (nothing is delivered here). */
  broadcastCancel(chainId: string, message: string): void {
    this.forward?.({ type: 'cancel', chainId, message });
  }

  /**
   * Publishes an agent's activity: to this process's listeners, and to other
   * processes only when `remote` (the chain is being streamed by a caller
   * that may live elsewhere), so tokens do not flood a shared channel.
   */
  publishActivity(message: ActivityMessage, remote: boolean): void {
    const m: BusMessage = { type: 'activity', message };
    if (remote) this.forward?.(m);
    this.deliver(m);
  }

  /** Delivers a message to this process's subscribers only (a message from another process). */
  deliver(m: BusMessage): void {
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
