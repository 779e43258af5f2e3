// An `agentflow worker` process running the `echo` agent of cli-redis-agents.ts on a
// Redis namespace (its own config in a temp dir), for the CLI tests across processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sleep } from '../runner/helpers.js';

const root = resolve(new URL('../../', import.meta.url).pathname);

export interface EchoWorker {
  cfg: string;
  agents: string;
  ns: string;
  process: ChildProcess;
  /** What the worker printed so far. */
  log(): string;
}

/** Writes the config, starts the worker and waits until it is ready (throws with its log when it is not). */
export async function startEchoWorker(url: string, prefix: string, extraTransport = ''): Promise<EchoWorker> {
  const cfg = join(mkdtempSync(join(tmpdir(), `af-${prefix}-`)), 'agentflow.toml');
  const ns = `${prefix}${Date.now()}`;
  writeFileSync(cfg, `[agent_flow]\nname = "${prefix}"\n[runtime]\nstop_timeout_seconds = 5\n[transport]\nkind = "redis"\nurl = "${url}"\nnamespace = "${ns}"\npartitions = 2\nlease_ms = 1000\n${extraTransport}[agents.echo]\nrole = "echo"\n`);
  const agents = join(root, 'test/support/cli-redis-agents.ts');
  const env: NodeJS.ProcessEnv = { ...process.env, AGENTFLOW_LOG_LEVEL: 'warn' };
  delete env.NODE_TEST_CONTEXT;
  let log = '';
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'examples/distributed/worker.ts'), '-c', cfg, '-a', agents], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  for (let i = 0; i < 500 && !log.includes(': ready'); i++) await sleep(20);
  if (!log.includes(': ready')) {
    child.kill('SIGKILL');
    throw new Error(`the worker did not start:\n${log}`);
  }
  return { cfg, agents, ns, process: child, log: () => log };
}
