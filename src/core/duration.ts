/**
 * Go-style duration strings (`"30s"`, `"1m30s"`, `"250ms"`).
 * @module
 */
import { InvalidDurationError } from './errors.js';

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
const cache = new Map<string, number>();

/**
 * Parses a Go-style duration into milliseconds: a sequence of number+unit
 * pairs with units `ns`, `us`, `ms`, `s`, `m`, `h`. A bare number is taken as
 * seconds. Results are cached, since the same strings recur on every event.
 *
 * @param where - named in the error message, e.g. `metadata "timeout" of event <id>`
 * @throws {@link InvalidDurationError}
 * @example
 * ```ts
 * parseDuration('30s');   // 30000
 * parseDuration('1m30s'); // 90000
 * parseDuration('250ms'); // 250
 * ```
 */
export function parseDuration(text: string, where = 'duration'): number {
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const s = text.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(s)) {
    ms = Number(s) * 1000;
  } else {
    ms = 0;
    PART.lastIndex = 0;
    let matched = 0;
    while (PART.lastIndex < s.length) {
      const m = PART.exec(s);
      if (!m) throw new InvalidDurationError(text, where);
      ms += Number(m[1]) * UNIT_MS[m[2]!]!;
      matched++;
    }
    if (matched === 0) throw new InvalidDurationError(text, where);
  }
  if (cache.size < 1024) cache.set(text, ms);
  return ms;
}

/**
 * Formats milliseconds as a Go-style duration string.
 *
 * @example
 * ```ts
 * formatDuration(90_000); // '1m30s'
 * formatDuration(250);    // '250ms'
 * ```
 */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let rest = Math.round(ms / 1000);
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const sec = rest - m * 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${sec || (!h && !m) ? `${sec}s` : ''}`;
}
