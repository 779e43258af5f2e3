/**
 * `agentflow worker`: a long-running worker process on a Redis namespace.
 * @module
 */
import type { Command } from 'commander';
import { createRunnerFromConfig } from '../config/create-runner.js';
import { InvalidOptionError } from '../core/errors.js';
import type { FlowCode } from './agents-module.js';
import { redisTransportFor } from './redis-options.js';

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
  metricsPort?: string;
  metricsHost?: string;
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
  codeAgentsFor: (config: string, explicit: string | undefined) => Promise<FlowCode>,
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
    .option('--metrics-port <port>', 'serve Prometheus /metrics and /healthz on this port (0: any free port)')
    .option('--metrics-host <host>', 'address for --metrics-port', '127.0.0.1')
    .action(async (opts: WorkerCommandOptions) => {
      try {
        const port = opts.metricsPort === undefined ? undefined : Number(opts.metricsPort);
        if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new InvalidOptionError('--metrics-port', `must be a port number (0-65535), got "${opts.metricsPort}"`);
        const prom = port === undefined ? undefined : await import('../observability/prometheus/index.js');
        const metrics = prom ? new prom.PrometheusMetrics() : undefined;
        const transport = await redisTransportFor(opts.config, opts, 'worker', (err) => io.err(`worker: ${err.message}\n`));
        await transport.connect();
        const { agents, tools } = await codeAgentsFor(opts.config, opts.agents);
        const overrides = { transport, ...(opts.concurrency === undefined ? {} : { concurrency: Number(opts.concurrency) }) };
        const runner = await createRunnerFromConfig(opts.config, { agents, tools, overrides, wrapProvider: metrics ? (p) => metrics.wrapProvider(p) : undefined });
        if (metrics) {
          metrics.attach(runner);
          if (runner.flow.breakers) metrics.watchBreakers(runner.flow.breakers);
        }
        const server = prom && metrics ? await prom.serveMetrics(metrics, { port: port!, host: opts.metricsHost }) : undefined;
        if (server) io.err(`worker ${transport.consumer}: metrics on ${server.url}/metrics\n`);
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
        await server?.close();
        await runner.flow.otel?.shutdown();
        io.err(`worker ${transport.consumer}: stopped after ${done} completed, ${failed} failed\n`);
        setCode(0);
      } catch (err) {
        setCode(reportError(err));
      }
    });
}
