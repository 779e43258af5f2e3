/**
 * One timer for every in-flight timeout and deadline.
 * @module
 */
import { MAX_TIMER_MS } from '../core/timers.js';

/**
 * What the clock watches: an absolute expiry (epoch ms, 0 for none) and
 * whether the watched work is over.
 *
 * @example
 * ```ts
 * const w: Expiring = { expiry: Date.now() + 1000, finished: false };
 * ```
 */
export interface Expiring {
  expiry: number;
  finished: boolean;
}

/**
 * One timer for all in-flight deadlines, instead of one per event. The timer
 * is armed for the earliest expiry and re-armed only when a sooner one
 * arrives, so steady traffic with a fixed timeout costs no timer operations.
 * While nothing is in flight the timer is unref'd (it must not keep the
 * process alive) rather than cleared. Delays beyond Node's timer limit
 * (2³¹−1 ms) re-arm instead of firing early.
 *
 * @example
 * ```ts
 * const clock = new ExpiryClock(() => active, (t) => t.abort(new Error('expired')));
 * clock.watch(task);
 * ```
 */
export class ExpiryClock<T extends Expiring> {
  private timer: NodeJS.Timeout | undefined;
  private armedAt = Infinity;
  private refed = false;
  constructor(
    private readonly tasks: () => readonly T[],
    private readonly onExpire: (t: T) => void,
  ) {}
  watch(t: T): void {
    if (t.expiry < this.armedAt) this.arm(t.expiry);
    else if (!this.refed && this.timer !== undefined) {
      this.timer.ref();
      this.refed = true;
    }
  }
  /** Nothing in flight: let the process exit if it wants to. */
  idle(): void {
    if (this.refed && this.timer !== undefined) {
      this.timer.unref();
      this.refed = false;
    }
  }
  /** Stops the timer for good (runner stopped). */
  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedAt = Infinity;
    this.refed = false;
  }
  /** Whether a timer is pending and keeping the process alive (for leak checks). */
  isActive(): boolean {
    return this.refed;
  }
  private arm(at: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.armedAt = at;
    this.timer = setTimeout(this.fire, Math.min(MAX_TIMER_MS, Math.max(0, at - Date.now())));
    this.refed = true;
  }
  private readonly fire = (): void => {
    this.timer = undefined;
    this.refed = false;
    this.armedAt = Infinity;
    const now = Date.now();
    let next = Infinity;
    for (const t of this.tasks().slice()) {
      if (t.expiry === 0 || t.finished) continue;
      if (t.expiry <= now) this.onExpire(t);
      else if (t.expiry < next) next = t.expiry;
    }
    // An expiry handled above may have started a task that armed the timer sooner.
    if (next !== Infinity && next < this.armedAt) this.arm(next);
  };
}
