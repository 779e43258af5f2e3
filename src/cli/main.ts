/**
 * The `agentflow` command line: init, run, validate, agents, dlq.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { AgentflowError, ErrorCodes, EventFailedError, FAILURE_REASONS, InvalidOptionError } from '../core/errors.js';
import { newEvent } from '../core/event.js';
import { createLogger } from '../core/logger.js';
import { formatTrace } from '../observability/format.js';
import { ConfigError, ConfigNotFoundError, formatIssue } from '../config/errors.js';
import { loadConfig, validateLlmAgents } from '../config/load.js';
import { agentWithDefaults, resolveAgentLlm } from '../config/defaults.js';
import { createRunnerFromConfig } from '../config/create-runner.js';
import { DeadLetterQueue, inspectDeadLetters, JsonlDeadLetterStore, purgeDeadLetters, readDeadLetters, type DeadLetterFileReport, type DeadLetterFilter } from '../reliability/dead-letter/index.js';
import { findAgentsModule, loadAgentsModule, type CodeAgents } from './agents-module.js';
import { scaffold } from './scaffold.js';
import { addWorkerCommand } from './worker.js';

/**
 * Exit codes of the CLI, for scripts.
 *
 * @example
 * ```ts
 * if (code === ExitCode.InvalidConfig) console.error('fix agentflow.toml');
 * ```
 */
export const ExitCode = {
  Ok: 0,
  /** The flow ran and an event failed. */
  Failed: 1,
  /** The configuration is invalid (validate) or cannot be used. */
  InvalidConfig: 2,
  /** Bad usage, missing file. */
  Usage: 64,
  /** Interrupted (Ctrl-C). */
  Interrupted: 130,
} as const;

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function version(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

async function codeAgentsFor(configFile: string, explicit: string | undefined): Promise<CodeAgents> {
  const mod = findAgentsModule(configFile, explicit);
  return mod ? loadAgentsModule(mod) : {};
}

function reportError(err: unknown, io: Io): number {
  if (err instanceof ConfigError) {
    io.err(`${err.issues.length} problem${err.issues.length === 1 ? '' : 's'} in the configuration:\n${err.issues.map((i) => `  error   ${formatIssue(i)}`).join('\n')}\n`);
    for (const w of err.warnings) io.err(`  warning ${formatIssue(w)}\n`);
    return ExitCode.InvalidConfig;
  }
  if (err instanceof ConfigNotFoundError) {
    io.err(`${err.message}\n`);
    return ExitCode.Usage;
  }
  if (err instanceof AgentflowError) {
    io.err(`${err.code}: ${err.message}\n`);
    return err.code === ErrorCodes.INVALID_OPTION ? ExitCode.Usage : ExitCode.Failed;
  }
  io.err(`${(err as Error)?.stack ?? String(err)}\n`);
  return ExitCode.Failed;
}

/**
 * Runs the CLI with `argv` (without `node` and the script) and returns the
 * exit code. `io` defaults to stdout/stderr.
 *
 * @example
 * ```ts
 * process.exitCode = await main(['validate', 'agentflow.toml']);
 * ```
 */
export async function main(argv: string[], io: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }): Promise<number> {
  let code: number = ExitCode.Ok;
  const program = new Command();
  program
    .name('agentflow')
    .description('Run and inspect agentflow flows declared in agentflow.toml')
    .version(version())
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  program
    .command('init')
    .description('scaffold a project (agentflow.toml, code agents, a test, a README) that runs as created')
    .argument('[dir]', 'target directory', '.')
    .action((dir: string) => {
      const written = scaffold(dir, packageRoot);
      if (written.length === 0) io.out(`nothing to do: every file already exists in ${resolve(dir)}\n`);
      for (const f of written) io.out(`created ${f}\n`);
      io.out(`\nnext:\n  cd ${dir}\n  npm install\n  npx agentflow run --input Ada\n  npm test\n`);
    });

  program
    .command('run')
    .description('run a flow: send the input to the entry agent and print the result and a trace summary')
    .option('-c, --config <file>', 'config file', 'agentflow.toml')
    .option('-i, --input <text>', 'input text (data.input)')
    .option('-f, --input-file <file>', 'read the input from a file')
    .option('-s, --session <id>', 'session id')
    .option('-a, --agents <module>', 'module exporting code agents (default: agents.mjs/.js/.ts beside the config)')
    .option('--json', 'print one JSON object (status, state, trace) instead of text')
    .option('-q, --quiet', 'no progress output')
    .action(async (opts: { config: string; input?: string; inputFile?: string; session?: string; agents?: string; json?: boolean; quiet?: boolean }) => {
      try {
        const input = opts.inputFile !== undefined ? readFileSync(opts.inputFile, 'utf8') : (opts.input ?? '');
        const agents = await codeAgentsFor(opts.config, opts.agents);
        const progress = !opts.json && !opts.quiet;
        let lastAgent = '';
        const runner = await createRunnerFromConfig(opts.config, {
          agents,
          onToken: progress
            ? (t, agent) => {
                if (agent !== lastAgent) io.err(`${lastAgent ? '\n' : ''}[${agent}] `);
                lastAgent = agent;
                io.err(t);
              }
            : undefined,
        });
        if (progress) runner.onOutcome((o) => io.err(`${lastAgent ? '\n' : ''}· ${o.agentId || '(none)'} ${o.status}${o.reason ? ` (${o.reason})` : ''} in ${o.durationMs} ms\n`));
        let interrupted = false;
        const onSignal = () => {
          interrupted = true;
          io.err('\ninterrupted: stopping gracefully (Ctrl-C again to force)\n');
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          void runner.stop(); // waits [runtime] stop_timeout_seconds, then aborts what is left
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        await runner.start();
        const session = opts.session ?? `run-${Date.now()}`;
        const event = newEvent(runner.flow.entryAgent, { input }, { session_id: session });
        let status = 'completed';
        let error: EventFailedError | undefined;
        let state;
        try {
          state = (await runner.run(event)).state.toObject();
        } catch (err) {
          if (!(err instanceof EventFailedError)) throw err;
          status = 'failed';
          error = err;
        }
        await runner.stop();
        await runner.flow.otel?.shutdown(); // flushes spans to [observability] endpoint
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        const trace = runner.dumpTrace(session);
        if (opts.json) {
          io.out(`${JSON.stringify({ status, sessionId: session, entryAgent: runner.flow.entryAgent, state, error: error ? { reason: error.reason, code: (error.cause as AgentflowError | undefined)?.code, message: error.message } : undefined, stats: runner.stats(), trace })}\n`);
        } else {
          if (state) {
            const response = state.response;
            io.out(typeof response === 'string' ? `${response}\n` : `${JSON.stringify(state, null, 2)}\n`);
          } else io.out(`failed: ${error!.message}\n`);
          io.err(`\ntrace (session ${session}):\n${formatTrace(trace).replace(/^/gm, '  ')}\n`);
        }
        code = interrupted ? ExitCode.Interrupted : status === 'completed' ? ExitCode.Ok : ExitCode.Failed;
      } catch (err) {
        code = reportError(err, io);
      }
    });

  program
    .command('validate')
    .description('check a config file and report every problem at once (exit 0 valid, 2 invalid, 64 unreadable)')
    .argument('[file]', 'config file', 'agentflow.toml')
    .option('-c, --config <file>', 'config file (as every command accepts; same as the argument)')
    .option('-a, --agents <module>', 'module exporting code agents (agents without code need a system_prompt)')
    .action(async (arg: string, opts: { agents?: string; config?: string }) => {
      const file = opts.config ?? arg;
      try {
        const loaded = await loadConfig(file);
        const agents = await codeAgentsFor(file, opts.agents);
        validateLlmAgents(loaded, Object.keys(agents));
        for (const w of loaded.warnings) io.err(`  warning ${formatIssue(w)}\n`);
        io.out(`${file}: valid (${Object.keys(loaded.config.agents ?? {}).length} agents, mode ${loaded.config.orchestration?.mode ?? 'route'}${loaded.warnings.length ? `, ${loaded.warnings.length} warning(s)` : ''})\n`);
      } catch (err) {
        code = reportError(err, io);
      }
    });

  program
    .command('agents')
    .description('list the declared agents: role, kind (code, llm, disabled) and provider')
    .option('-c, --config <file>', 'config file', 'agentflow.toml')
    .option('-a, --agents <module>', 'module exporting code agents')
    .option('--json', 'print JSON')
    .action(async (opts: { config: string; agents?: string; json?: boolean }) => {
      try {
        const { config } = await loadConfig(opts.config);
        const code = await codeAgentsFor(opts.config, opts.agents);
        const rows = Object.entries(config.agents ?? {}).map(([name, raw]) => {
          const a = agentWithDefaults(raw);
          const kind = !a.enabled ? 'disabled' : name in code ? 'code' : 'llm';
          const llm = kind === 'llm' ? resolveAgentLlm(config, name) : undefined;
          return { name, role: a.role ?? '', kind, provider: llm ? `${llm.provider}/${llm.model}` : '', description: a.description ?? '' };
        });
        for (const name of Object.keys(code)) if (!(name in (config.agents ?? {}))) rows.push({ name, role: '', kind: 'code', provider: '', description: '(not declared in the config)' });
        if (opts.json) io.out(`${JSON.stringify(rows)}\n`);
        else {
          const w = (k: keyof (typeof rows)[number]) => Math.max(k.length, ...rows.map((r) => r[k].length));
          const cols = ['name', 'role', 'kind', 'provider'] as const;
          io.out(`${cols.map((c) => c.toUpperCase().padEnd(w(c))).join('  ')}  DESCRIPTION\n`);
          for (const r of rows) io.out(`${cols.map((c) => r[c].padEnd(w(c))).join('  ')}  ${r.description}\n`);
        }
      } catch (err) {
        code = reportError(err, io);
      }
    });

  addWorkerCommand(program, io, (c) => (code = c), codeAgentsFor, (err) => reportError(err, io));

  const dlq = program.command('dlq').description('inspect, replay and purge dead letters (the [dead_letter] file)');
  const dlqFile = async (opts: { file?: string; config: string }): Promise<string> => {
    if (opts.file) return resolve(opts.file);
    if (existsSync(opts.config)) {
      const { config } = await loadConfig(opts.config);
      if (config.dead_letter?.file) return resolve(dirname(resolve(opts.config)), config.dead_letter.file);
    }
    return resolve('.agentflow/dead-letters.jsonl');
  };
  const warnCorrupt = (file: string, r: DeadLetterFileReport): void => {
    if (r.corruptCount === 0) return;
    const first = r.corrupt[0];
    io.err(`warning: ${file} holds ${r.corruptCount} corrupt line${r.corruptCount === 1 ? '' : 's'}${first ? ` (first: line ${first.line}, ${first.reason})` : ''}; they are kept and move to ${file}.corrupt on \`agentflow dlq compact\`\n`);
  };
  const filterOf = (opts: { reason?: string; agent?: string; session?: string; limit?: string }, id?: string): DeadLetterFilter => {
    if (opts.reason !== undefined && !(FAILURE_REASONS as readonly string[]).includes(opts.reason)) {
      throw new InvalidOptionError('--reason', `"${opts.reason}" is not a failure reason; one of: ${FAILURE_REASONS.join(', ')}`);
    }
    return filterFields(opts, id);
  };
  const filterFields = (opts: { reason?: string; agent?: string; session?: string; limit?: string }, id?: string): DeadLetterFilter => ({
    id,
    reason: opts.reason as DeadLetterFilter['reason'],
    agentId: opts.agent,
    sessionId: opts.session,
    limit: opts.limit !== undefined ? Number(opts.limit) : undefined,
  });
  const common = (c: Command) =>
    c
      .option('-c, --config <file>', 'config file (for its [dead_letter] file)', 'agentflow.toml')
      .option('--file <jsonl>', 'dead-letter file')
      .option('--reason <reason>', 'only this failure reason')
      .option('--agent <name>', 'only this agent')
      .option('--session <id>', 'only this session');
  common(dlq.command('list').description('list dead letters'))
    .option('--limit <n>', 'at most n')
    .option('--json', 'print JSON')
    .action(async (opts: { config: string; file?: string; reason?: string; agent?: string; session?: string; limit?: string; json?: boolean }) => {
      try {
        const file = await dlqFile(opts);
        const report = inspectDeadLetters(file, filterOf(opts));
        const recs = report.records;
        warnCorrupt(file, report);
        if (opts.json) io.out(`${JSON.stringify(recs)}\n`);
        else {
          if (recs.length === 0) io.out('no dead letters\n');
          for (const r of recs) io.out(`${r.id}  ${new Date(r.at).toISOString()}  ${r.reason.padEnd(18)}  ${(r.agentId || '-').padEnd(16)}  attempts ${r.attempts}  ${r.error.message}\n`);
        }
      } catch (err) {
        code = reportError(err, io);
      }
    });
  common(dlq.command('compact').description('rewrite the file without removed records; corrupt lines move to <file>.corrupt'))
    .action(async (opts: { config: string; file?: string }) => {
      try {
        const file = await dlqFile(opts);
        const r = new JsonlDeadLetterStore(file).compact();
        if (!r) {
          io.err(`${file} is being compacted by another process (or does not exist); nothing done\n`);
          code = ExitCode.Failed;
          return;
        }
        io.out(`compacted ${file}: ${r.bytesBefore} → ${r.bytesAfter} bytes, ${r.records} records kept, ${r.corruptMoved} corrupt lines moved to ${file}.corrupt${r.archived ? `, ${r.archived} oldest records archived to ${r.archivePath}` : ''}\n`);
      } catch (err) {
        code = reportError(err, io);
      }
    });
  common(dlq.command('show').description('show one dead letter in full').argument('<id>'))
    .action(async (id: string, opts: { config: string; file?: string }) => {
      try {
        const [rec] = readDeadLetters(await dlqFile(opts), { id });
        if (!rec) {
          io.err(`no dead letter with id ${id}\n`);
          code = ExitCode.Failed;
          return;
        }
        io.out(`${JSON.stringify(rec, null, 2)}\n`);
      } catch (err) {
        code = reportError(err, io);
      }
    });
  common(dlq.command('purge').description('delete dead letters (all, or those matching the filters); needs --yes').argument('[id]'))
    .option('--yes', 'really delete')
    .action(async (id: string | undefined, opts: { config: string; file?: string; reason?: string; agent?: string; session?: string; yes?: boolean }) => {
      try {
        const filter = filterOf(opts, id);
        if (opts.yes !== true) {
          const n = readDeadLetters(await dlqFile(opts), filter).length;
          io.err(`would purge ${n} dead letter${n === 1 ? '' : 's'}; nothing deleted: pass --yes to delete\n`);
          code = ExitCode.Usage;
          return;
        }
        const n = purgeDeadLetters(await dlqFile(opts), filter);
        io.out(`purged ${n} dead letter${n === 1 ? '' : 's'}\n`);
      } catch (err) {
        code = reportError(err, io);
      }
    });
  common(dlq.command('replay').description('re-run dead letters through the flow in the config, removing those that were accepted').argument('[id]'))
    .option('-a, --agents <module>', 'module exporting code agents')
    .action(async (id: string | undefined, opts: { config: string; file?: string; reason?: string; agent?: string; session?: string; agents?: string }) => {
      try {
        const file = await dlqFile(opts);
        const agents = await codeAgentsFor(opts.config, opts.agents);
        const runner = await createRunnerFromConfig(opts.config, { agents, logger: createLogger('warn') });
        const queue = new DeadLetterQueue({ store: new JsonlDeadLetterStore(file) });
        await runner.start();
        // Re-failures are counted by event id (a replayed event keeps its id), whatever the dead-letter file holds.
        const failedIds = new Set<string>();
        runner.onOutcome((o) => {
          if (o.status !== 'completed') failedIds.add(o.eventId);
        });
        const ids = queue.replay(runner, filterOf(opts, id));
        await runner.drain();
        await runner.stop();
        const failedAgain = ids.filter((x) => failedIds.has(x)).length;
        io.out(`replayed ${ids.length} dead letter${ids.length === 1 ? '' : 's'}; ${failedAgain} failed again\n`);
        code = failedAgain > 0 ? ExitCode.Failed : ExitCode.Ok;
      } catch (err) {
        code = reportError(err, io);
      }
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    return reportError(err, io);
  }
  return code;
}
