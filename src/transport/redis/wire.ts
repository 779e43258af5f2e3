/**
 * Wire helpers for the Redis transport: partition hashing, stream reply
 * parsing and URL redaction.
 * @module
 */

/**
 * One stream entry: its id and fields.
 *
 * @example
 * ```ts
 * const e: Entry = { id: '1700000000000-0', fields: { e: '{...}' } };
 * ```
 */
export interface Entry {
  id: string;
  fields: Record<string, string>;
}

/**
 * The partition of a key (FNV-1a, 32 bit): stable across processes and versions.
 *
 * @example
 * ```ts
 * hashPartition('session-1', 8); // 0..7
 * ```
 */
export function hashPartition(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}

/**
 * Parses a list of `[id, [field, value, …]]` entries (deleted entries, which
 * XAUTOCLAIM returns as null, are skipped).
 *
 * @example
 * ```ts
 * parseEntries('s', [['1-0', ['e', '{}']]]); // [{ id: '1-0', fields: { e: '{}' } }]
 * ```
 */
export function parseEntries(_stream: string, list: unknown): Entry[] {
  const out: Entry[] = [];
  if (!Array.isArray(list)) return out;
  for (const item of list) {
    if (!Array.isArray(item) || item.length < 2 || !Array.isArray(item[1])) continue;
    const kv = item[1] as unknown[];
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < kv.length; i += 2) {
      const k = String(kv[i]);
      // A repeated field (the settle script's announced messages): its values joined by newlines, which JSON text never holds.
      fields[k] = fields[k] === undefined ? String(kv[i + 1]) : `${fields[k]}\n${String(kv[i + 1])}`;
    }
    out.push({ id: String(item[0]), fields });
  }
  return out;
}

export { redactUrl } from '../../core/redact.js';

/**
 * The `[stream, entries]` pairs of an XREAD/XREADGROUP reply, whatever the
 * protocol gave (RESP2 arrays or a RESP3 map).
 *
 * @example
 * ```ts
 * for (const [key, list] of streamsOf(reply)) parseEntries(String(key), list);
 * ```
 */
export function streamsOf(reply: unknown): [unknown, unknown][] {
  if (reply == null) return [];
  if (Array.isArray(reply)) return reply as [unknown, unknown][];
  if (reply instanceof Map) return [...(reply as Map<unknown, unknown>)];
  return Object.entries(reply as object);
}
