/**
 * Taking over unsettled entries: a new owner's claim of a partition, and a
 * worker's recovery of entries whose read reply it never received.
 * @module
 */
import { parseEntries, streamsOf, type Entry } from './wire.js';

interface Commands {
  sendCommand(args: string[]): Promise<unknown>;
}

/**
 * An unsettled entry claimed by a new owner, with its delivery count and
 * what the due hash holds for it (a retry's `<due ms>:<attempt>`, crashes
 * while it ran alone).
 *
 * @example
 * ```ts
 * const c: ClaimedEntry = { entry: { id: '1-0', fields: { e: '{}' } }, count: 2, due: undefined, crashes: 0 };
 * ```
 */
export interface ClaimedEntry {
  entry: Entry;
  count: number;
  due: string | undefined;
  crashes: number;
}

/**
 * Claims every unsettled entry of a partition stream for `consumer`, in
 * stream order (`XAUTOCLAIM` from `0-0`, every page), with delivery counts
 * (`XPENDING`) and due state (`HMGET` on the due hash).
 *
 * @example
 * ```ts
 * for (const c of await claimPartition(client, 'af:{ns}:p0', 'af:{ns}:due', 'worker-1')) console.log(c.entry.id, c.count);
 * ```
 */
export async function claimPartition(c: Commands, stream: string, dueKey: string, consumer: string): Promise<ClaimedEntry[]> {
  const entries: Entry[] = [];
  // Page by page (1,000 entries each) until the cursor comes back to the start.
  for (let from = '0-0'; ; ) {
    const claimed = (await c.sendCommand(['XAUTOCLAIM', stream, 'workers', consumer, '0', from, 'COUNT', '1000'])) as unknown[];
    entries.push(...parseEntries(stream, claimed?.[1]));
    from = String(claimed?.[0] ?? '0-0');
    if (from === '0-0') break;
  }
  if (entries.length === 0) return [];
  const pend = (await c.sendCommand(['XPENDING', stream, 'workers', entries[0]!.id, entries.at(-1)!.id, String(entries.length)])) as [string, string, number, number][];
  const counts = new Map(pend.map((x) => [String(x[0]), Number(x[3])]));
  const fields = entries.flatMap((e) => [`${stream}|${e.id}`, `${stream}|${e.id}|c`]);
  const state = (await c.sendCommand(['HMGET', dueKey, ...fields])) as (string | null)[];
  return entries.map((entry, i) => ({ entry, count: counts.get(entry.id) ?? 2, due: state[2 * i] ?? undefined, crashes: Number(state[2 * i + 1] ?? 0) }));
}

/**
 * The entries pending for `consumer` on each stream (its read history,
 * `XREADGROUP … 0`), in stream order: after a read whose reply was lost to
 * a dropped connection, the ones the worker does not hold are entries Redis
 * handed it that it never received.
 *
 * @example
 * ```ts
 * const [p0, p1] = await pendingOf(client, ['af:{ns}:p0', 'af:{ns}:p1'], 'worker-1');
 * ```
 */
export async function pendingOf(c: Commands, streams: readonly string[], consumer: string): Promise<Entry[][]> {
  const out: Entry[][] = [];
  for (const stream of streams) {
    const all: Entry[] = [];
    // Page by page (1,000 entries each, from the last id read): a busy session can keep many entries pending here.
    for (let from = '0'; ; ) {
      const list = streamsOf(await c.sendCommand(['XREADGROUP', 'GROUP', 'workers', consumer, 'COUNT', '1000', 'STREAMS', stream, from]))[0]?.[1];
      const n = Array.isArray(list) ? list.length : 0;
      all.push(...parseEntries(stream, list));
      if (n < 1000) break;
      from = String(((list as unknown[])[n - 1] as unknown[])[0]);
    }
    out.push(all);
  }
  return out;
}
