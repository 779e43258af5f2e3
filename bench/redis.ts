/**
 * Redis benchmarks (when redis-server is installed): a hand-written
 * pipelined XADD + XREADGROUP + XACK loop with 1 KB payloads, and events per
 * second end to end through an agentflow worker (no-op agent, concurrency
 * 64) on the same local Redis.
 */
import { spawnSync } from 'node:child_process';
import { createClient } from 'redis';
import { createRunner, newEvent, silentLogger } from '../src/index.js';
import { RedisTransport } from '../src/transport/redis/index.js';
import { startRedis } from '../test/support/redis.js';
import type { BenchResult } from './harness.js';

const N = 20_000;
const BATCH = 500;
const PAYLOAD = 'x'.repeat(1024);

async function rawStreams(url: string): Promise<number> {
  const c = createClient({ url });
  c.on('error', () => undefined);
  await c.connect();
  const key = 'bench:raw';
  await c.sendCommand(['DEL', key]);
  await c.sendCommand(['XGROUP', 'CREATE', key, 'g', '0', 'MKSTREAM']);
  const t0 = performance.now();
  let done = 0;
  while (done < N) {
    await Promise.all(Array.from({ length: BATCH }, () => c.sendCommand(['XADD', key, '*', 'e', PAYLOAD])));
    const reply = (await c.sendCommand(['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', String(BATCH), 'STREAMS', key, '>'])) as Record<string, [string, string[]][]> | [string, [string, string[]][]][];
    const entries = Array.isArray(reply) ? reply[0]![1] : Object.values(reply)[0]!;
    await c.sendCommand(['XACK', key, 'g', ...entries.map((e) => e[0])]);
    done += entries.length;
  }
  const eps = N / ((performance.now() - t0) / 1000);
  await c.close();
  return eps;
}

async function worker(url: string): Promise<number> {
  const ns = `bench${Date.now()}`;
  const r = createRunner({ logger: silentLogger(), concurrency: 64, traceLogger: null, transport: new RedisTransport({ url, namespace: ns, partitions: 8, blockMs: 20, capacity: N * 2 }) });
  r.registerAgent('noop', async (_c, _e, s) => s);
  let completed = 0;
  let finish!: () => void;
  const all = new Promise<void>((res) => (finish = res));
  r.onOutcome(() => {
    if (++completed === N) finish();
  });
  await r.start();
  const producer = new RedisTransport({ url, namespace: ns, partitions: 8, role: 'producer', capacity: N * 2 });
  const t0 = performance.now();
  for (let i = 0; i < N; i += BATCH) {
    await producer.publish(Array.from({ length: BATCH }, (_, k) => newEvent('noop', { payload: PAYLOAD, i: i + k }, { session_id: `s${(i + k) % 256}` })));
  }
  await all;
  const eps = N / ((performance.now() - t0) / 1000);
  await producer.close();
  await r.stop();
  return eps;
}

export async function benchRedis(): Promise<BenchResult[]> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return [{ name: 'redis', skipped: 'redis-server is not installed' }];
  const server = await startRedis(); // the tests' throwaway server (free port, no persistence)
  try {
    const url = server.url;
    const raw = await rawStreams(url);
    const w1 = await worker(url);
    return [
      { name: 'redis.raw_streams', events_per_sec: Math.round(raw), ops: N, payload_bytes: 1024 },
      { name: 'redis.worker.1', events_per_sec: Math.round(w1), ops: N, concurrency: 64 },
      { name: 'compare.redis_worker_vs_raw', value: Math.round((w1 / raw) * 100) / 100, target: 0.5, unit: 'fraction of raw streams (higher is better)', pass: w1 / raw >= 0.5 },
    ];
  } finally {
    await server.stop();
  }
}
