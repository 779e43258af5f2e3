/**
 * Redis benchmarks (when redis-server is installed): a hand-written
 * pipelined XADD + XREADGROUP + XACK loop with 1 KB payloads; events per
 * second end to end through an agentflow worker in this process, through one
 * and two `agentflow worker` processes (no-op agent, concurrency 64), on the
 * same local Redis; and the takeover time after a worker dies.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** Publishes N events (1 KB, 256 sessions) into `ns` and returns events per second until `counter` has seen N outcomes. */
async function publishAndCount(url: string, ns: string, counter: { onOutcome(fn: () => void): () => void }): Promise<number> {
  let completed = 0;
  let finish!: () => void;
  const all = new Promise<void>((res) => (finish = res));
  counter.onOutcome(() => {
    if (++completed === N) finish();
  });
  const producer = new RedisTransport({ url, namespace: ns, partitions: 8, role: 'producer', capacity: N * 2 });
  const t0 = performance.now();
  for (let i = 0; i < N; i += BATCH) {
    await producer.publish(Array.from({ length: BATCH }, (_, k) => newEvent('noop', { payload: PAYLOAD, i: i + k }, { session_id: `s${(i + k) % 256}` })));
  }
  await all;
  const eps = N / ((performance.now() - t0) / 1000);
  await producer.close();
  return eps;
}

async function worker(url: string): Promise<number> {
  const ns = `bench${Date.now()}`;
  const r = createRunner({ logger: silentLogger(), concurrency: 64, traceLogger: null, transport: new RedisTransport({ url, namespace: ns, partitions: 8, blockMs: 20, capacity: N * 2 }) });
  r.registerAgent('noop', async (_c, _e, s) => s);
  await r.start();
  const eps = await publishAndCount(url, ns, r);
  await r.stop();
  return eps;
}

const root = new URL('..', import.meta.url).pathname;
// `npm run bench` runs the compiled build (.bench-build/); run from the sources (tsx), workers run the sources too.
const compiled = import.meta.url.endsWith('.js');
const ext = compiled ? 'js' : 'ts';

/** Events per second through `n` worker processes (`agentflow worker`, no-op agent, concurrency 64 each); outcomes counted by a producer. */
async function workerProcesses(url: string, n: number): Promise<number> {
  const ns = `benchp${Date.now()}`;
  const dir = mkdtempSync(join(tmpdir(), 'af-bench-'));
  const cfg = join(dir, 'agentflow.toml');
  writeFileSync(cfg, '[agent_flow]\nname = "bench"\n[logging]\nlevel = "error"\n[runtime]\nqueue_size = 100000\n[agents.noop]\ndescription = "no-op"\n[dead_letter]\nenabled = false\n');
  const env = { ...process.env, AGENTFLOW_REDIS_URL: url };
  const procs: ChildProcess[] = [];
  let ready = 0;
  for (let i = 0; i < n; i++) {
    const p = spawn(process.execPath, [...(compiled ? [] : ['--import', 'tsx']), join(root, `examples/distributed/worker.${ext}`), '-c', cfg, '-a', join(root, `bench/noop-agents.${ext}`), '--namespace', ns, '--partitions', '8', '--concurrency', '64', '--lease', '5000'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    p.stderr!.on('data', (d: Buffer) => {
      if (d.toString().includes(': ready')) ready++;
    });
    procs.push(p);
  }
  try {
    for (let i = 0; i < 1000 && ready < n; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 2500)); // a lease tick or two: the workers share the partitions
    // Outcomes come from the worker processes over the namespace's outcome channel, to a runner in producer role.
    const outcomes = createRunner({ logger: silentLogger(), traceLogger: null, transport: new RedisTransport({ url, namespace: ns, partitions: 8, role: 'producer', capacity: N * 2 }) });
    await outcomes.start();
    const eps = await publishAndCount(url, ns, outcomes);
    await outcomes.stop();
    return eps;
  } finally {
    for (const p of procs) p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Milliseconds from a worker's death (SIGKILL-like) until another worker runs its unsettled event. */
async function takeover(url: string, leaseMs: number): Promise<number> {
  const ns = `benchk${Date.now()}`;
  const mk = (consumer: string) => new RedisTransport({ url, namespace: ns, partitions: 2, leaseMs, blockMs: 20, consumer });
  const a = mk('a');
  const ra = createRunner({ logger: silentLogger(), transport: a });
  let started = false;
  ra.registerAgent('work', () => ((started = true), new Promise(() => undefined)));
  await ra.start();
  ra.emit(newEvent('work', {}, { session_id: 'k' }));
  for (let i = 0; i < 500 && !started; i++) await new Promise((r) => setTimeout(r, 5));
  const rb = createRunner({ logger: silentLogger(), transport: mk('b') });
  let ranAt = 0;
  rb.registerAgent('work', (_c, _e, s) => ((ranAt = performance.now()), s));
  a.kill();
  const killedAt = performance.now();
  await rb.start();
  for (let i = 0; i < 2000 && ranAt === 0; i++) await new Promise((r) => setTimeout(r, 5));
  await rb.stop();
  return ranAt - killedAt;
}

/** Events per second of one busy session (each event waits for the one before it to settle), default block time. */
async function oneSession(url: string): Promise<number> {
  const t = new RedisTransport({ url, namespace: `bench1s${Date.now()}`, partitions: 8, capacity: N * 2 });
  const r = createRunner({ logger: silentLogger(), concurrency: 64, traceLogger: null, transport: t });
  let done = 0;
  r.registerAgent('noop', async (_c, _e, s) => (done++, s));
  await r.start();
  const M = 1000;
  const t0 = performance.now();
  for (let i = 0; i < M; i += BATCH) await t.publish(Array.from({ length: BATCH }, (_, k) => newEvent('noop', { payload: PAYLOAD, i: i + k }, { session_id: 'hot' })));
  while (done < M) await new Promise((res) => setTimeout(res, 2));
  const eps = M / ((performance.now() - t0) / 1000);
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
    const p1 = await workerProcesses(url, 1);
    const p2 = await workerProcesses(url, 2);
    const lease = 1000;
    const tk = await takeover(url, lease);
    const hot = await oneSession(url);
    return [
      { name: 'redis.raw_streams', events_per_sec: Math.round(raw), ops: N, payload_bytes: 1024 },
      { name: 'redis.worker.1', events_per_sec: Math.round(w1), ops: N, concurrency: 64 },
      { name: 'redis.worker_process.1', events_per_sec: Math.round(p1), ops: N, concurrency: 64, note: 'agentflow worker process; outcomes counted by a producer in this process' },
      { name: 'redis.worker.2', events_per_sec: Math.round(p2), ops: N, concurrency: 64, note: 'two agentflow worker processes on this 2-core machine, sharing it with Redis and the producer' },
      { name: 'compare.redis_two_workers_vs_one', value: Math.round((p2 / p1) * 100) / 100, unit: 'x (2 worker processes / 1)' },
      { name: 'redis.takeover_ms', value: Math.round(tk), lease_ms: lease, target: Math.round(lease + lease / 3 + 200), unit: 'ms from a worker dying to its event running on another', pass: tk <= lease + lease / 3 + 200 },
      { name: 'redis.one_session', events_per_sec: Math.round(hot), target: 200, unit: 'events/s of one session (in order, each after the one before settles)', pass: hot >= 200 },
      { name: 'compare.redis_worker_vs_raw', value: Math.round((w1 / raw) * 100) / 100, target: 0.5, unit: 'fraction of raw streams (higher is better)', pass: w1 / raw >= 0.5 },
    ];
  } finally {
    await server.stop();
  }
}
