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
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { newEvent } from '../../src/index.js';
import { RedisTransport } from '../../src/transport/redis/index.js';

const here = new URL('.', import.meta.url).pathname;
const sessions = Number(process.argv[2] ?? 20);
const perSession = Number(process.argv[3] ?? 10);
const ns = `demo${Date.now()}`;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export async function runDistributedDemo(opts: { sessions: number; perSession: number; leaseMs?: number; log?: (s: string) => void; workers?: number; kills?: number; partitions?: number }) {
  const partitions = opts.partitions ?? 4;
  const log = opts.log ?? ((s: string) => console.log(s));
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'af-demo-'));
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    throw new Error('redis-server is not installed: this example starts its own (apt-get install -y redis-server)');
  }
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  let up = false;
  for (let i = 0; i < 200 && !(up = spawnSync('redis-cli', ['-p', String(port), 'PING'], { encoding: 'utf8' }).stdout?.trim() === 'PONG'); i++) await new Promise((r) => setTimeout(r, 25));
  if (!up) {
    redis.kill('SIGKILL');
    throw new Error(`redis-server did not answer on port ${port} within 5 s`);
  }
  const env: NodeJS.ProcessEnv = { ...process.env, AGENTFLOW_REDIS_URL: url, DEMO_NS: ns, AGENTFLOW_LOG_LEVEL: 'warn' };
  delete env.NODE_TEST_CONTEXT; // workers are programs, not test files, even when a test starts them
  const workers: ChildProcess[] = [];
  const names = new Map<ChildProcess, string>();
  const startWorker = (name: string, ready?: Set<string>): ChildProcess => {
    const w = spawn(process.execPath, ['--import', 'tsx', join(here, 'worker.ts'), '-c', join(here, 'agentflow.toml'), '--namespace', ns, '--partitions', String(partitions), '--lease', String(opts.leaseMs ?? 3000)], { env: { ...env, AGENTFLOW_WORKER: name }, stdio: ['ignore', 'ignore', 'pipe'] });
    w.stderr?.on('data', (d: Buffer) => {
      const text = d.toString().trim();
      if (text.includes(': ready')) ready?.add(name);
      log(`  [${name}] ${text}`);
    });
    workers.push(w);
    names.set(w, name);
    return w;
  };
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    log(`redis on ${url}; namespace ${ns}; ${opts.sessions} sessions × ${opts.perSession} events`);
    const ready = new Set<string>();
    const first = opts.workers ?? 2;
    for (let w = 1; w <= first; w++) startWorker(`w${w}`, ready);
    for (let i = 0; i < 1500 && ready.size < first; i++) await new Promise((r) => setTimeout(r, 20));
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
    const running = (w: ChildProcess): boolean => w.exitCode === null && w.signalCode === null;
    const live = workers.filter(running);
    const exits = live.map((w) => new Promise((r) => w.once('exit', r)));
    for (const w of live) w.kill('SIGTERM');
    // A worker still starting up may not have its SIGTERM handler yet: escalate after a grace period.
    const force = setTimeout(() => live.filter(running).forEach((w) => w.kill('SIGKILL')), 5000);
    await Promise.all(exits);
    clearTimeout(force);
    await client.close().catch(() => undefined);
    redis.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runDistributedDemo({ sessions, perSession });
  process.exitCode = r.ran === r.total && r.ordered ? 0 : 1;
}
