/**
 * Fast UUID v4 generation producing flat 36-character strings.
 *
 * `crypto.randomUUID()` on Node 20 returns a string made of fragments that
 * holds ~480 bytes per id; formatting pooled random bytes into a Buffer and
 * slicing it yields a flat one-byte string of ~56 bytes, which matters when
 * tens of thousands of events sit in a queue. An event keeps its id's 128
 * random bits as four small integers and formats the string only when the
 * id is first read: an event that no one asks the id of (a no-op dispatch
 * with the in-memory trace, which stores the bits) never makes the string.
 * @module
 */
import { createHash } from 'node:crypto';
import { drawIdWords, formatIdWords, idWordPool as pool } from './id-words.js';

/**
 * Returns a new random (version 4) UUID such as
 * `"0b3c2f0e-6a8d-4c5b-9e1f-2a3b4c5d6e7f"`.
 *
 * @example
 * ```ts
 * const id = uuidv4();
 * id.length; // 36
 * ```
 */
export function uuidv4(): string {
  const p = drawIdWords();
  return formatIdWords(pool[p]!, pool[p + 1]!, pool[p + 2]!, pool[p + 3]!);
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * Whether `s` is a lowercase UUID v4.
 *
 * @example
 * ```ts
 * isUuidV4(uuidv4()); // true
 * ```
 */
export function isUuidV4(s: string): boolean {
  return UUID_RE.test(s);
}

/**
 * The deterministic id of the `seq`-th child (0-based) an event produces: a
 * name-based (version 5 style, SHA-1) UUID of the parent's id and the index.
 * A redelivered or retried parent that produces the same children gives
 * them the same ids, so a transport can suppress the duplicates.
 *
 * @example
 * ```ts
 * childEventId(parent.getId(), 0) === childEventId(parent.getId(), 0); // true
 * ```
 */
export function childEventId(parentId: string, seq: number): string {
  const h = createHash('sha1').update(parentId).update('/').update(String(seq)).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.toString('hex', 0, 16);
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}
