/**
 * `agentflow trace [SESSION] --file F`: a saved session as a tree in the
 * terminal (`--json`, `--mermaid`); without a session, the sessions in the
 * file.
 * @module
 */
import type { Command } from 'commander';
import { formatTraceTree, traceToMermaid } from '../observability/format.js';
import { readTraceFile } from '../observability/trace-file.js';
import { ExitCode } from './exit-codes.js';

/**
 * Adds the `trace` command.
 *
 * @example
 * ```ts
 * addTraceCommand(program, io, (c) => (code = c), reportError);
 * ```
 */
export function addTraceCommand(program: Command, io: { out(s: string): void; err(s: string): void }, setCode: (code: number) => void, reportError: (err: unknown) => number): void {
  program
    .command('trace')
    .description('show a saved session (from `agentflow run --trace-file`) as a tree; without SESSION, list the sessions')
    .argument('[session]', 'session id')
    .option('--file <jsonl>', 'trace file', '.agentflow/traces.jsonl')
    .option('--json', 'print the entries as JSON')
    .option('--mermaid', 'print a Mermaid sequence diagram')
    .action((session: string | undefined, opts: { file: string; json?: boolean; mermaid?: boolean }) => {
      try {
        const { entries, skipped } = readTraceFile(opts.file, session);
        if (skipped > 0) io.err(`warning: ${skipped} unreadable line(s) in ${opts.file} skipped\n`);
        if (session === undefined) {
          const sessions = new Map<string, { events: number; failed: number; first: number; last: number }>();
          for (const e of entries) {
            const s = sessions.get(e.sessionId) ?? { events: 0, failed: 0, first: e.timestamp, last: e.timestamp };
            if (e.type === 'event_end') {
              s.events++;
              if (e.status !== 'completed') s.failed++;
            }
            s.first = Math.min(s.first, e.timestamp);
            s.last = Math.max(s.last, e.timestamp);
            sessions.set(e.sessionId, s);
          }
          if (opts.json) io.out(`${JSON.stringify([...sessions].map(([id, s]) => ({ sessionId: id, ...s })))}\n`);
          else if (sessions.size === 0) io.out(`no sessions in ${opts.file}\n`);
          else for (const [id, s] of sessions) io.out(`${id}  ${new Date(s.first).toISOString()}  ${s.events} events  ${s.failed} failed  ${s.last - s.first}ms\n`);
          return;
        }
        if (entries.length === 0) {
          io.err(`no entries for session ${session} in ${opts.file}\n`);
          setCode(ExitCode.Failed);
          return;
        }
        if (opts.json) io.out(`${JSON.stringify(entries)}\n`);
        else if (opts.mermaid) io.out(`${traceToMermaid(entries)}\n`);
        else io.out(`session ${session}\n${formatTraceTree(entries, { color: process.stdout.isTTY === true && process.env.NO_COLOR === undefined })}\n`);
      } catch (err) {
        setCode(reportError(err));
      }
    });
}
