/**
 * Across processes, with one command: starts a throwaway redis-server, two
 * `agentflow worker` processes and a producer that emits sequenced events
 * for many sessions; SIGKILLs a worker in the middle and starts another
 * (with `workers` and `kills`, a chaos run: several workers, one killed and
 * replaced at each of `kills` points).
 * Checks that every event ran (at least once; a killed worker's in-flight
 * events run again on the new owner) and that each session's events ran
 * in order. Usage: `npx tsx examples/distributed/main.ts [sessions] [perSession]`.
 */
import type { ChildProcess } from 'node:child_process';
import { createClient } from 'redis';
import { newEvent } from '../../src/index.js';
import { RedisTransport } from '../../src/transport/redis/index.js';
import { startRedis, WorkerPool } from './harness.js';

const sessions = Number(process.argv[2] ?? 20);
const perSession = Number(process.argv[3] ?? 10);
const ns = `demo${Date.now()}`;

export async function runDistributedDemo(opts: { sessions: number; perSession: number; leaseMs?: number; log?: (s: string) => void; workers?: number; kills?: number; partitions?: number }) {
  const partitions = opts.partitions ?? 4;
  const log = opts.log ?? ((s: string) => console.log(s));
  const redis = await startRedis();
  const url = redis.url;
  const pool = new WorkerPool({ url, ns, partitions, leaseMs: opts.leaseMs ?? 3000, log });
  const workers = pool.all;
  const names = pool.names;
  const startWorker = (name: string): ChildProcess => pool.start(name);
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    log(`redis on ${url}; namespace ${ns}; ${opts.sessions} sessions × ${opts.perSession} events`);
    const first = opts.workers ?? 2;
    for (let w = 1; w <= first; w++) startWorker(`w${w}`);
    for (let i = 0; i < 1500 && pool.ready.size < first; i++) await new Promise((r) => setTimeout(r, 20));
    // The consumers holding each partition's lease (`<host>-<pid>-<rand>:<epoch>`).
    const owners = async (): Promise<string[]> => {
      const vals = (await Promise.all(Array.from({ length: partitions }, (_, p) => client.sendCommand(['GET', `af:{${ns}}:p${p}:lease`])))) as unknown[];
      return vals.filter((v): v is string => typeof v === 'string').map((v) => v.slice(0, v.lastIndexOf(':')));
    };
    // Start only once the work is spread (each worker owns some partitions), or a kill could hit a worker that holds nothing.
    for (let i = 0; i < 750 && new Set(await owners()).size < Math.min(first, partitions); i++) await new Promise((r) => setTimeout(r, 20));
    const producer = new RedisTransport({ url, namespace: ns, partitions, role: 'producer' });
    for (let seq = 0; seq < opts.perSession; seq++) {
      await producer.publish(Array.from({ length: opts.sessions }, (_, s) => newEvent('step', { seq }, { session_id: `s${s}` })));
    }
    await producer.close();
    const total = opts.sessions * opts.perSession;
    const key = `demo:${ns}:log`;
    const count = async () => Number(await client.sendCommand(['LLEN', key]));
    // Kill a worker (SIGKILL: no goodbye, its leases expire) at evenly spaced points of the run, and start a new one each time.
    const kills = opts.kills ?? 1;
    let killedAt = Date.now();
    let next = first + 1;
    let takeovers = 0;
    const killed = new Set<ChildProcess>();
    for (let k = 1; k <= kills; k++) {
      for (let i = 0; i < 1500 && (await count()) < (total * k) / (kills + 1) / 1.5; i++) await new Promise((r) => setTimeout(r, 20));
      // The victim: a live worker that owns partitions (its unsettled events must be taken over).
      const held = await owners();
      const live = workers.filter((w) => !killed.has(w) && w.exitCode === null && w.signalCode === null);
      const victim = live.find((w) => held.some((o) => o.includes(`-${w.pid}-`))) ?? live[0]!;
      if (held.some((o) => o.includes(`-${victim.pid}-`))) takeovers++;
      killed.add(victim);
      killedAt = Date.now();
      victim.kill('SIGKILL');
      const name = `w${next++}`;
      log(`killed worker ${names.get(victim)} (pid ${victim.pid}) after ${await count()} of ${total} events; starting ${name}`);
      startWorker(name);
    }
    const seen = async () => new Set(((await client.sendCommand(['LRANGE', key, '0', '-1'])) as string[]).map((x) => x.split(':').slice(0, 2).join(':')));
    for (let i = 0; i < 600 && (await seen()).size < total; i++) await new Promise((r) => setTimeout(r, 100));
    const entries = (await client.sendCommand(['LRANGE', key, '0', '-1'])) as string[];
    const unique = new Set(entries.map((x) => x.split(':').slice(0, 2).join(':')));
    // Order: for each session, the first time each seq ran must be increasing.
    const firsts = new Map<string, number[]>();
    const once = new Set<string>();
    for (const e of entries) {
      const [s, q] = e.split(':');
      if (once.has(`${s}:${q}`)) continue;
      once.add(`${s}:${q}`);
      (firsts.get(s!) ?? firsts.set(s!, []).get(s!)!).push(Number(q));
    }
    const ordered = [...firsts.values()].every((l) => l.every((v, i) => i === 0 || v > l[i - 1]!));
    const result = { total, ran: unique.size, effects: entries.length, repeated: entries.length - unique.size, ordered, recoveredMs: Date.now() - killedAt, takeovers };
    log(`every event ran: ${result.ran === total} (${result.ran}/${total}); repeated after the kill: ${result.repeated}; per-session order kept: ${ordered}`);
    if (!ordered) {
      for (const [s, l] of firsts) {
        if (l.every((v, i) => i === 0 || v > l[i - 1]!)) continue;
        log(`  out of order: session ${s}: ${entries.filter((e) => e.startsWith(`${s}:`)).map((e) => e.slice(s.length + 1)).join(' ')} (seq:pid in the order the effects landed)`);
      }
    }
    return result;
  } finally {
    await pool.stopAll();
    await client.close().catch(() => undefined);
    redis.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runDistributedDemo({ sessions, perSession });
  process.exitCode = r.ran === r.total && r.ordered ? 0 : 1;
}
