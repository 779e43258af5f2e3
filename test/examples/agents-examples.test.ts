/**
 * examples/tools and examples/mcp run as their README lines say (the CLI,
 * the real local model, a real MCP server) and act through their tools.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { TraceEntry } from '../../src/index.js';
import { cli } from '../support/cli.js';
import { requireModel } from '../support/protocol-server.js';

const root = new URL('../../', import.meta.url).pathname;

async function runJson(config: string, input: string): Promise<{ status: string; trace: TraceEntry[]; state: Record<string, unknown> }> {
  requireModel();
  const r = await cli(['run', '-c', join(root, config), '-i', input, '--json']);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out) as { status: string; trace: TraceEntry[]; state: Record<string, unknown> };
}

test('examples/tools: the assistant calls its code tools with schema-valid arguments and answers', async () => {
  const { status, trace, state } = await runJson('examples/tools/agentflow.toml', 'What is the weather in Oslo, in Fahrenheit?');
  assert.equal(status, 'completed');
  const results = trace.filter((e) => e.type === 'tool_result');
  assert.ok(results.length >= 1, 'at least one tool ran');
  assert.ok(results.every((e) => ['weather', 'to_fahrenheit'].includes(String(e.detail?.tool)) && e.detail?.ok === true), JSON.stringify(results));
  const usage = (state.usage as Record<string, { toolCalls?: number }>).assistant!;
  assert.equal(usage.toolCalls, results.length);
  assert.equal(typeof state.response, 'string');
});

test('examples/mcp: the notetaker calls the notes MCP server it started; mcp list shows the tools', async () => {
  const { status, trace } = await runJson('examples/mcp/agentflow.toml', 'Remember to buy milk');
  assert.equal(status, 'completed');
  const results = trace.filter((e) => e.type === 'tool_result');
  assert.ok(results.length >= 1);
  assert.ok(results.every((e) => String(e.detail?.tool).startsWith('notes.') && e.detail?.ok === true), JSON.stringify(results));
  const list = await cli(['mcp', 'list', '-c', join(root, 'examples/mcp/agentflow.toml'), '--json']);
  assert.equal(list.code, 0);
  const tools = (JSON.parse(list.out) as { servers: { tools: { name: string }[] }[] }).servers[0]!.tools.map((t) => t.name);
  assert.deepEqual(tools, ['notes.add_note', 'notes.list_notes', 'notes.word_count']);
});
