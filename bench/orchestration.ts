/**
 * Orchestration benchmarks: a 10-way collaborative fan-out (and, interleaved
 * with the no-op dispatch, its cost per agent call), and throughput with
 * handlers that await a 1 ms timer at concurrency 64 vs 1.
 */
import { createRunner, newEvent, silentLogger } from '../src/index.js';
import { collaborative } from '../src/orchestration/index.js';
import { comparePairs, noopRunner, runnerDispatchOnce } from './core.js';
import { measure, nowNs, round, type BenchResult } from './harness.js';

async function fanout10(): Promise<BenchResult[]> {
  const agents = Array.from({ length: 10 }, (_, i) => `a${i}`);
  const r = createRunner({ logger: silentLogger(), queueSize: 2000, concurrency: 10, orchestrator: collaborative({ agents }) });
  for (const a of agents) r.registerAgent(a, async (_c, _e, s) => s);
  await r.start();
  const N = 20_000;
  const once = async () => {
    const t0 = nowNs();
    for (let b = 0; b < N / 500; b++) {
      for (let i = 0; i < 500; i++) r.emit(newEvent('x', { i }));
      await r.drain();
    }
    return Number(nowNs() - t0) / N;
  };
  const res = await measure('fanout.10', once, { runs: 5, ops: N });
  res.unit = 'ns per 10-way event';
  // Per agent call, against one no-op event, interleaved: a guard for the orchestrated path (a retention bug
  // once made each call cost ~9 no-op events; see docs/benchmarks.md, stop 13).
  const noop = noopRunner({ traced: true, hooks: false });
  await noop.start();
  const p = await comparePairs(() => runnerDispatchOnce(noop, 'noop'), async () => (await once()) / agents.length, 6);
  await noop.stop();
  await r.stop();
  const target = 6;
  return [res, { name: 'compare.fanout_call_vs_noop', value: round(p.median), spread: [round(p.min), round(p.max)], target, unit: 'ratio: one agent call of a 10-way fan-out / one no-op event (median of interleaved pairs)', pass: p.median <= target, base_ns: Math.round(p.base_ns), case_ns: Math.round(p.case_ns) }];
}

async function concurrent(concurrency: number, events: number): Promise<BenchResult> {
  const r = createRunner({ logger: silentLogger(), queueSize: events + 10, concurrency });
  r.registerAgent('io', async (_c, _e, s) => {
    await new Promise((res) => setTimeout(res, 1));
    return s;
  });
  await r.start();
  const t0 = nowNs();
  for (let i = 0; i < events; i++) r.emit(newEvent('io', { i }));
  await r.drain();
  const secs = Number(nowNs() - t0) / 1e9;
  await r.stop();
  return { name: concurrency === 64 ? 'dispatch.concurrent' : `dispatch.concurrent.c${concurrency}`, events_per_sec: round(events / secs), concurrency, events, handler: 'await 1 ms timer' };
}

export async function benchOrchestration(): Promise<BenchResult[]> {
  const out: BenchResult[] = await fanout10();
  const c64 = await concurrent(64, 20_000);
  const c1 = await concurrent(1, 300);
  out.push(c64, c1, { name: 'compare.concurrency_scaling', value: round((c64.events_per_sec ?? 0) / (c1.events_per_sec ?? 1)), unit: 'x (c64 / c1 events per second)' });
  return out;
}
