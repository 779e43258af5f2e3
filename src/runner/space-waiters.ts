/**
 * Senders waiting for room in a full queue (`runner.send()`).
 * @module
 */
import { MAX_TIMER_MS } from '../core/timers.js';

/**
 * A FIFO of callers waiting for queue space, each bounded by a timer. The
 * worker calls {@link SpaceWaiters.wakeOne} once per delivery it takes while
 * anyone waits.
 *
 * @example
 * ```ts
 * const space = new SpaceWaiters();
 * await space.wait(1000, (wake) => (worker.onSpace = wake));
 * ```
 */
export class SpaceWaiters {
  private readonly waiters: (() => void)[] = [];

  /**
   * Resolves when woken or after `ms`. `arm` receives the wake function
   * (or `undefined` once nobody waits) to install where space is noticed.
   */
  wait(ms: number, arm: (wake: (() => void) | undefined) => void): Promise<void> {
    return new Promise<void>((resolve) => {
      const waiters = this.waiters;
      const timer = setTimeout(done, Math.min(ms, MAX_TIMER_MS));
      function done(): void {
        clearTimeout(timer);
        const i = waiters.indexOf(done);
        if (i >= 0) waiters.splice(i, 1);
        resolve();
      }
      waiters.push(done);
      this.arm = arm;
      arm(this.wakeOne);
    });
  }

  private arm: ((wake: (() => void) | undefined) => void) | undefined;

  /** Wakes the longest waiting sender. */
  readonly wakeOne = (): void => {
    const w = this.waiters.shift();
    if (w !== undefined) w();
    if (this.waiters.length === 0) this.arm?.(undefined);
  };
}
