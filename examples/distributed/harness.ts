/**
 * What the distributed examples share: a throwaway redis-server on a free
 * port, and worker processes (`agentflow worker` from the sources).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const here = new URL('.', import.meta.url).pathname;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** Starts redis-server on 127.0.0.1 (no persistence) and waits for PONG. */
export async function startRedis(): Promise<{ url: string; stop(): void }> {
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    throw new Error('redis-server is not installed: this example starts its own (apt-get install -y redis-server)');
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'af-demo-'));
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  let up = false;
  for (let i = 0; i < 200 && !(up = spawnSync('redis-cli', ['-p', String(port), 'PING'], { encoding: 'utf8' }).stdout?.trim() === 'PONG'); i++) await new Promise((r) => setTimeout(r, 25));
  const stop = () => {
    redis.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  if (!up) {
    stop();
    throw new Error(`redis-server did not answer on port ${port} within 5 s`);
  }
  return { url: `redis://127.0.0.1:${port}`, stop };
}

/** Worker processes on one namespace, by name; `stopAll` sends SIGTERM and escalates after 5 s. */
export class WorkerPool {
  readonly all: ChildProcess[] = [];
  readonly names = new Map<ChildProcess, string>();
  readonly ready = new Set<string>();
  private readonly env: NodeJS.ProcessEnv;
  constructor(
    private readonly o: { url: string; ns: string; partitions: number; leaseMs: number; log: (s: string) => void },
  ) {
    this.env = { ...process.env, AGENTFLOW_REDIS_URL: o.url, DEMO_NS: o.ns, AGENTFLOW_LOG_LEVEL: 'warn' };
    delete this.env.NODE_TEST_CONTEXT; // workers are programs, not test files, even when a test starts them
  }

  start(name: string): ChildProcess {
    const o = this.o;
    const w = spawn(process.execPath, ['--import', 'tsx', join(here, 'worker.ts'), '-c', join(here, 'agentflow.toml'), '--namespace', o.ns, '--partitions', String(o.partitions), '--lease', String(o.leaseMs)], { env: { ...this.env, AGENTFLOW_WORKER: name }, stdio: ['ignore', 'ignore', 'pipe'] });
    w.stderr?.on('data', (d: Buffer) => {
      const text = d.toString().trim();
      if (text.includes(': ready')) this.ready.add(name);
      o.log(`  [${name}] ${text}`);
    });
    this.all.push(w);
    this.names.set(w, name);
    return w;
  }

  live(): ChildProcess[] {
    return this.all.filter((w) => w.exitCode === null && w.signalCode === null);
  }

  async stopAll(): Promise<void> {
    const live = this.live();
    const exits = live.map((w) => new Promise((r) => w.once('exit', r)));
    for (const w of live) w.kill('SIGTERM');
    // A worker still starting up may not have its SIGTERM handler yet: escalate after a grace period.
    const force = setTimeout(() => this.live().forEach((w) => w.kill('SIGKILL')), 5000);
    await Promise.all(exits);
    clearTimeout(force);
  }
}
