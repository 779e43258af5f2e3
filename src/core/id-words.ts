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
const out = Buffer.allocUnsafe(36);
const HEX = Buffer.from('0123456789abcdef', 'latin1');

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
  let o = 0;
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) out[o++] = 0x2d;
    const w = i < 8 ? (i < 4 ? w0 : w1) : i < 12 ? w2 : w3;
    let b = (w >>> ((i & 3) << 3)) & 0xff;
    if (i === 6) b = (b & 0x0f) | 0x40;
    else if (i === 8) b = (b & 0x3f) | 0x80;
    out[o++] = HEX[b >> 4]!;
    out[o++] = HEX[b & 15]!;
  }
  return out.toString('latin1', 0, 36);
}
