/**
 * `agentflow/mcp`: tools from Model Context Protocol servers (stdio or
 * streamable HTTP) through `@modelcontextprotocol/sdk` (an optional peer
 * dependency). A server's tools become agentflow tools named
 * `<server>.<tool>`; agents open them on `runner.start()` and close them on
 * `stop()`; a crashed stdio server is restarted with backoff while its
 * calls fail with the retryable {@link McpError}.
 * @module
 */
import { z } from 'zod';
import type { Logger } from '../../core/logger.js';
import { silentLogger } from '../../core/logger.js';
import { McpError, messageOf } from '../../core/errors.js';
import type { Tool, ToolParse } from '../tools/tool.js';
import type { ToolSet } from '../tools/tool-set.js';

type Client = import('@modelcontextprotocol/sdk/client/index.js').Client;

/**
 * One MCP server: stdio (`command`, `args`, `env`, `cwd`) or streamable
 * HTTP (`url`, `headers`), with its bounds.
 *
 * @example
 * ```ts
 * const files: McpServerOptions = { name: 'files', command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '.'] };
 * ```
 */
export interface McpServerOptions {
  /** 1–32 letters, digits, `_` or `-`; tools are named `<name>.<tool>`. */
  name: string;
  command?: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
  url?: string;
  headers?: Record<string, string>;
  /** How long connecting and listing tools may take. Default 10,000 ms. */
  connectTimeoutMs?: number;
  /** Timeout of one tool call. Default 30,000 ms. */
  callTimeoutMs?: number;
  /** Restarts of a crashed server, with backoff, before it stays down. Default 5. */
  maxRestarts?: number;
  logger?: Logger;
}

/**
 * A tool as the server lists it.
 *
 * @example
 * ```ts
 * const t: McpToolInfo = { name: 'read_file', description: 'Reads a file', inputSchema: { type: 'object', properties: { path: { type: 'string' } } } };
 * ```
 */
export interface McpToolInfo {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

/**
 * The state of a connection.
 *
 * @example
 * ```ts
 * if (conn.state === 'restarting') console.warn('MCP server restarting');
 * ```
 */
export type McpState = 'idle' | 'connecting' | 'ready' | 'restarting' | 'failed' | 'closed';

const MAX_RESULT_CHARS = 1_000_000;

/**
 * A connection to one MCP server, opened once and shared by every agent
 * that uses it (reference counted: the last `release()` closes it).
 *
 * @example
 * ```ts
 * const conn = new McpConnection({ name: 'math', command: 'node', args: ['math-server.mjs'] });
 * await conn.acquire();
 * console.log(conn.tools().map((t) => t.name));
 * console.log(await conn.call('add', { a: 2, b: 3 }));
 * await conn.release();
 * ```
 */
export class McpConnection {
  readonly name: string;
  private readonly o: McpServerOptions;
  private readonly logger: Logger;
  private client: Client | undefined;
  private listed: McpToolInfo[] = [];
  private opening: Promise<void> | undefined;
  private refs = 0;
  private restarts = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private lastError: unknown;
  private connectedAt = 0;
  state: McpState = 'idle';

  constructor(options: McpServerOptions) {
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(options.name)) throw new McpError(options.name, 'a server name is 1–32 letters, digits, "_" or "-"');
    if ((options.command === undefined) === (options.url === undefined)) throw new McpError(options.name, 'needs exactly one of command (stdio) or url (streamable HTTP)');
    this.name = options.name;
    this.o = options;
    this.logger = options.logger ?? silentLogger();
  }

  /** Opens the connection (once) and counts a user. */
  async acquire(): Promise<void> {
    this.refs++;
    try {
      await (this.opening ??= this.open());
    } catch (err) {
      this.refs--;
      this.opening = undefined;
      throw err;
    }
  }

  /** Drops a user; the last one closes the connection. */
  async release(): Promise<void> {
    if (this.refs > 0 && --this.refs > 0) return;
    await this.close();
  }

  /** The server's tools, as last listed. */
  tools(): McpToolInfo[] {
    return this.listed;
  }

  private async open(): Promise<void> {
    this.state = 'connecting';
    const timeoutMs = this.o.connectTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const client = await this.newClient();
    try {
      await Promise.race([
        (async () => {
          await client.connect(await this.newTransport());
          const r = await client.listTools();
          this.listed = r.tools.map((t) => ({ name: t.name, description: t.description ?? t.title ?? t.name, inputSchema: (t.inputSchema ?? { type: 'object' }) as Record<string, unknown> }));
        })(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new McpError(this.name, `did not connect and list its tools within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (err) {
      await client.close().catch(() => undefined);
      this.state = 'failed';
      throw err instanceof McpError ? err : new McpError(this.name, `cannot connect: ${messageOf(err)}`, err);
    } finally {
      clearTimeout(timer);
    }
    this.client = client;
    this.state = 'ready';
    this.connectedAt = Date.now();
    client.onclose = () => this.lost(client);
    this.logger.debug({ server: this.name, tools: this.listed.length }, 'MCP server connected');
  }

  private async newClient(): Promise<Client> {
    let mod: typeof import('@modelcontextprotocol/sdk/client/index.js');
    try {
      mod = await import('@modelcontextprotocol/sdk/client/index.js');
    } catch (err) {
      throw new McpError(this.name, 'MCP needs @modelcontextprotocol/sdk: run `npm install @modelcontextprotocol/sdk`', err);
    }
    return new mod.Client({ name: 'agentflow', version: '0.1.0' });
  }

  private async newTransport(): Promise<import('@modelcontextprotocol/sdk/shared/transport.js').Transport> {
    if (this.o.command !== undefined) {
      const { StdioClientTransport, getDefaultEnvironment } = await import('@modelcontextprotocol/sdk/client/stdio.js');
      const t = new StdioClientTransport({ command: this.o.command, args: this.o.args ?? [], env: { ...getDefaultEnvironment(), ...this.o.env }, cwd: this.o.cwd, stderr: 'pipe' });
      t.stderr?.on('data', (b: Buffer) => this.logger.debug({ server: this.name, stderr: b.toString('utf8').slice(0, 500) }, 'MCP server stderr'));
      return t;
    }
    const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
    return new StreamableHTTPClientTransport(new URL(this.o.url!), { requestInit: { headers: this.o.headers ?? {} } });
  }

  /** The server went away (crash, network): restart with backoff unless closing. */
  private lost(client: Client): void {
    if (this.client !== client || this.state === 'closed') return;
    this.client = undefined;
    if (Date.now() - this.connectedAt > 30_000) this.restarts = 0; // it had been healthy: a fresh budget
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const max = this.o.maxRestarts ?? 5;
    if (this.restarts >= max) {
      this.state = 'failed';
      this.logger.error({ server: this.name, restarts: this.restarts }, 'MCP server lost; no restarts left');
      return;
    }
    this.state = 'restarting';
    const delay = Math.min(250 * 2 ** this.restarts, 10_000);
    this.restarts++;
    this.logger.warn({ server: this.name, attempt: this.restarts, delayMs: delay }, 'MCP server lost; restarting');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.state !== 'restarting') return;
      this.open().catch((err: unknown) => {
        this.lastError = err;
        if (this.state !== 'closed') this.scheduleRestart();
      });
    }, delay);
    this.restartTimer.unref?.();
  }

  /**
   * Calls a tool and returns its text. A result the server marks `isError`
   * throws a plain Error (the model is told); a server that is down or dies
   * during the call throws {@link McpError} (retryable).
   */
  async call(tool: string, args: unknown, signal?: AbortSignal): Promise<string> {
    const client = this.client;
    if (client === undefined || this.state !== 'ready') {
      throw new McpError(this.name, `is ${this.state === 'restarting' ? 'restarting after a crash' : this.state}; tool "${tool}" cannot be called now${this.lastError ? ` (last error: ${messageOf(this.lastError)})` : ''}`);
    }
    let r: Awaited<ReturnType<Client['callTool']>>;
    try {
      r = await client.callTool({ name: tool, arguments: (args ?? {}) as Record<string, unknown> }, undefined, { signal, timeout: this.o.callTimeoutMs ?? 30_000 });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw new McpError(this.name, `call of tool "${tool}" failed: ${messageOf(err)}`, err);
    }
    const text = resultText(r as { content?: unknown; structuredContent?: unknown });
    if (r.isError === true) throw new Error(text || `tool "${tool}" reported an error`);
    return text;
  }

  /** Closes the connection (and the stdio server process). */
  async close(): Promise<void> {
    this.state = 'closed';
    clearTimeout(this.restartTimer);
    const c = this.client;
    this.client = undefined;
    this.opening = undefined;
    this.refs = 0;
    await c?.close().catch(() => undefined);
  }
}

function resultText(r: { content?: unknown; structuredContent?: unknown }): string {
  const parts: string[] = [];
  if (Array.isArray(r.content)) {
    for (const c of r.content as { type?: string; text?: string; resource?: { text?: string; uri?: string } }[]) {
      if (c.type === 'text' && typeof c.text === 'string') parts.push(c.text);
      else if (c.type === 'resource' && c.resource) parts.push(c.resource.text ?? `[resource ${c.resource.uri ?? ''}]`);
      else parts.push(`[${c.type ?? 'content'}]`);
    }
  }
  if (parts.length === 0 && r.structuredContent !== undefined) parts.push(JSON.stringify(r.structuredContent));
  const text = parts.join('\n');
  return text.length > MAX_RESULT_CHARS ? text.slice(0, MAX_RESULT_CHARS) : text;
}

/**
 * A server's tools as agentflow tools named `<server>.<tool>`, validated
 * against the server's input schemas. `selection` keeps only the named
 * tools (`server.tool`) unless it holds `server.*`.
 *
 * @example
 * ```ts
 * const tools = mcpTools(conn, ['math.add']);
 * ```
 */
export function mcpTools(conn: McpConnection, selection?: readonly string[], callTimeoutMs?: number): Tool<never, unknown>[] {
  const all = selection === undefined || selection.includes(`${conn.name}.*`);
  const out: Tool<never, unknown>[] = [];
  for (const info of conn.tools()) {
    const name = `${conn.name}.${info.name}`;
    if (!all && !selection.includes(name)) continue;
    let schema: z.ZodType | undefined;
    try {
      schema = z.fromJSONSchema(info.inputSchema as Parameters<typeof z.fromJSONSchema>[0]);
    } catch {
      schema = undefined; // the server validates what it cannot be described here
    }
    const { $schema: _meta, ...parameters } = info.inputSchema;
    out.push({
      name,
      description: info.description,
      parameters,
      timeoutMs: callTimeoutMs,
      parse(args: unknown): ToolParse<never> {
        if (schema === undefined) return { ok: true, value: args as never };
        const r = schema.safeParse(args);
        return r.success ? { ok: true, value: r.data as never } : { ok: false, error: r.error.issues.slice(0, 10).map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ') };
      },
      run: (input, ctx) => conn.call(info.name, input, ctx.signal),
    });
  }
  return out;
}

/**
 * The MCP servers of a flow, by name: hands each agent a {@link ToolSet} of
 * the tools it names, opened on `runner.start()` and closed on `stop()`.
 *
 * @example
 * ```ts
 * const hub = new McpHub([{ name: 'math', command: 'node', args: ['math-server.mjs'] }]);
 * new LLMAgent({ name: 'calc', systemPrompt: '…', provider, toolSets: [hub.toolSet(['math.add'])] });
 * ```
 */
export class McpHub {
  private readonly conns = new Map<string, McpConnection>();
  private readonly callTimeoutMs: number | undefined;

  constructor(servers: readonly McpServerOptions[]) {
    for (const s of servers) {
      if (this.conns.has(s.name)) throw new McpError(s.name, 'is declared twice');
      this.conns.set(s.name, new McpConnection(s));
    }
    this.callTimeoutMs = servers[0]?.callTimeoutMs;
  }

  /** The servers' names. */
  names(): string[] {
    return [...this.conns.keys()];
  }

  /** One server's connection. */
  get(name: string): McpConnection | undefined {
    return this.conns.get(name);
  }

  /** The tools named in `selection` (`server.tool` or `server.*`), from the servers they name. */
  toolSet(selection: readonly string[]): ToolSet {
    const servers = [...new Set(selection.map((s) => s.slice(0, s.indexOf('.'))))].map((n) => {
      const c = this.conns.get(n);
      if (c === undefined) throw new McpError(n, `is not declared (tools ${selection.filter((s) => s.startsWith(`${n}.`)).join(', ')})`);
      return c;
    });
    let opened: McpConnection[] = [];
    return {
      label: `mcp:${servers.map((s) => s.name).join(',')}`,
      open: async () => {
        const tools: Tool<never, unknown>[] = [];
        try {
          for (const c of servers) {
            await c.acquire();
            opened.push(c);
            const got = mcpTools(c, selection, this.callTimeoutMs);
            const missing = selection.filter((s) => s.startsWith(`${c.name}.`) && !s.endsWith('.*') && !got.some((t) => t.name === s));
            if (missing.length !== 0) throw new McpError(c.name, `has no tool ${missing.map((m) => `"${m.slice(c.name.length + 1)}"`).join(', ')} (it has: ${c.tools().map((t) => t.name).join(', ') || 'none'})`);
            tools.push(...got);
          }
        } catch (err) {
          // A failed open leaves nothing running.
          for (const c of opened.splice(0)) await c.release();
          throw err;
        }
        return tools;
      },
      close: async () => {
        const list = opened;
        opened = [];
        for (const c of list) await c.release();
      },
    };
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    for (const c of this.conns.values()) await c.close();
  }
}
