/**
 * `agentflow ui --file traces.jsonl`: the live trace viewer over a trace
 * file, until Ctrl-C.
 * @module
 */
import type { Command } from 'commander';
import { InvalidOptionError } from '../core/errors.js';

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
    .action(async (opts: { file: string; port: string; host: string; token?: string }) => {
      try {
        const port = Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidOptionError('--port', `must be a port number (0-65535), got "${opts.port}"`);
        const { uiFromTraceFile } = await import('../ui/index.js');
        const ui = await uiFromTraceFile(opts.file, { port, host: opts.host, token: opts.token });
        io.out(`agentflow ui: ${ui.url} (showing ${opts.file}; Ctrl-C to stop)\n`);
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
