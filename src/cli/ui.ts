/**
 * `agentflow ui --file traces.jsonl`: the live trace viewer over a trace
 * file, until Ctrl-C.
 * @module
 */
import type { Command } from 'commander';
import { InvalidOptionError } from '../core/errors.js';
import { redisTransportFor } from './redis-options.js';

/**
 * Adds the `ui` command.
 *
 * @example
 * ```ts
 * addUiCommand(program, io, (c) => (code = c), reportError);
 * ```
 */
export function addUiCommand(program: Command, io: { out(s: string): void; err(s: string): void }, setCode: (code: number) => void, reportError: (err: unknown) => number): void {
  program
    .command('ui')
    .description('a live trace viewer in the browser, over a trace file (`agentflow run --trace-file`), on 127.0.0.1')
    .option('--file <jsonl>', 'trace file to show (followed as it grows)', '.agentflow/traces.jsonl')
    .option('--port <port>', 'port (0: any free port)', '4400')
    .option('--host <host>', 'address to bind; anything but loopback needs --token', '127.0.0.1')
    .option('--token <token>', 'require this token (at least 16 characters) on every request')
    .option('--redis <url>', 'show a Redis namespace live (its workers\' trace stream, outcomes and dead letters) instead of a file')
    .option('--namespace <ns>', 'the Redis namespace (implies --redis; default from the config, else "agentflow")')
    .option('-c, --config <file>', 'config whose [transport] gives the Redis URL and namespace', 'agentflow.toml')
    .option('--write', 'allow dead-letter replay from the page')
    .option('--trace-link <url>', 'link each event to your tracing backend: a URL with {traceId}, e.g. http://127.0.0.1:16686/trace/{traceId}')
    .action(async (opts: { file: string; port: string; host: string; token?: string; redis?: string; namespace?: string; config: string; write?: boolean; traceLink?: string }) => {
      try {
        const port = Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidOptionError('--port', `must be a port number (0-65535), got "${opts.port}"`);
        const { uiFromTraceFile, uiFromRedis } = await import('../ui/index.js');
        const common = { port, host: opts.host, token: opts.token, traceLink: opts.traceLink };
        let ui: Awaited<ReturnType<typeof uiFromTraceFile>>;
        let showing = opts.file;
        if (opts.redis !== undefined || opts.namespace !== undefined) {
          const t = await redisTransportFor(opts.config, opts, 'producer', (err) => io.err(`redis: ${err.message}\n`));
          ui = await uiFromRedis({ ...common, transport: t, write: opts.write === true });
          showing = `${t.url} namespace "${t.namespace}"`;
        } else {
          if (opts.write) throw new InvalidOptionError('--write', 'dead-letter replay is available with --redis (a trace file has no dead letters)');
          ui = await uiFromTraceFile(opts.file, common);
        }
        io.out(`agentflow ui: ${ui.url} (showing ${showing}; Ctrl-C to stop)\n`);
        await new Promise<void>((resolve) => {
          const stop = (): void => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            resolve();
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
        await ui.close();
        setCode(0);
      } catch (err) {
        setCode(reportError(err));
      }
    });
}
