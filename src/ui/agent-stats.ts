/**
 * Per-agent figures for the viewer's Agents page, kept incrementally from
 * trace entries with fixed memory per agent: finished/failed counts, a
 * window of recent run times for percentiles, finished events per time
 * bucket for the throughput chart, and the last circuit state seen.
 * @module
 */
import type { TraceEntry } from '../core/trace.js';

/**
 * One agent's row on the Agents page.
 *
 * @example
 * ```ts
 * for (const a of table.list()) console.log(a.agentId, a.p95Ms, a.errorRate);
 * ```
 */
export interface AgentStats {
  agentId: string;
  completed: number;
  failed: number;
  deadLettered: number;
  /** (failed + dead-lettered) / finished, 0 when nothing finished. */
  errorRate: number;
  /** Percentiles of the recent attempts' run times (ms), `null` before any. */
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  /** Median queue wait of recent first attempts (ms), `null` before any. */
  waitP50Ms: number | null;
  /** Finished events per second over the last minute. */
  perSecond: number;
  /** Finished events per bucket, oldest first, ending with the current bucket. */
  throughput: number[];
  bucketMs: number;
  /** The breaker's last state (`closed`, `open`, `half_open`), when one reported. */
  circuit?: string;
  /** Epoch ms of the last entry seen. */
  last: number;
}

/**
 * Options for {@link AgentStatsTable}.
 *
 * @example
 * ```ts
 * new AgentStatsTable({ window: 2048, bucketMs: 5_000, buckets: 60 });
 * ```
 */
export interface AgentStatsOptions {
  /** Agents tracked (later agents are counted under `(other)`). Default 200. */
  maxAgents?: number;
  /** Recent run times kept per agent for percentiles. Default 1,024. */
  window?: number;
  /** Throughput bucket width in ms. Default 10,000. */
  bucketMs?: number;
  /** Buckets in the throughput chart. Default 30 (five minutes). */
  buckets?: number;
}

interface Acc {
  completed: number;
  failed: number;
  deadLettered: number;
  runs: Float64Array;
  runN: number;
  waits: Float64Array;
  waitN: number;
  bucketKey: Float64Array;
  bucketCount: Uint32Array;
  circuit: string | undefined;
  last: number;
}

function percentile(sorted: Float64Array, q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

/**
 * Per-agent figures from trace entries (`event_end` and `circuit`).
 *
 * @example
 * ```ts
 * const table = new AgentStatsTable();
 * table.add(entry);
 * table.list();
 * ```
 */
export class AgentStatsTable {
  private readonly byAgent = new Map<string, Acc>();
  private readonly maxAgents: number;
  private readonly window: number;
  readonly bucketMs: number;
  private readonly buckets: number;

  constructor(options: AgentStatsOptions = {}) {
    this.maxAgents = Math.max(1, options.maxAgents ?? 200);
    this.window = Math.max(1, options.window ?? 1024);
    this.bucketMs = Math.max(1, options.bucketMs ?? 10_000);
    this.buckets = Math.max(1, options.buckets ?? 30);
  }

  add(e: TraceEntry): void {
    if (e.type !== 'event_end' && e.type !== 'circuit') return;
    const a = this.acc(e.agentId || '(none)');
    a.last = Math.max(a.last, e.timestamp);
    if (e.type === 'circuit') {
      a.circuit = e.status ?? (typeof e.detail?.to === 'string' ? e.detail.to : undefined);
      return;
    }
    if (e.status === 'completed') a.completed++;
    else if (e.status === 'dead_lettered') a.deadLettered++;
    else a.failed++;
    if (e.durationMs !== undefined) a.runs[a.runN++ % this.window] = e.durationMs;
    if (e.queueWaitMs !== undefined) a.waits[a.waitN++ % this.window] = e.queueWaitMs;
    const key = Math.floor(e.timestamp / this.bucketMs);
    const i = key % this.buckets;
    if (a.bucketKey[i] !== key) {
      if (a.bucketKey[i]! > key) return; // older than the chart
      a.bucketKey[i] = key;
      a.bucketCount[i] = 0;
    }
    a.bucketCount[i]!++;
  }

  /** Every agent seen, by name. */
  list(now = Date.now()): AgentStats[] {
    const current = Math.floor(now / this.bucketMs);
    const out: AgentStats[] = [];
    for (const [agentId, a] of this.byAgent) {
      const runs = a.runs.slice(0, Math.min(a.runN, this.window)).sort();
      const waits = a.waits.slice(0, Math.min(a.waitN, this.window)).sort();
      const throughput: number[] = [];
      for (let k = current - this.buckets + 1; k <= current; k++) {
        const i = ((k % this.buckets) + this.buckets) % this.buckets;
        throughput.push(a.bucketKey[i] === k ? a.bucketCount[i]! : 0);
      }
      const minuteBuckets = Math.max(1, Math.min(this.buckets, Math.round(60_000 / this.bucketMs)));
      const lastMinute = throughput.slice(-minuteBuckets).reduce((x, y) => x + y, 0);
      const finished = a.completed + a.failed + a.deadLettered;
      out.push({
        agentId,
        completed: a.completed,
        failed: a.failed,
        deadLettered: a.deadLettered,
        errorRate: finished === 0 ? 0 : (a.failed + a.deadLettered) / finished,
        p50Ms: percentile(runs, 0.5),
        p95Ms: percentile(runs, 0.95),
        p99Ms: percentile(runs, 0.99),
        waitP50Ms: percentile(waits, 0.5),
        perSecond: lastMinute / ((minuteBuckets * this.bucketMs) / 1000),
        throughput,
        bucketMs: this.bucketMs,
        circuit: a.circuit,
        last: a.last,
      });
    }
    return out.sort((x, y) => x.agentId.localeCompare(y.agentId));
  }

  private acc(agent: string): Acc {
    let a = this.byAgent.get(agent);
    if (a === undefined) {
      if (this.byAgent.size >= this.maxAgents && agent !== '(other)') return this.acc('(other)');
      a = { completed: 0, failed: 0, deadLettered: 0, runs: new Float64Array(this.window), runN: 0, waits: new Float64Array(this.window), waitN: 0, bucketKey: new Float64Array(this.buckets).fill(-1), bucketCount: new Uint32Array(this.buckets), circuit: undefined, last: 0 };
      this.byAgent.set(agent, a);
    }
    return a;
  }
}
