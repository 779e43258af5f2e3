/**
 * `npm run bench`: prints one JSON object per line, then comparison lines
 * against the baseline measured in the same run and the targets.
 *
 * Targets (2-core machine): dispatch.noop within 3x of baseline.raw_dispatch;
 * a chain hop under 5 µs; under 1 KB heap per queued event.
 */
import { existsSync } from 'node:fs';
import { benchCore } from './core.js';
import { emit, round, type BenchResult } from './harness.js';

const only = process.argv.slice(2);
const results: BenchResult[] = [];
const want = (group: string) => only.length === 0 || only.includes(group);

if (want('core')) for (const r of await benchCore()) (results.push(r), emit(r));

const orchestrationFile = new URL('./orchestration.ts', import.meta.url);
if (want('orchestration') && existsSync(orchestrationFile)) {
  const mod = (await import(orchestrationFile.href)) as { benchOrchestration?: () => Promise<BenchResult[]> };
  if (mod.benchOrchestration) for (const r of await mod.benchOrchestration()) (results.push(r), emit(r));
}

const get = (name: string) => results.find((r) => r.name === name);
function compare(name: string, value: number | undefined, target: number, unit: string, extra: Record<string, unknown> = {}) {
  if (value === undefined) return;
  emit({ name, value: round(value), target, unit, pass: value <= target, ...extra });
}
const base = get('baseline.raw_dispatch')?.ns_per_op;
const noop = get('dispatch.noop')?.ns_per_op;
if (base && noop) compare('compare.dispatch_noop_vs_baseline', noop / base, 3, 'ratio', { baseline_ns: base, noop_ns: noop });
compare('compare.chain_hop_ns', get('chain.3hop')?.ns_per_op, 5000, 'ns');
compare('compare.queued_event_bytes', get('memory.queued_event_bytes')?.bytes, 1024, 'bytes');
const lg = get('langgraph.chain3')?.ns_per_op;
const hop = get('chain.3hop')?.ns_per_op;
if (lg && hop) emit({ name: 'compare.langgraph_vs_agentflow_chain', value: round(lg / hop), unit: 'x slower per step' });
