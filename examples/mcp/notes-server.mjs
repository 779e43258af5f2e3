#!/usr/bin/env node
// A small MCP server over stdio, written with @modelcontextprotocol/sdk:
// notes kept in memory while it runs. agentflow starts it (see
// agentflow.toml), lists its tools and lets the agent call them.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const notes = [];
const server = new McpServer({ name: 'notes', version: '1.0.0' });
server.registerTool('add_note', { description: 'Saves a short note.', inputSchema: { text: z.string().min(1).max(200) } }, async ({ text }) => {
  notes.push(text);
  return { content: [{ type: 'text', text: JSON.stringify({ saved: true, count: notes.length }) }] };
});
server.registerTool('list_notes', { description: 'Lists the saved notes.', inputSchema: {} }, async () => ({
  content: [{ type: 'text', text: JSON.stringify(notes) }],
}));
server.registerTool('word_count', { description: 'Counts the words of a text.', inputSchema: { text: z.string() } }, async ({ text }) => ({
  content: [{ type: 'text', text: String(text.trim().split(/\s+/).filter(Boolean).length) }],
}));
await server.connect(new StdioServerTransport());
