/**
 * `agentflow dlq list|show|purge|replay|compact`: the dead letters of the
 * `[dead_letter] file`, or with `--redis`/`--namespace` those of a Redis
 * namespace's dead-letter stream.
 * @module
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { createRunnerFromConfig } from '../config/create-runner.js';
import { loadConfig } from '../config/load.js';
import { EventFailedError, FAILURE_REASONS, InvalidOptionError } from '../core/errors.js';
import { Event } from '../core/event.js';
import { createLogger } from '../core/logger.js';
import { replayMetadata } from '../core/meta.js';
import type { DeadLetterRecord } from '../core/outcome.js';
import { DeadLetterQueue, inspectDeadLetters, matchesDeadLetter, JsonlDeadLetterStore, purgeDeadLetters, readDeadLetters, type DeadLetterFilter } from '../reliability/dead-letter/index.js';
import type { RedisDeadLetterEntry, RedisTransport } from '../transport/redis/index.js';
import type { FlowCode } from './agents-module.js';
import { ExitCode } from './exit-codes.js';
import { redisTransportFor } from './redis-options.js';

interface Io {
  out(s: string): void;
  err(s: string): void;
}

interface DlqOptions {
  config: string;
  file?: string;
  reason?: string;
  agent?: string;
  session?: string;
  limit?: string;
  json?: boolean;
  yes?: boolean;
  agents?: string;
  redis?: string;
  namespace?: string;
}

type Rec = Partial<DeadLetterRecord> & { [key: string]: unknown };

function line(r: Rec, streamId?: string): string {
  const at = typeof r.at === 'number' ? new Date(r.at).toISOString() : '-';
  const attempts = r.attempts ?? r.deliveries ?? '?';
  const message = r.error?.message ?? (typeof r.error === 'string' ? r.error : '');
  return `${r.id ?? streamId ?? '?'}  ${at}  ${String(r.reason ?? '?').padEnd(18)}  ${String(r.agentId || '-').padEnd(16)}  attempts ${String(attempts)}  ${message}\n`;
}

/**
 * Adds the `dlq` command and its subcommands.
 *
 * @example
 * ```ts
 * addDlqCommand(program, io, (c) => (code = c), codeAgentsFor, reportError);
 * ```
 */
export function addDlqCommand(
  program: Command,
  io: Io,
  setCode: (code: number) => void,
  codeAgentsFor: (config: string, explicit: string | undefined) => Promise<FlowCode>,
  reportError: (err: unknown) => number,
): void {
  const dlq = program.command('dlq').description('inspect, replay and purge dead letters (the [dead_letter] file, or a Redis namespace\'s stream with --redis/--namespace)');
  const dlqFile = async (opts: DlqOptions): Promise<string> => {
    if (opts.file) return resolve(opts.file);
    if (existsSync(opts.config)) {
      const { config } = await loadConfig(opts.config);
      if (config.dead_letter?.file) return resolve(dirname(resolve(opts.config)), config.dead_letter.file);
    }
    return resolve('.agentflow/dead-letters.jsonl');
  };
  const filterOf = (opts: DlqOptions, id?: string): DeadLetterFilter => {
    if (opts.reason !== undefined && !(FAILURE_REASONS as readonly string[]).includes(opts.reason)) {
      throw new InvalidOptionError('--reason', `"${opts.reason}" is not a failure reason; one of: ${FAILURE_REASONS.join(', ')}`);
    }
    if (opts.limit !== undefined && !(Number.isInteger(Number(opts.limit)) && Number(opts.limit) > 0)) throw new InvalidOptionError('--limit', `must be a positive integer, got "${opts.limit}"`);
    return { id, reason: opts.reason as DeadLetterFilter['reason'], agentId: opts.agent, sessionId: opts.session, limit: opts.limit !== undefined ? Number(opts.limit) : undefined };
  };
  const remote = (opts: DlqOptions): boolean => opts.redis !== undefined || opts.namespace !== undefined;
  /** Runs `fn` with a connected producer on the namespace, closing it after. */
  const withRedis = async <T>(opts: DlqOptions, fn: (t: RedisTransport) => Promise<T>): Promise<T> => {
    const t = await redisTransportFor(opts.config, opts, 'producer', (err) => io.err(`redis: ${err.message}\n`));
    await t.connect();
    try {
      return await fn(t);
    } finally {
      await t.close();
    }
  };
  const remoteEntries = async (t: RedisTransport, f: DeadLetterFilter): Promise<RedisDeadLetterEntry[]> => {
    const all = (await t.deadLetterStream.list()).filter((e) => matchesDeadLetter(e.record, { ...f, id: undefined }) && (f.id === undefined || e.record.id === f.id || e.streamId === f.id));
    return f.limit === undefined ? all : all.slice(0, f.limit);
  };
  const common = (c: Command) =>
    c
      .option('-c, --config <file>', 'config file (for its [dead_letter] file and [transport])', 'agentflow.toml')
      .option('--file <jsonl>', 'dead-letter file')
      .option('--redis <url>', 'use this Redis namespace\'s dead-letter stream instead of the file')
      .option('--namespace <ns>', 'the Redis namespace (implies --redis)')
      .option('--reason <reason>', 'only this failure reason')
      .option('--agent <name>', 'only this agent')
      .option('--session <id>', 'only this session');
  const act = (fn: (opts: DlqOptions, id?: string) => Promise<void>) => async (...args: unknown[]) => {
    const id = typeof args[0] === 'string' ? args[0] : undefined;
    const opts = (typeof args[0] === 'string' || args[0] === undefined ? args[1] : args[0]) as DlqOptions;
    try {
      await fn(opts, id);
    } catch (err) {
      setCode(reportError(err));
    }
  };

  common(dlq.command('list').description('list dead letters'))
    .option('--limit <n>', 'at most n')
    .option('--json', 'print JSON')
    .action(
      act(async (opts) => {
        let rows: { rec: Rec; streamId?: string }[];
        if (remote(opts)) rows = await withRedis(opts, async (t) => (await remoteEntries(t, filterOf(opts))).map((e) => ({ rec: e.record, streamId: e.streamId })));
        else {
          const file = await dlqFile(opts);
          const report = inspectDeadLetters(file, filterOf(opts));
          if (report.corruptCount > 0) {
            const first = report.corrupt[0];
            io.err(`warning: ${file} holds ${report.corruptCount} corrupt line${report.corruptCount === 1 ? '' : 's'}${first ? ` (first: line ${first.line}, ${first.reason})` : ''}; they are kept and move to ${file}.corrupt on \`agentflow dlq compact\`\n`);
          }
          rows = report.records.map((rec) => ({ rec: rec as Rec }));
        }
        if (opts.json) io.out(`${JSON.stringify(rows.map((r) => (r.streamId ? { ...r.rec, streamId: r.streamId } : r.rec)))}\n`);
        else {
          if (rows.length === 0) io.out('no dead letters\n');
          for (const r of rows) io.out(line(r.rec, r.streamId));
        }
      }),
    );

  common(dlq.command('show').description('show one dead letter in full (by event id or the short id traces print, or stream entry id with --redis)').argument('<id>'))
    .action(
      act(async (opts, id) => {
        const want = id ?? '';
        const all: { id: string; streamId?: string; value: unknown }[] = remote(opts)
          ? (await withRedis(opts, (t) => remoteEntries(t, {}))).map((e) => ({ id: String(e.record.id ?? ''), streamId: e.streamId, value: e }))
          : readDeadLetters(await dlqFile(opts), {}).map((r) => ({ id: r.id, value: r }));
        const exact = all.filter((r) => r.id === want || r.streamId === want);
        // Traces print the first 8 characters of an event id: a unique prefix (4 or more) finds the record.
        const found = exact.length !== 0 ? exact : want.length >= 4 ? all.filter((r) => r.id.startsWith(want)) : [];
        if (found.length > 1 && exact.length === 0) {
          io.err(`${found.length} dead letters start with ${id}: ${found.slice(0, 10).map((r) => r.id).join(', ')}${found.length > 10 ? ', …' : ''}; give more of the id\n`);
          setCode(ExitCode.Usage);
          return;
        }
        const rec = found.at(-1)?.value;
        if (!rec) {
          io.err(`no dead letter with id ${id}\n`);
          setCode(ExitCode.Failed);
          return;
        }
        io.out(`${JSON.stringify(rec, null, 2)}\n`);
      }),
    );

  common(dlq.command('purge').description('delete dead letters (all, or those matching the filters); needs --yes').argument('[id]'))
    .option('--yes', 'really delete')
    .action(
      act(async (opts, id) => {
        const filter = filterOf(opts, id);
        if (opts.yes !== true) {
          const n = remote(opts) ? await withRedis(opts, async (t) => (await remoteEntries(t, filter)).length) : readDeadLetters(await dlqFile(opts), filter).length;
          io.err(`would purge ${n} dead letter${n === 1 ? '' : 's'}; nothing deleted: pass --yes to delete\n`);
          setCode(ExitCode.Usage);
          return;
        }
        const n = remote(opts)
          ? await withRedis(opts, async (t) => {
              let k = 0;
              for (const e of await remoteEntries(t, filter)) if (await t.deadLetterStream.claim(e.streamId)) k++;
              return k;
            })
          : purgeDeadLetters(await dlqFile(opts), filter);
        io.out(`purged ${n} dead letter${n === 1 ? '' : 's'}\n`);
      }),
    );

  common(dlq.command('replay').description('re-run dead letters through the flow in the config (or on the namespace\'s workers with --redis), removing those that were accepted').argument('[id]'))
    .option('-a, --agents <module>', 'module exporting code agents')
    .action(
      act(async (opts, id) => {
        const filter = filterOf(opts, id);
        if (remote(opts)) return replayRemote(opts, filter);
        const file = await dlqFile(opts);
        const { agents, tools } = await codeAgentsFor(opts.config, opts.agents);
        const runner = await createRunnerFromConfig(opts.config, { agents, tools, logger: createLogger('warn') });
        const queue = new DeadLetterQueue({ store: new JsonlDeadLetterStore(file) });
        await runner.start();
        // Re-failures are counted by event id (a replayed event keeps its id), whatever the dead-letter file holds.
        const failedIds = new Set<string>();
        runner.onOutcome((o) => {
          if (o.status !== 'completed') failedIds.add(o.eventId);
        });
        const ids = queue.replay(runner, filter);
        await runner.drain();
        await runner.stop();
        report(ids.length, ids.filter((x) => failedIds.has(x)).length);
      }),
    );

  common(dlq.command('compact').description('rewrite the file without removed records; corrupt lines move to <file>.corrupt'))
    .action(
      act(async (opts) => {
        if (remote(opts)) throw new InvalidOptionError('--redis', 'compact applies to the dead-letter file; a Redis stream needs no compaction (purge removes entries)');
        const file = await dlqFile(opts);
        const r = new JsonlDeadLetterStore(file).compact();
        if (!r) {
          io.err(`${file} is being compacted by another process (or does not exist); nothing done\n`);
          setCode(ExitCode.Failed);
          return;
        }
        io.out(`compacted ${file}: ${r.bytesBefore} → ${r.bytesAfter} bytes, ${r.records} records kept, ${r.corruptMoved} corrupt lines moved to ${file}.corrupt${r.archived ? `, ${r.archived} oldest records archived to ${r.archivePath}` : ''}\n`);
      }),
    );

  function report(replayed: number, failedAgain: number): void {
    io.out(`replayed ${replayed} dead letter${replayed === 1 ? '' : 's'}; ${failedAgain} failed again\n`);
    setCode(failedAgain > 0 ? ExitCode.Failed : ExitCode.Ok);
  }

  /** Replays from the namespace's stream: claim each entry (so no two replayers take it), publish it, wait for its outcome on a worker. */
  async function replayRemote(opts: DlqOptions, filter: DeadLetterFilter): Promise<void> {
    const transport = await redisTransportFor(opts.config, opts, 'producer', (err) => io.err(`redis: ${err.message}\n`));
    await transport.connect();
    const { agents, tools } = existsSync(opts.config) ? await codeAgentsFor(opts.config, opts.agents) : { agents: {}, tools: [] };
    const runner = await createRunnerFromConfig(existsSync(opts.config) ? opts.config : {}, { agents, tools, logger: createLogger('warn'), overrides: { transport } });
    await runner.start();
    let replayed = 0;
    let failedAgain = 0;
    try {
      const runs: Promise<void>[] = [];
      for (const e of await remoteEntries(transport, filter)) {
        if (typeof e.record.event !== 'object' || e.record.event === null) {
          io.err(`skipped ${e.streamId}: it holds no event (${String(e.record.reason)}); purge it instead\n`);
          continue;
        }
        if (!(await transport.deadLetterStream.claim(e.streamId))) continue; // another replayer took it
        const ev = Event.fromJSON(e.record.event);
        ev._meta = replayMetadata(ev._meta);
        replayed++;
        runs.push(
          runner.run(ev).then(
            () => undefined,
            async (err: unknown) => {
              failedAgain++;
              // Not published at all: put the record back rather than lose it.
              if (!(err instanceof EventFailedError) || err.reason === 'transport_error') await transport.deadLetterStream.restore(e.record);
            },
          ),
        );
      }
      await Promise.all(runs);
    } finally {
      await runner.stop();
    }
    report(replayed, failedAgain);
  }
}
