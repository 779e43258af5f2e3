/**
 * What a Redis worker reports about its share of the namespace.
 * @module
 */
import type { TransportMetrics } from '../types.js';

interface Commands {
  sendCommand(args: string[]): Promise<unknown>;
}

/**
 * Metrics of the partition streams a worker owns: pending deliveries
 * (`XPENDING`) and the consumer group's lag (entries not yet read; `XINFO
 * GROUPS`, Redis 7), with the worker's own counters.
 *
 * @example
 * ```ts
 * const m = await namespaceMetrics(client, ['af:{demo}:p0'], { redeliveries: 0, leaseLosses: 0 });
 * ```
 */
export async function namespaceMetrics(c: Commands, streams: readonly string[], counters: { redeliveries: number; leaseLosses: number }): Promise<TransportMetrics> {
  let pending = 0;
  let lag = 0;
  for (const key of streams) {
    const summary = (await c.sendCommand(['XPENDING', key, 'workers'])) as unknown[] | null;
    pending += Number(summary?.[0] ?? 0);
    const groups = (await c.sendCommand(['XINFO', 'GROUPS', key])) as unknown[][];
    for (const g of groups ?? []) {
      const fields = new Map<string, unknown>();
      for (let i = 0; i + 1 < g.length; i += 2) fields.set(String(g[i]), g[i + 1]);
      if (fields.get('name') === 'workers') lag += Number(fields.get('lag') ?? 0) || 0;
    }
  }
  return { partitionsOwned: streams.length, pending, lag, redeliveries: counters.redeliveries, leaseLosses: counters.leaseLosses };
}
