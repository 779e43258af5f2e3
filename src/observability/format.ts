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
  // Offsets count from the start of the earliest entry (an event_end's start is its timestamp minus its duration).
  let t0 = Infinity;
  for (const e of entries) t0 = Math.min(t0, e.timestamp - (e.durationMs ?? 0));
  const rows = entries.map((e) => [
    `+${String(e.timestamp - t0).padStart(4)}ms`,
    e.type + (e.hook ? `:${e.hook}` : ''),
    e.agentId || '-',
    e.eventId.slice(0, 8) + (e.parentEventId ? ` <- ${e.parentEventId.slice(0, 8)}` : ''),
    e.durationMs === undefined ? '' : `${e.durationMs}ms`,
    [e.status, e.reason, activityOf(e), e.error ? `${e.error.code}: ${e.error.message}` : ''].filter(Boolean).join(' '),
  ]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** What a tool or handoff entry concerns: the tool (and whether it worked), or the handoff's target. */
function activityOf(e: TraceEntry): string {
  const d = e.detail;
  if (d === undefined) return '';
  if (e.type === 'tool_call') return `${String(d.tool)} (${String(d.argumentsChars)} chars of arguments)`;
  if (e.type === 'tool_result') return `${String(d.tool)} ${d.ok ? 'ok' : 'failed'}`;
  if (e.type === 'handoff') return `→ ${String(d.to)}${d.accepted ? '' : ' (refused)'}`;
  if (e.type === 'memory') return `${String(d.op)} ${String(d.items)} item(s), ${String(d.chars)} chars`;
  if (e.type === 'retry' && d.delayMs !== undefined) return `attempt ${String(d.nextAttempt ?? '?')} in ${String(d.delayMs)} ms`;
  return '';
}

/**
 * Options for {@link formatTraceTree}.
 *
 * @example
 * ```ts
 * formatTraceTree(entries, { color: process.stdout.isTTY });
 * ```
 */
export interface TraceTreeOptions {
  /** ANSI colours (green completed, red failed, yellow retries). Default false. */
  color?: boolean;
}

interface Node {
  end: TraceEntry;
  retries: TraceEntry[];
  kids: Node[];
}

/**
 * Renders a session's trace as a tree of events along `parent_event` links:
 * agent, outcome, reason and `AF_ERR_*` code, duration, attempts and retries,
 * and the time offset from the session's first entry.
 *
 * @example
 * ```ts
 * console.log(formatTraceTree(runner.dumpTrace('demo-session-1'), { color: true }));
 * // ├ data_processor  completed  12ms  +0ms  (1a2b3c4d)
 * ```
 */
export function formatTraceTree(entries: readonly TraceEntry[], options: TraceTreeOptions = {}): string {
  const ends = entries.filter((e) => e.type === 'event_end');
  if (ends.length === 0) return '(no finished events in this trace)';
  const paint = (code: number, s: string) => (options.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const byId = new Map<string, Node>();
  for (const e of ends) byId.set(e.eventId, { end: e, retries: [], kids: [] });
  for (const e of entries) if (e.type === 'retry') byId.get(e.eventId)?.retries.push(e);
  const roots: Node[] = [];
  for (const n of byId.values()) {
    const parent = n.end.parentEventId === undefined ? undefined : byId.get(n.end.parentEventId);
    (parent ? parent.kids : roots).push(n);
  }
  const t0 = Math.min(...entries.map((e) => e.timestamp));
  const out: string[] = [];
  const walk = (n: Node, prefix: string, last: boolean) => {
    const e = n.end;
    const ok = e.status === 'completed';
    const status = paint(ok ? 32 : 31, e.status ?? '?');
    const why = [e.reason, e.error?.code].filter(Boolean).join(' ');
    const start = (e.timestamp - (e.durationMs ?? 0)) - t0;
    const attempts = e.attempt !== undefined && e.attempt > 1 ? paint(33, `  attempts ${e.attempt}`) : '';
    const wait = queueWaitOf(e, n.retries);
    const timing = `${e.durationMs ?? 0}ms${wait === undefined ? '' : paint(2, ` (+${wait}ms queued)`)}`;
    out.push(`${prefix}${last ? '└ ' : '├ '}${e.agentId || '(none)'}  ${status}${why ? ` (${why})` : ''}  ${timing}  +${Math.max(0, start)}ms${attempts}  (${e.eventId.slice(0, 8)})`);
    const inner = prefix + (last ? '  ' : '│ ');
    for (const r of n.retries) out.push(`${inner}${paint(33, `↻ retry after ${String(r.detail?.delayMs ?? '?')}ms: ${r.error?.code ?? r.reason ?? ''}`)}`);
    if (!ok && e.error) out.push(`${inner}${paint(31, `${e.error.code}: ${e.error.message}`)}`);
    n.kids.sort((a, b) => a.end.timestamp - b.end.timestamp).forEach((k, i) => walk(k, inner, i === n.kids.length - 1));
  };
  roots.sort((a, b) => a.end.timestamp - b.end.timestamp).forEach((r, i) => walk(r, '', i === roots.length - 1));
  return out.join('\n');
}

/**
 * How long the finishing attempt of an event waited before it ran: the
 * entry's `queueWaitMs` for a first attempt; after a retry, from the time
 * the last retry was due to the attempt's start.
 *
 * @example
 * ```ts
 * queueWaitOf(end, entries.filter((e) => e.type === 'retry' && e.eventId === end.eventId)); // 3
 * ```
 */
export function queueWaitOf(end: TraceEntry, retries: readonly TraceEntry[] = []): number | undefined {
  if (end.queueWaitMs !== undefined) return end.queueWaitMs;
  const last = retries[retries.length - 1];
  const delay = last?.detail?.delayMs;
  if (last === undefined || typeof delay !== 'number') return undefined;
  return Math.max(0, Math.round(end.timestamp - (end.durationMs ?? 0) - (last.timestamp + delay)));
}

const mermaidId = (s: string) => (s || 'none').replace(/[^A-Za-z0-9_]/g, '_');

/**
 * Renders a session's trace as a Mermaid sequence diagram: one participant
 * per agent, an arrow per hop (route, broadcast copy, `ctx.emit`), a cross
 * for each failure with its reason.
 *
 * @example
 * ```ts
 * console.log(traceToMermaid(runner.dumpTrace('s1'))); // paste into a Markdown ```mermaid block
 * ```
 */
export function traceToMermaid(entries: readonly TraceEntry[]): string {
  const ends = entries.filter((e) => e.type === 'event_end').sort((a, b) => a.timestamp - b.timestamp);
  const byId = new Map(ends.map((e) => [e.eventId, e]));
  const lines = ['sequenceDiagram'];
  const seen = new Set<string>();
  const participant = (agent: string) => {
    const id = mermaidId(agent);
    if (!seen.has(id)) {
      seen.add(id);
      lines.push(`  participant ${id} as ${agent || '(none)'}`);
    }
    return id;
  };
  for (const e of ends) {
    const to = participant(e.agentId);
    const parent = e.parentEventId === undefined ? undefined : byId.get(e.parentEventId);
    const from = parent ? participant(parent.agentId) : 'caller';
    if (!parent && !seen.has('caller')) {
      seen.add('caller');
      lines.splice(1, 0, '  actor caller');
    }
    lines.push(`  ${from}->>${to}: event ${e.eventId.slice(0, 8)}${e.hopCount ? ` (hop ${e.hopCount})` : ''}`);
    if (e.status !== 'completed') lines.push(`  ${to}--x${to}: ${e.status}${e.reason ? ` ${e.reason}` : ''}${e.error ? ` ${e.error.code}` : ''} (${e.durationMs ?? 0}ms)`);
    else lines.push(`  Note right of ${to}: ${e.durationMs ?? 0}ms`);
  }
  return lines.join('\n');
}
