/**
 * The `agentflow` command line: init, run, validate, agents, dlq.
 * @module
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { AgentflowError, ErrorCodes, EventFailedError } from '../core/errors.js';
import { newEvent } from '../core/event.js';
import { createLogger } from '../core/logger.js';
import { formatTrace } from '../observability/format.js';
import { ConfigError, ConfigNotFoundError, formatIssue, formatIssues } from '../config/errors.js';
import { loadConfig, validateLlmAgents } from '../config/load.js';
import { agentWithDefaults, resolveAgentLlm } from '../config/defaults.js';
import { createRunnerFromConfig } from '../config/create-runner.js';
import { flowToMermaid } from '../config/graph.js';
import { unreachableAgents, unreachableMessage } from '../config/reachability.js';
import { progressPrinter } from './progress.js';
import { addMcpCommand } from './mcp.js';
import { addMemoryCommand } from './memory.js';
import { findAgentsModule, loadFlowCode, type FlowCode } from './agents-module.js';
import { scaffold } from './scaffold.js';
import { redisTransportFor } from './redis-options.js';
import { addWorkerCommand } from './worker.js';
import { addDlqCommand } from './dlq.js';
import { addTraceCommand } from './trace.js';
import { addUiCommand } from './ui.js';
import { FileTraceLogger } from '../observability/trace-file.js';

export { ExitCode } from './exit-codes.js';
import { ExitCode } from './exit-codes.js';

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

async function codeAgentsFor(configFile: string, explicit: string | undefined): Promise<FlowCode> {
  const mod = findAgentsModule(configFile, explicit);
  return mod ? loadFlowCode(mod) : { agents: {}, tools: [] };
}

function reportError(err: unknown, io: Io): number {
  if (err instanceof ConfigError) {
    io.err(`${err.issues.length} problem${err.issues.length === 1 ? '' : 's'} in the configuration:\n${formatIssues(err.issues, '  error   ')}\n`);
    for (const w of err.warnings) io.err(`  warning ${formatIssue(w)}\n`);
    return ExitCode.InvalidConfig;
  }
  if (err instanceof ConfigNotFoundError) {
    io.err(`${err.message}\n`);
    return ExitCode.Usage;
  }
  if (err instanceof AgentflowError) {
    io.err(`${err.code}: ${err.message}\n`);
    return err.code === ErrorCodes.INVALID_OPTION ? ExitCode.Usage : err.code === ErrorCodes.CONFIG_INVALID ? ExitCode.InvalidConfig : ExitCode.Failed;
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
    .option('-q, --quiet', 'print only the result: no progress, no trace summary, no warnings (errors still print)')
    .option('--redis <url>', 'emit into a Redis namespace and wait for the outcome a worker produces (start workers with `agentflow worker`)')
    .option('--namespace <ns>', 'the Redis namespace (implies --redis with the config\'s or default URL)')
    .option('--lenient', 'unknown keys and sections in the config are warnings, not errors')
    .option('--trace-file <jsonl>', 'also append the trace to this JSON-lines file (rotated at 16 MiB, 4 files; read it with `agentflow trace`)')
    .action(async (opts: { config: string; input?: string; inputFile?: string; session?: string; agents?: string; json?: boolean; quiet?: boolean; redis?: string; namespace?: string; traceFile?: string; lenient?: boolean }) => {
      // What to undo however the command ends (an error must not leave a runner or a connection open).
      const held: { runner?: { getStatus(): string; stop(): Promise<void> }; remote?: { close(): Promise<void> }; onSignal?: () => void; traceFile?: FileTraceLogger } = {};
      try {
        const remote = opts.redis !== undefined || opts.namespace !== undefined ? await redisTransportFor(opts.config, opts, 'producer', (err) => io.err(`redis: ${err.message}\n`)) : undefined;
        held.remote = remote;
        if (remote) await remote.connect();
        const traceFile = opts.traceFile !== undefined ? new FileTraceLogger(resolve(opts.traceFile), { onDrop: () => io.err(`warning: trace entries are being dropped (${opts.traceFile} cannot keep up)\n`) }) : undefined;
        held.traceFile = traceFile;
        const input = opts.inputFile !== undefined ? readFileSync(opts.inputFile, 'utf8') : (opts.input ?? '');
        const { agents, tools } = await codeAgentsFor(opts.config, opts.agents);
        const progress = !opts.json && !opts.quiet;
        const runner = await createRunnerFromConfig(opts.config, {
          agents,
          tools,
          lenient: opts.lenient,
          logger: opts.quiet ? createLogger('error') : undefined,
          overrides: { ...(remote ? { transport: remote } : {}), ...(traceFile ? { traceLogger: traceFile } : {}) },
        });
        held.runner = runner;
        let interrupted = false;
        const onSignal = () => {
          interrupted = true;
          io.err('\ninterrupted: stopping gracefully (Ctrl-C again to force)\n');
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          void runner.stop(); // waits [runtime] stop_timeout_seconds, then aborts what is left
        };
        held.onSignal = onSignal;
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        await runner.start();
        const session = opts.session ?? `run-${Date.now()}`;
        const event = newEvent(runner.flow.entryAgent, { input }, { session_id: session });
        let status = 'completed';
        let error: EventFailedError | undefined;
        let state;
        let metadata: Record<string, string> | undefined;
        const outcomes: { eventId: string; agentId: string; status: string; reason?: string }[] = [];
        try {
          // The chain as it happens: tokens, tool calls, handoffs, one line per finished event.
          const show = progress ? progressPrinter(io.err) : undefined;
          for await (const part of runner.stream(event)) {
            show?.(part);
            if (part.kind === 'outcome') outcomes.push({ eventId: part.outcome.eventId, agentId: part.outcome.agentId, status: part.outcome.status, reason: part.outcome.reason });
            if (part.kind === 'done') {
              const st = part.result.state;
              state = st.toObject();
              metadata = Object.fromEntries(st.metaKeys().filter((k) => !k.startsWith('af_')).map((k) => [k, st.getMeta(k)!]));
            }
          }
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
          io.out(`${JSON.stringify({ status, sessionId: session, entryAgent: runner.flow.entryAgent, state, metadata, outcomes, error: error ? { reason: error.reason, code: (error.cause as AgentflowError | undefined)?.code, message: error.message } : undefined, stats: runner.stats(), trace })}\n`);
        } else {
          if (state) {
            const response = state.response;
            io.out(typeof response === 'string' ? `${response}\n` : `${JSON.stringify(state, null, 2)}\n`);
          } else {
            // One line, the event id once: reason, agent, the underlying error and its code.
            // Unwrap "agent … failed" wrappers (they repeat the agent and event) down to the error that says what went wrong.
            let root: unknown = error!.cause;
            let code: string | undefined;
            while (root instanceof AgentflowError && root.code === ErrorCodes.AGENT_FAILED && root.cause instanceof Error) {
              code ??= root.code;
              root = root.cause;
            }
            if (root instanceof AgentflowError) code = root.code;
            const agent = error!.details.agentId;
            io.out(`failed (${error!.reason}${agent ? `, agent ${String(agent)}` : ''}, event ${String(error!.details.eventId).slice(0, 8)}): ${root instanceof Error ? root.message : error!.message}${code ? ` [${code}]` : ''}\n`);
          }
          if (opts.quiet) {
            // the result only
          } else if (remote) io.err(`\nran on the workers of namespace "${remote.namespace}" (${remote.url}); their traces and metrics are theirs (see docs/observability.md)\n`);
          else io.err(`\ntrace (session ${session}):\n${formatTrace(trace).replace(/^/gm, '  ')}\n`);
        }
        code = interrupted ? ExitCode.Interrupted : status === 'completed' ? ExitCode.Ok : ExitCode.Failed;
      } catch (err) {
        code = reportError(err, io);
      } finally {
        if (held.onSignal) {
          process.off('SIGINT', held.onSignal);
          process.off('SIGTERM', held.onSignal);
        }
        if (held.runner && held.runner.getStatus() !== 'stopped') await held.runner.stop().catch(() => undefined);
        else if (held.remote && !held.runner) await held.remote.close().catch(() => undefined);
        held.traceFile?.flush();
      }
    });

  program
    .command('validate')
    .description('check a config file and report every problem at once (exit 0 valid, 2 invalid, 64 unreadable)')
    .argument('[file]', 'config file', 'agentflow.toml')
    .option('-c, --config <file>', 'config file (as every command accepts; same as the argument)')
    .option('-a, --agents <module>', 'load (run) this module exporting code agents, to check which agents have handlers')
    .option('--load-agents', 'load (run) the agents module found beside the config, to check handlers and custom providers')
    .option('--lenient', 'unknown keys and sections are warnings, not errors')
    .action(async (arg: string, opts: { agents?: string; config?: string; lenient?: boolean; loadAgents?: boolean }) => {
      const file = opts.config ?? arg;
      try {
        const loaded = await loadConfig(file, { lenient: opts.lenient });
        // Validating must not run code unless asked: the module beside the config is only found, not imported.
        const mod = findAgentsModule(file, opts.agents);
        const load = mod !== undefined && (opts.agents !== undefined || opts.loadAgents === true);
        let handlers: string[];
        let toolNames: string[] | undefined;
        if (load) {
          const flow = await loadFlowCode(mod);
          handlers = Object.keys(flow.agents);
          toolNames = flow.tools.map((t) => t.name);
        }
        else {
          // Not loaded: an agent without a system_prompt may be a handler in the module; say so instead of failing.
          handlers = [];
          if (mod !== undefined) {
            for (const [name, a] of Object.entries(loaded.config.agents ?? {})) {
              if (a.enabled === false || (typeof a.system_prompt === 'string' && a.system_prompt.trim() !== '')) continue;
              handlers.push(name);
              io.err(`  note    agent "${name}" has no system_prompt: it must be a handler exported by ${mod} (not loaded; pass --load-agents to check)\n`);
            }
          }
        }
        validateLlmAgents(loaded, handlers, mod === undefined ? [] : toolNames);
        for (const w of loaded.warnings) io.err(`  warning ${formatIssue(w)}\n`);
        // Which agents can run at all is known only when the handlers are (no module, or a loaded one).
        if (mod === undefined || load) for (const name of unreachableAgents(loaded.config, handlers)) io.err(`  warning agents.${name}: ${unreachableMessage(name)}\n`);
        io.out(`${file}: valid (${Object.keys(loaded.config.agents ?? {}).length} agents, mode ${loaded.config.orchestration?.mode ?? 'route'}${loaded.warnings.length ? `, ${loaded.warnings.length} warning(s)` : ''}${mod !== undefined && !load ? '; agents module not loaded' : ''})\n`);
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
        const code = (await codeAgentsFor(opts.config, opts.agents)).agents;
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

  program
    .command('graph')
    .description('print the declared flow (agents, orchestration, error routing, dead letters) as a Mermaid flowchart')
    .option('-c, --config <file>', 'config file', 'agentflow.toml')
    .option('-a, --agents <module>', 'module exporting code agents')
    .action(async (opts: { config: string; agents?: string }) => {
      try {
        const { config } = await loadConfig(opts.config);
        io.out(`${flowToMermaid(config, Object.keys((await codeAgentsFor(opts.config, opts.agents)).agents))}\n`);
      } catch (err) {
        code = reportError(err, io);
      }
    });

  addWorkerCommand(program, io, (c) => (code = c), codeAgentsFor, (err) => reportError(err, io));

  addDlqCommand(program, io, (c) => (code = c), codeAgentsFor, (err) => reportError(err, io));
  addMcpCommand(program, io, (c) => (code = c), (err) => reportError(err, io));
  addMemoryCommand(program, io, (c) => (code = c), (err) => reportError(err, io));
  addTraceCommand(program, io, (c) => (code = c), (err) => reportError(err, io));
  addUiCommand(program, io, (c) => (code = c), (err) => reportError(err, io));

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    return reportError(err, io);
  }
  return code;
}
