/**
 * `npm run bench`: prints one JSON object per line, then comparison lines
 * against the baseline measured in the same run and the targets.
 *
 * Targets (2-core machine), each compared pair measured interleaved in
 * this run (median of per-pair ratios, with its spread): dispatch.noop ≤ 2.0×
 * baseline.raw_dispatch; dispatch.hooks ≤ 1.5× dispatch.noop; a chain hop ≤
 * 1.5× baseline.raw_chain_step; ≤ 250 B per queued event; < 1 B retained
 * per processed event; events without a session id ≤ 1.5× dispatch.noop;
 * one agent call of a 10-way fan-out ≤ 6× a no-op event (`-- orchestration`).
 */
import { existsSync } from 'node:fs';
import { benchCore, benchPairs, benchPeers } from './core.js';
import { emit, round, type BenchResult } from './harness.js';

const only = process.argv.slice(2);
const results: BenchResult[] = [];
const want = (group: string) => only.length === 0 || only.includes(group);

if (want('core')) for (const r of await benchCore()) (results.push(r), emit(r));
// The compared pairs run before any peer library or instrumentation is loaded: LangGraph (and an OpenTelemetry
// context manager) turn on an AsyncLocalStorage, whose promise hooks slow every promise in the process from then on.
if (want('core')) for (const r of await benchPairs()) (results.push(r), emit(r));
if (want('core')) for (const r of await benchPeers()) (results.push(r), emit(r));

const orchestrationFile = new URL(import.meta.url.endsWith('.js') ? './orchestration.js' : './orchestration.ts', import.meta.url);
if (want('orchestration') && existsSync(orchestrationFile)) {
  const mod = (await import(orchestrationFile.href)) as { benchOrchestration?: () => Promise<BenchResult[]> };
  if (mod.benchOrchestration) for (const r of await mod.benchOrchestration()) (results.push(r), emit(r));
}

if (want('observability')) {
  const { benchObservability } = await import('./observability.js');
  for (const r of await benchObservability()) (results.push(r), emit(r));
}

if (want('redis')) {
  const { benchRedis } = await import('./redis.js');
  for (const r of await benchRedis()) (results.push(r), emit(r));
}

const get = (name: string) => results.find((r) => r.name === name);
function compare(name: string, value: number | undefined, target: number, unit: string, extra: Record<string, unknown> = {}) {
  if (value === undefined) return;
  emit({ name, value: round(value), target, unit, pass: value <= target, ...extra });
}
compare('compare.chain_hop_ns', get('chain.3hop')?.ns_per_op, 5000, 'ns');
compare('compare.queued_event_bytes', get('memory.queued_event_bytes')?.bytes, 250, 'bytes');
const retained = get('memory.retained_per_processed_event')?.bytes;
if (retained !== undefined) emit({ name: 'compare.retained_per_processed_event', value: retained, target: 1, unit: 'bytes', pass: retained < 1 });
const lg = get('langgraph.chain3')?.ns_per_op;
const hop = get('chain.3hop')?.ns_per_op;
if (lg && hop) emit({ name: 'compare.langgraph_vs_agentflow_chain', value: round(lg / hop), unit: 'x slower per step' });
