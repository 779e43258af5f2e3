/**
 * `agentflow trace [SESSION] --file F`: a saved session as a tree in the
 * terminal (`--json`, `--mermaid`); without a session, the sessions in the
 * file.
 * @module
 */
import type { Command } from 'commander';
import { formatTraceTree, traceToMermaid } from '../observability/format.js';
import { readTraceFile } from '../observability/trace-file.js';
import type { TraceEntry } from '../core/trace.js';
import { ExitCode } from './exit-codes.js';
import { redisTransportFor } from './redis-options.js';

/** Entries of a trace file, or of a Redis namespace's trace stream with `--redis`/`--namespace`. */
async function entriesOf(opts: TraceFlags, session: string | undefined): Promise<{ entries: TraceEntry[]; skipped: number; from: string }> {
  if (opts.redis === undefined && opts.namespace === undefined) return { ...readTraceFile(opts.file, session), from: opts.file };
  const t = await redisTransportFor(opts.config, opts, 'producer', () => undefined);
  try {
    await t.connect();
    return { ...(await t.traces.read({ session })), from: `${t.url} namespace "${t.namespace}"` };
  } finally {
    await t.close();
  }
}

interface TraceFlags {
  file: string;
  config: string;
  redis?: string;
  namespace?: string;
  json?: boolean;
  mermaid?: boolean;
}

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
    .description('show a saved session (from `agentflow run --trace-file`, or a Redis namespace\'s workers with --redis) as a tree; without SESSION, list the sessions')
    .argument('[session]', 'session id')
    .option('--file <jsonl>', 'trace file', '.agentflow/traces.jsonl')
    .option('--redis <url>', 'read the trace stream of a Redis namespace (written by its workers) instead of a file')
    .option('--namespace <ns>', 'the Redis namespace (implies --redis; default from the config, else "agentflow")')
    .option('-c, --config <file>', 'config whose [transport] gives the Redis URL and namespace', 'agentflow.toml')
    .option('--json', 'print the entries as JSON')
    .option('--mermaid', 'print a Mermaid sequence diagram')
    .action(async (session: string | undefined, opts: TraceFlags) => {
      try {
        const { entries, skipped, from } = await entriesOf(opts, session);
        if (skipped > 0) io.err(`warning: ${skipped} unreadable entr${skipped === 1 ? 'y' : 'ies'} in ${from} skipped\n`);
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
          else if (sessions.size === 0) io.out(`no sessions in ${from}\n`);
          else for (const [id, s] of sessions) io.out(`${id}  ${new Date(s.first).toISOString()}  ${s.events} events  ${s.failed} failed  ${s.last - s.first}ms\n`);
          return;
        }
        if (entries.length === 0) {
          io.err(`no entries for session ${session} in ${from}\n`);
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
