/**
 * `agentflow worker`: a long-running worker process on a Redis namespace.
 * @module
 */
import type { Command } from 'commander';
import { createRunnerFromConfig } from '../config/create-runner.js';
import type { CodeAgents } from './agents-module.js';

/**
 * Options of `agentflow worker`.
 *
 * @example
 * ```ts
 * const o: WorkerCommandOptions = { config: 'agentflow.toml', redis: 'redis://127.0.0.1:6379', namespace: 'demo' };
 * ```
 */
export interface WorkerCommandOptions {
  config: string;
  redis?: string;
  namespace?: string;
  concurrency?: string;
  partitions?: string;
  lease?: string;
  agents?: string;
}

/**
 * Adds the `worker` command: loads the same agents as `agentflow run`,
 * joins the namespace (owning a fair share of its partitions), processes
 * events until SIGTERM/SIGINT, then stops reading, finishes in-flight work
 * within `[runtime] stop_timeout_seconds` and releases its partitions
 * (unsettled events are taken over by another worker).
 *
 * @example
 * ```ts
 * addWorkerCommand(program, io, (c) => (code = c), codeAgentsFor, reportError);
 * ```
 */
export function addWorkerCommand(
  program: Command,
  io: { out(s: string): void; err(s: string): void },
  setCode: (code: number) => void,
  codeAgentsFor: (config: string, explicit: string | undefined) => Promise<CodeAgents>,
  reportError: (err: unknown) => number,
): void {
  program
    .command('worker')
    .description('run a worker on a Redis namespace: process events emitted there until SIGTERM/SIGINT')
    .option('-c, --config <file>', 'config file', 'agentflow.toml')
    .option('--redis <url>', 'Redis URL (default $AGENTFLOW_REDIS_URL or redis://127.0.0.1:6379)')
    .option('--namespace <ns>', 'namespace (default "agentflow")')
    .option('--concurrency <n>', 'events in flight at once')
    .option('--partitions <n>', 'partitions of the namespace (default 8; fixed when the namespace is created)')
    .option('--lease <ms>', 'partition lease: how soon a dead worker\'s partitions are taken over (default 15000)')
    .option('-a, --agents <module>', 'module exporting code agents (default: agents.mjs/.js/.ts beside the config)')
    .action(async (opts: WorkerCommandOptions) => {
      try {
        const { RedisTransport } = await import('../transport/redis/index.js');
        const transport = new RedisTransport({
          url: opts.redis ?? process.env.AGENTFLOW_REDIS_URL ?? 'redis://127.0.0.1:6379',
          namespace: opts.namespace,
          partitions: opts.partitions === undefined ? undefined : Number(opts.partitions),
          leaseMs: opts.lease === undefined ? undefined : Number(opts.lease),
          onError: (err) => io.err(`worker: ${err.message}\n`),
        });
        await transport.connect();
        const agents = await codeAgentsFor(opts.config, opts.agents);
        const overrides = { transport, ...(opts.concurrency === undefined ? {} : { concurrency: Number(opts.concurrency) }) };
        const runner = await createRunnerFromConfig(opts.config, { agents, overrides });
        let done = 0;
        let failed = 0;
        runner.onOutcome((o) => (o.status === 'completed' ? done++ : failed++));
        await runner.start();
        io.err(`worker ${transport.consumer} on ${transport.url} namespace "${transport.namespace}" (${transport.partitions} partitions): ready\n`);
        await new Promise<void>((resolve) => {
          const stop = (): void => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            io.err(`worker ${transport.consumer}: stopping (finishing in-flight work)\n`);
            resolve();
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
        await runner.stop();
        io.err(`worker ${transport.consumer}: stopped after ${done} completed, ${failed} failed\n`);
        setCode(0);
      } catch (err) {
        setCode(reportError(err));
      }
    });
}
