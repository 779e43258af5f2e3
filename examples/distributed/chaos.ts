/**
 * A chaos run across processes: three `agentflow worker` processes on a
 * throwaway redis-server, sequenced events for many sessions plus one
 * poisoned event whose agent kills its own worker; a loop SIGKILLs a
 * worker owning partitions every few seconds, and a supervisor restarts
 * every worker that died. Checks: every event's effect landed exactly once,
 * each session in order, the dead-letter stream holds only the poisoned
 * event, every partition stream is drained (each entry acknowledged).
 * Usage: `npx tsx examples/distributed/chaos.ts [sessions] [perSession]`.
 */
import { createClient } from 'redis';
import { newEvent } from '../../src/index.js';
import { RedisTransport } from '../../src/transport/redis/index.js';
import { startRedis, WorkerPool } from './harness.js';

/**
 * Options of {@link runChaos}.
 */
export interface ChaosOptions {
  sessions: number;
  perSession: number;
  workers?: number;
  partitions?: number;
  leaseMs?: number;
  killEveryMs?: number;
  kills?: number;
  log?: (s: string) => void;
}

export async function runChaos(o: ChaosOptions) {
  const log = o.log ?? ((s: string) => console.log(s));
  const partitions = o.partitions ?? 6;
  const want = o.workers ?? 3;
  const ns = `chaos${Date.now()}`;
  const redis = await startRedis();
  const pool = new WorkerPool({ url: redis.url, ns, partitions, leaseMs: o.leaseMs ?? 3000, log });
  const client = createClient({ url: redis.url });
  client.on('error', () => undefined);
  await client.connect();
  const cmd = async (args: string[]) => (await client.sendCommand(args)) as unknown;
  let next = 1;
  let stopping = false;
  const supervisor = setInterval(() => {
    if (stopping) return;
    for (let n = pool.live().length; n < want; n++) pool.start(`w${next++}`); // replaces the dead (killed, or poisoned)
  }, 200);
  try {
    for (let n = 0; n < want; n++) pool.start(`w${next++}`);
    for (let i = 0; i < 1500 && pool.ready.size < want; i++) await new Promise((r) => setTimeout(r, 20));
    const owners = async () => ((await Promise.all(Array.from({ length: partitions }, (_, p) => cmd(['GET', `af:{${ns}}:p${p}:lease`])))) as unknown[]).filter((v): v is string => typeof v === 'string');
    for (let i = 0; i < 750 && new Set((await owners()).map((v) => v.slice(0, v.lastIndexOf(':')))).size < Math.min(want, partitions); i++) await new Promise((r) => setTimeout(r, 20));
    const producer = new RedisTransport({ url: redis.url, namespace: ns, partitions, role: 'producer' });
    await producer.publish([newEvent('step', { seq: 0, poison: true }, { session_id: 'poison' })]);
    for (let seq = 0; seq < o.perSession; seq++) await producer.publish(Array.from({ length: o.sessions }, (_, s) => newEvent('step', { seq }, { session_id: `s${s}` })));
    await producer.close();
    const total = o.sessions * o.perSession;
    log(`redis on ${redis.url}; namespace ${ns}; ${o.sessions} sessions × ${o.perSession} events + 1 poisoned; ${want} workers, ${partitions} partitions`);

    const logKey = `demo:${ns}:log`;
    const effects = async () => Number(await cmd(['LLEN', logKey]));
    const backlog = async () => (await Promise.all(Array.from({ length: partitions }, (_, p) => cmd(['XLEN', `af:{${ns}}:p${p}`])))).reduce((n: number, x) => n + Number(x), 0);
    let kills = 0;
    let takeovers = 0;
    const started = Date.now();
    let lastKill = Date.now();
    for (let i = 0; i < 1200; i++) {
      if ((await effects()) >= total && (await backlog()) === 0) break;
      if (kills < (o.kills ?? 4) && Date.now() - lastKill >= (o.killEveryMs ?? 2500)) {
        const held = (await owners()).map((v) => v.slice(0, v.lastIndexOf(':')));
        const live = pool.live().filter((w) => held.some((h) => h.includes(`-${w.pid}-`)));
        const victim = live[Math.floor(Math.random() * live.length)];
        if (victim !== undefined) {
          victim.kill('SIGKILL');
          kills++;
          takeovers++;
          lastKill = Date.now();
          log(`kill ${kills}: ${pool.names.get(victim)} (pid ${victim.pid}) after ${await effects()} of ${total} effects`);
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const entries = (await cmd(['LRANGE', logKey, '0', '-1'])) as string[];
    const unique = new Set(entries.map((x) => x.split(':').slice(0, 2).join(':')));
    const bySession = new Map<string, number[]>();
    for (const e of entries) {
      const [s, q] = e.split(':');
      (bySession.get(s!) ?? bySession.set(s!, []).get(s!)!).push(Number(q));
    }
    const ordered = [...bySession.values()].every((l) => l.every((v, i) => i === 0 || v > l[i - 1]!));
    const dead = ((await cmd(['XRANGE', `af:{${ns}}:dlq`, '-', '+'])) as [string, string[]][]).map(([, f]) => JSON.parse(f[1]!) as { event?: { metadata?: { session_id?: string } }; attempts?: number });
    const result = {
      total,
      ran: unique.size,
      effects: entries.length,
      ordered,
      deadLetters: dead.map((d) => d.event?.metadata?.session_id ?? '?'),
      poisonDeliveries: dead[0]?.attempts,
      drained: (await backlog()) === 0,
      kills,
      takeovers,
      workersStarted: next - 1,
      ms: Date.now() - started,
    };
    log(`effects ${result.effects} for ${result.ran}/${total} events; in order: ${ordered}; dead letters: ${result.deadLetters.join(', ') || 'none'}; drained: ${result.drained}; ${kills} kills, ${result.workersStarted} workers started, ${result.ms} ms`);
    return result;
  } finally {
    stopping = true;
    clearInterval(supervisor);
    await pool.stopAll();
    await client.close().catch(() => undefined);
    redis.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runChaos({ sessions: Number(process.argv[2] ?? 100), perSession: Number(process.argv[3] ?? 5) });
  process.exitCode = r.ran === r.total && r.effects === r.total && r.ordered && r.drained && r.deadLetters.join() === 'poison' ? 0 : 1;
}
