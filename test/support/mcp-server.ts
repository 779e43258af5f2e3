/**
 * A real MCP server written with @modelcontextprotocol/sdk, for the tests:
 * over stdio when run as a script (`tsx test/support/mcp-server.ts`), or
 * over streamable HTTP on 127.0.0.1 with startMcpHttpServer().
 * Tools: add, echo, fail (reports isError), slow (waits ms), crash (the
 * process exits mid-call: a dying server).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

export function buildServer(): McpServer {
  const server = new McpServer({ name: 'agentflow-test', version: '1.0.0' });
  server.registerTool('add', { description: 'Adds two numbers.', inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }));
  server.registerTool('echo', { description: 'Echoes a text.', inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: 'text', text: `echo: ${text}` }] }));
  server.registerTool('fail', { description: 'Always fails.', inputSchema: {} }, async () => ({ isError: true, content: [{ type: 'text', text: 'the file is locked' }] }));
  server.registerTool('slow', { description: 'Waits.', inputSchema: { ms: z.number() } }, async ({ ms }) => {
    await new Promise((r) => setTimeout(r, ms));
    return { content: [{ type: 'text', text: `waited ${ms}` }] };
  });
  server.registerTool('crash', { description: 'Kills the server.', inputSchema: {} }, async () => {
    setTimeout(() => process.exit(3), 5);
    return new Promise(() => undefined);
  });
  server.registerTool('pid', { description: 'The server process id.', inputSchema: {} }, async () => ({ content: [{ type: 'text', text: String(process.pid) }] }));
  return server;
}

/** Streamable HTTP, stateless: a fresh server and transport per request. */
export async function startMcpHttpServer(options: { token?: string } = {}): Promise<{ url: string; requests: number; close(): Promise<void> }> {
  const state = { requests: 0 };
  const http: Server = createServer(async (req, res) => {
    state.requests++;
    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'unauthorized' }));
      return;
    }
    let body = '';
    for await (const c of req) body += c;
    const server = buildServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body ? JSON.parse(body) : undefined);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((r) => {
        http.closeAllConnections();
        http.close(() => r());
      }),
  };
}

if (process.argv.includes('--stdio')) {
  await buildServer().connect(new StdioServerTransport());
}
