/**
 * Timers that hold for any delay. Node clamps a `setTimeout` delay above
 * 2³¹−1 ms (about 24.8 days) to 1 ms; these re-arm in steps instead.
 * @module
 */

/**
 * The longest delay one Node timer can hold.
 *
 * @example
 * ```ts
 * Math.min(delay, MAX_TIMER_MS);
 * ```
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A cancellable long timer.
 *
 * @example
 * ```ts
 * const t = setLongTimeout(() => console.log('later'), 40 * 86_400_000);
 * t.clear();
 * ```
 */
export interface LongTimer {
  clear(): void;
  /** Keeps (or stops keeping) the process alive while pending. */
  ref(keep: boolean): void;
}

/**
 * Calls `fn` after `ms` (clamped to ≥ 0; `Infinity` never fires), however
 * long, by re-arming in steps of at most {@link MAX_TIMER_MS}.
 *
 * @example
 * ```ts
 * setLongTimeout(() => retry(), 3e9); // fires after ~35 days, not after 1 ms
 * ```
 */
export function setLongTimeout(fn: () => void, ms: number): LongTimer {
  const at = Date.now() + Math.max(0, ms);
  let timer: NodeJS.Timeout | undefined;
  let keep = true;
  const arm = (): void => {
    if (at === Infinity) return;
    const left = at - Date.now();
    if (left <= MAX_TIMER_MS) {
      timer = setTimeout(fn, Math.max(0, left));
    } else {
      timer = setTimeout(arm, MAX_TIMER_MS);
    }
    if (!keep) timer.unref();
  };
  arm();
  return {
    clear: () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
    ref: (k) => {
      keep = k;
      if (timer !== undefined) {
        if (k) timer.ref();
        else timer.unref();
      }
    },
  };
}
