/**
 * Human-readable renderings of traces and outcomes, for CLIs and examples.
 * @module
 */
import type { TraceEntry } from '../core/trace.js';

/**
 * Renders trace entries as an aligned text table: time offset, entry type,
 * agent, short event id, duration, status and error.
 *
 * @example
 * ```ts
 * console.log(formatTrace(runner.dumpTrace('demo-session-1')));
 * ```
 */
export function formatTrace(entries: readonly TraceEntry[]): string {
  if (entries.length === 0) return '(no trace entries)';
  const t0 = entries[0]!.timestamp;
  const rows = entries.map((e) => [
    `+${String(e.timestamp - t0).padStart(4)}ms`,
    e.type + (e.hook ? `:${e.hook}` : ''),
    e.agentId || '-',
    e.eventId.slice(0, 8) + (e.parentEventId ? ` <- ${e.parentEventId.slice(0, 8)}` : ''),
    e.durationMs === undefined ? '' : `${e.durationMs}ms`,
    [e.status, e.reason, e.error ? `${e.error.code}: ${e.error.message}` : ''].filter(Boolean).join(' '),
  ]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}
