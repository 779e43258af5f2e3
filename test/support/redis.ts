/**
 * Starts a throwaway redis-server on 127.0.0.1 on a free port (no
 * persistence) for a test file, and stops it by its pid. Redis tests are
 * never skipped silently: without redis-server this throws.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Kills and restarts the server on the same port (data is lost: no persistence). */
  restart(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

export async function startRedis(options: { persistent?: boolean } = {}): Promise<RedisServer> {
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    throw new Error('redis-server is not installed: the Redis tests need it (apt-get install -y redis-server; .ci/run installs it)');
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'af-redis-'));
  let proc: ChildProcess;
  const launch = async (): Promise<void> => {
    // persistent: every write is fsynced to an append-only file, so a killed server restarts with its data.
    const aof = options.persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
    proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...aof, '--dir', dir], { stdio: 'ignore' });
    for (let i = 0; i < 200; i++) {
      const r = spawnSync('redis-cli', ['-p', String(port), 'PING'], { encoding: 'utf8' });
      if (r.stdout?.trim() === 'PONG') return;
      await new Promise((res) => setTimeout(res, 25));
    }
    throw new Error(`redis-server did not start on port ${port}`);
  };
  await launch();
  const kill = async (): Promise<void> => {
    if (proc.exitCode !== null) return;
    const exited = new Promise((res) => proc.once('exit', res));
    proc.kill('SIGKILL');
    await exited;
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
    restart: async () => {
      await kill();
      await launch();
    },
  };
}

/**
 * One redis-server for a test file: started before its tests, stopped after.
 * Returns a getter (the server exists only once `before` has run).
 */
export function useRedisServer(): () => RedisServer {
  let server: RedisServer | undefined;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server?.stop();
  });
  return () => {
    if (server === undefined) throw new Error('the redis server is not started yet (use it inside a test)');
    return server;
  };
}
