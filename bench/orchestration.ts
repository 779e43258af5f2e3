/**
 * Orchestration benchmarks: a 10-way collaborative fan-out, and throughput
 * with handlers that await a 1 ms timer at concurrency 64 vs 1.
 */
import { createRunner, newEvent, silentLogger } from '../src/index.js';
import { collaborative } from '../src/orchestration/index.js';
import { measure, nowNs, round, type BenchResult } from './harness.js';

async function fanout10(): Promise<BenchResult> {
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
  await r.stop();
  return res;
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
  const out: BenchResult[] = [await fanout10()];
  const c64 = await concurrent(64, 20_000);
  const c1 = await concurrent(1, 300);
  out.push(c64, c1, { name: 'compare.concurrency_scaling', value: round((c64.events_per_sec ?? 0) / (c1.events_per_sec ?? 1)), unit: 'x (c64 / c1 events per second)' });
  return out;
}
