/**
 * Built-in metrics: the seed's MessageMetrics, switched on with one call.
 * @module
 */
import type { RunnerHost } from '../runner/outcomes.js';
import type { EventOutcome } from '../runner/types.js';

/**
 * Statistics of one agent.
 *
 * @example
 * ```ts
 * const s: AgentStats = metrics.getStats('data_analyzer');
 * console.log(s.eventCount, s.errorRate, s.p95Ms);
 * ```
 */
export interface AgentStats {
  agentId: string;
  eventCount: number;
  errorCount: number;
  /** errorCount / eventCount (0 when no events). */
  errorRate: number;
  /** Over the recent window (see `window`). */
  avgMs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** Sum of all durations, all time. */
  totalMs: number;
  /** Failures by reason, all time. */
  reasons: Record<string, number>;
}

/**
 * Options for {@link AgentMetrics}.
 *
 * @example
 * ```ts
 * attachMetrics(runner, { window: 5000 });
 * ```
 */
export interface AgentMetricsOptions {
  /** Durations kept per agent for averages and percentiles. Default 1000 (as the seed's maxHistory). */
  window?: number;
}

class Series {
  events = 0;
  errors = 0;
  total = 0;
  readonly reasons: Record<string, number> = {};
  private readonly ring: Float64Array;
  private next = 0;
  private filled = 0;
  constructor(window: number) {
    this.ring = new Float64Array(window);
  }
  add(ms: number): void {
    this.ring[this.next] = ms;
    this.next = (this.next + 1) % this.ring.length;
    if (this.filled < this.ring.length) this.filled++;
    this.total += ms;
  }
  recent(): Float64Array {
    return this.ring.slice(0, this.filled).sort();
  }
}

/**
 * Per-agent counters and latency statistics, fed by the runner's outcomes
 * (one final outcome per event; retried attempts count once). Bounded
 * memory: a fixed window of recent durations per agent.
 *
 * @example
 * ```ts
 * const metrics = attachMetrics(runner);
 * // ... run events ...
 * console.table(metrics.snapshot());
 * ```
 */
export class AgentMetrics {
  private readonly series = new Map<string, Series>();
  private readonly window: number;

  constructor(options: AgentMetricsOptions = {}) {
    this.window = Math.max(1, options.window ?? 1000);
  }

  /** Records one outcome. */
  record(agentId: string, durationMs: number, ok: boolean, reason?: string): void {
    const key = agentId || '(none)';
    let s = this.series.get(key);
    if (s === undefined) {
      s = new Series(this.window);
      this.series.set(key, s);
    }
    s.events++;
    s.add(durationMs);
    if (!ok) {
      s.errors++;
      const r = reason ?? 'unknown';
      s.reasons[r] = (s.reasons[r] ?? 0) + 1;
    }
  }

  /** The seed's GetStats for one agent. */
  getStats(agentId: string): AgentStats {
    const s = this.series.get(agentId || '(none)');
    if (s === undefined) return { agentId, eventCount: 0, errorCount: 0, errorRate: 0, avgMs: 0, p50Ms: 0, p95Ms: 0, maxMs: 0, totalMs: 0, reasons: {} };
    const r = s.recent();
    const pick = (q: number) => (r.length ? r[Math.min(r.length - 1, Math.floor(q * r.length))]! : 0);
    const sum = r.reduce((a, b) => a + b, 0);
    return {
      agentId,
      eventCount: s.events,
      errorCount: s.errors,
      errorRate: s.events ? s.errors / s.events : 0,
      avgMs: r.length ? sum / r.length : 0,
      p50Ms: pick(0.5),
      p95Ms: pick(0.95),
      maxMs: r.length ? r[r.length - 1]! : 0,
      totalMs: s.total,
      reasons: { ...s.reasons },
    };
  }

  /** Stats of every agent seen. */
  snapshot(): AgentStats[] {
    return [...this.series.keys()].map((k) => this.getStats(k));
  }

  /** Forgets everything. */
  reset(): void {
    this.series.clear();
  }
}

/**
 * Switches metrics on for a runner. Returns the collector; call
 * `detach()` on it to stop.
 *
 * @example
 * ```ts
 * const metrics = attachMetrics(runner);
 * metrics.getStats('report_generator').avgMs;
 * metrics.detach();
 * ```
 */
export function attachMetrics(runner: Pick<RunnerHost, 'onOutcome'>, options: AgentMetricsOptions = {}): AgentMetrics & { detach(): void } {
  const m = new AgentMetrics(options);
  const off = runner.onOutcome((o: EventOutcome) => o.remote !== true && m.record(o.agentId, o.agentResult?.duration ?? o.durationMs, o.status === 'completed', o.reason));
  return Object.assign(m, { detach: off });
}
