/**
 * The bits behind random event ids: 128 random bits drawn from a pool as
 * four int32 words, and their text form as a version 4 UUID. Events keep
 * the words and make the text only when their id is first read (internal:
 * not exported from the package).
 * @module
 */
import { randomFillSync } from 'node:crypto';

const POOL_IDS = 512;
const pool = new Int32Array(4 * POOL_IDS);
let poolPos = pool.length;
/** Char codes of the hex digits. */
const HEX: readonly number[] = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const DASH = 0x2d;

/**
 * Draws 128 random bits for an id and returns where they are in
 * {@link idWordPool} (four int32 words from that index; valid until the
 * next call). Events keep these words and format their id only when it is
 * first read ({@link formatIdWords}).
 *
 * @example
 * ```ts
 * const p = drawIdWords();
 * const id = formatIdWords(idWordPool[p]!, idWordPool[p + 1]!, idWordPool[p + 2]!, idWordPool[p + 3]!);
 * ```
 */
export function drawIdWords(): number {
  if (poolPos === pool.length) {
    randomFillSync(pool);
    poolPos = 0;
  }
  const p = poolPos;
  poolPos += 4;
  return p;
}

/**
 * The pool {@link drawIdWords} indexes into (refilled in place).
 *
 * @example
 * ```ts
 * const w0 = idWordPool[drawIdWords()];
 * ```
 */
export const idWordPool: Int32Array = pool;

/**
 * Formats four random int32 words as a version 4 UUID (the version and
 * variant bits are set here); the same words always give the same string.
 *
 * @example
 * ```ts
 * formatIdWords(1, 2, 3, 4) === formatIdWords(1, 2, 3, 4); // true
 * ```
 */
export function formatIdWords(w0: number, w1: number, w2: number, w3: number): string {
  // The 16 bytes, low byte of each word first; version 4 and the RFC 4122 variant set in bytes 6 and 8.
  const b6 = (((w1 >>> 16) & 0x0f) | 0x40) & 0xff;
  const b8 = ((w2 & 0x3f) | 0x80) & 0xff;
  const h = HEX;
  // One `String.fromCharCode` call makes the string at once (~40 ns; a buffer's `toString` goes through C++, ~100 ns).
  return String.fromCharCode(
    h[(w0 >>> 4) & 15]!, h[w0 & 15]!, h[(w0 >>> 12) & 15]!, h[(w0 >>> 8) & 15]!, h[(w0 >>> 20) & 15]!, h[(w0 >>> 16) & 15]!, h[(w0 >>> 28) & 15]!, h[(w0 >>> 24) & 15]!, DASH,
    h[(w1 >>> 4) & 15]!, h[w1 & 15]!, h[(w1 >>> 12) & 15]!, h[(w1 >>> 8) & 15]!, DASH,
    h[b6 >> 4]!, h[b6 & 15]!, h[(w1 >>> 28) & 15]!, h[(w1 >>> 24) & 15]!, DASH,
    h[b8 >> 4]!, h[b8 & 15]!, h[(w2 >>> 12) & 15]!, h[(w2 >>> 8) & 15]!, DASH,
    h[(w2 >>> 20) & 15]!, h[(w2 >>> 16) & 15]!, h[(w2 >>> 28) & 15]!, h[(w2 >>> 24) & 15]!,
    h[(w3 >>> 4) & 15]!, h[w3 & 15]!, h[(w3 >>> 12) & 15]!, h[(w3 >>> 8) & 15]!, h[(w3 >>> 20) & 15]!, h[(w3 >>> 16) & 15]!, h[(w3 >>> 28) & 15]!, h[(w3 >>> 24) & 15]!,
  );
}
