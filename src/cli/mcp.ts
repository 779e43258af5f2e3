/**
 * `agentflow mcp list`: the MCP servers a config declares and their tools.
 * @module
 */
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { McpConnection } from '../agents/mcp/index.js';
import { loadConfig } from '../config/load.js';
import { messageOf } from '../core/errors.js';
import { redactUrl } from '../core/redact.js';
import { ExitCode } from './exit-codes.js';

/**
 * Adds `mcp list`: connects to each enabled `[[mcp.servers]]` entry (as
 * `runner.start()` would), lists its tools as agents name them
 * (`server.tool`), and exits non-zero when a server cannot be reached.
 *
 * @example
 * ```ts
 * addMcpCommand(program, io, (c) => (code = c), reportError);
 * ```
 */
export function addMcpCommand(program: Command, io: { out(s: string): void; err(s: string): void }, setCode: (code: number) => void, reportError: (err: unknown) => number): void {
  const mcp = program.command('mcp').description('Model Context Protocol servers of a flow');
  mcp
    .command('list')
    .description('connect to each declared MCP server and list its tools (as agents name them: server.tool)')
    .option('-c, --config <file>', 'config file', 'agentflow.toml')
    .option('--json', 'print one JSON object')
    .option('--lenient', 'unknown keys and sections in the config are warnings, not errors')
    .action(async (opts: { config: string; json?: boolean; lenient?: boolean }) => {
      try {
        const { config, file } = await loadConfig(opts.config, { lenient: opts.lenient });
        const base = file ? dirname(resolve(file)) : process.cwd();
        const m = config.mcp;
        const out: { name: string; transport: string; ok: boolean; error?: string; tools: { name: string; description: string }[] }[] = [];
        for (const s of m.servers) {
          const transport = s.command !== undefined ? `stdio: ${[s.command, ...(s.args ?? [])].join(' ')}` : `http: ${redactUrl(s.url!)}`;
          if (!m.enabled || !s.enabled) {
            out.push({ name: s.name, transport: `${transport} (disabled)`, ok: true, tools: [] });
            continue;
          }
          const conn = new McpConnection({ ...s, cwd: s.cwd === undefined ? base : resolve(base, s.cwd), connectTimeoutMs: m.connect_timeout_seconds * 1000, maxRestarts: 0 });
          try {
            await conn.acquire();
            out.push({ name: s.name, transport, ok: true, tools: conn.tools().map((t) => ({ name: `${s.name}.${t.name}`, description: t.description })) });
          } catch (err) {
            out.push({ name: s.name, transport, ok: false, error: messageOf(err), tools: [] });
          } finally {
            await conn.close();
          }
        }
        if (opts.json) io.out(`${JSON.stringify({ servers: out })}\n`);
        else if (out.length === 0) io.out('no [[mcp.servers]] declared\n');
        else {
          for (const s of out) {
            io.out(`${s.name} (${s.transport})${s.ok ? '' : `: ${s.error}`}\n`);
            for (const t of s.tools) io.out(`  ${t.name}  ${t.description}\n`);
          }
        }
        if (out.some((s) => !s.ok)) setCode(ExitCode.Failed);
      } catch (err) {
        setCode(reportError(err));
      }
    });
}
