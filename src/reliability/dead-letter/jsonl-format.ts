/**
 * The dead-letter file's line format (records and tombstones) and a
 * streaming line scanner with a per-line bound.
 * @module
 */
import { readSync } from 'node:fs';
import type { DeadLetterRecord } from '../../runner/types.js';

const CHUNK = 1 << 20;

/**
 * A removal line: `{"af_tombstone": id, "rev": …, "t": ms}`.
 *
 * @example
 * ```ts
 * const t: Tombstone = { af_tombstone: 'evt-1', rev: 'a1b2', t: Date.now() };
 * ```
 */
export interface Tombstone {
  af_tombstone: string;
  rev?: string;
  t: number;
}

/**
 * One parsed line: a record or a tombstone.
 *
 * @example
 * ```ts
 * const e = parseEntry(line);
 * if (typeof e !== 'string' && e.tomb) console.log('removes', e.tomb.af_tombstone);
 * ```
 */
export type Entry = { record: DeadLetterRecord; tomb?: undefined } | { record?: undefined; tomb: Tombstone };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses one line; a string says why it is not a record or a tombstone.
 *
 * @example
 * ```ts
 * parseEntry('null'); // 'not a JSON object (null)'
 * ```
 */
export function parseEntry(text: string): Entry | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return `not JSON (${(e as Error).message})`;
  }
  if (!isObj(v)) return `not a JSON object (${v === null ? 'null' : typeof v})`;
  if (typeof v.af_tombstone === 'string') {
    if (v.rev !== undefined && typeof v.rev !== 'string') return 'tombstone with a non-string rev';
    return { tomb: { af_tombstone: v.af_tombstone, rev: v.rev as string | undefined, t: typeof v.t === 'number' ? v.t : 0 } };
  }
  if (typeof v.id !== 'string' || v.id === '') return 'record without a string "id"';
  if (!isObj(v.event) || typeof v.event.id !== 'string') return `record ${v.id}: "event" is not a serialized event`;
  if (typeof v.reason !== 'string') return `record ${v.id}: "reason" is not a string`;
  if (!isObj(v.error) || typeof v.error.message !== 'string') return `record ${v.id}: "error" has no message`;
  if (v.rev !== undefined && typeof v.rev !== 'string') return `record ${v.id}: "rev" is not a string`;
  return { record: v as unknown as DeadLetterRecord };
}

/**
 * Calls `visit` for every complete line from `from` (a line over `maxLine`
 * bytes is visited as `undefined`, never buffered); returns the offset after
 * the last complete line.
 *
 * @example
 * ```ts
 * const end = scanLines(fd, 0, 1 << 24, (line, offset) => console.log(offset, line?.length));
 * ```
 */
export function scanLines(fd: number, from: number, maxLine: number, visit: (line: Buffer | undefined, offset: number, length: number) => void): number {
  const buf = Buffer.allocUnsafe(CHUNK);
  let pos = from;
  let lineStart = from;
  let parts: Buffer[] = [];
  let partLen = 0;
  let over = false;
  for (;;) {
    const n = readSync(fd, buf, 0, CHUNK, pos);
    if (n === 0) break;
    const view = buf.subarray(0, n);
    let s = 0;
    for (;;) {
      const nl = view.indexOf(10, s);
      const end = nl === -1 ? n : nl;
      if (!over) {
        if (partLen + (end - s) > maxLine) {
          over = true;
          parts = [];
          partLen = 0;
        } else if (end > s) {
          parts.push(Buffer.from(view.subarray(s, end)));
          partLen += end - s;
        }
      }
      if (nl === -1) break;
      const length = pos + nl - lineStart;
      visit(over ? undefined : parts.length === 1 ? parts[0] : Buffer.concat(parts, partLen), lineStart, length);
      lineStart = pos + nl + 1;
      parts = [];
      partLen = 0;
      over = false;
      s = nl + 1;
    }
    pos += n;
  }
  return lineStart;
}


/**
 * A line of the dead-letter file that is neither a record nor a tombstone.
 *
 * @example
 * ```ts
 * for (const c of store.inspect().corrupt) console.warn(`line ${c.line}: ${c.reason}`);
 * ```
 */
export interface CorruptLine {
  /** 1-based line number in the file as it was read. */
  line: number;
  /** Byte offset of the line. */
  offset: number;
  bytes: number;
  reason: string;
}
