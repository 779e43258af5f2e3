/**
 * runner.stream(event): tokens, tool calls, hops, outcomes and done, as they
 * happen, from LLM agents on the real model; cancellation by breaking out.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { ErrorCodes, EventFailedError, newEvent, type StreamPart } from '../../src/index.js';
import { LLMAgent, defineTool, type Tool } from '../../src/agents/index.js';
import { OpenAICompatibleProvider } from '../../src/providers/index.js';
import { startProtocolServer, type ProtocolServer } from '../support/protocol-server.js';
import { assertBalanced, testRunner, untilAborted } from '../runner/helpers.js';

let server: ProtocolServer;
before(async () => {
  server = await startProtocolServer();
});
after(async () => {
  await server.close();
});

const provider = () => new OpenAICompatibleProvider({ model: 'gemma3:1b', baseUrl: server.url, maxRetries: 0 });
const llm = (name: string, extra: Partial<ConstructorParameters<typeof LLMAgent>[0]> = {}) =>
  new LLMAgent({ name, systemPrompt: 'You tell short stories.', provider: provider(), temperature: 0, seed: 5, maxTokens: 24, ...extra });

test('stream: tokens of each LLM agent in order, the hop between them, outcomes, then done', async () => {
  const runner = testRunner();
  runner.registerAgent('writer', llm('writer', { next: 'editor' }));
  runner.registerAgent('editor', llm('editor'));
  await runner.start();
  const parts: StreamPart[] = [];
  for await (const p of runner.stream(newEvent('writer', { input: 'Once upon a time' }))) parts.push(p);
  await runner.stop();
  const kinds = parts.map((p) => p.kind);
  assert.equal(kinds.at(-1), 'done', 'done comes last');
  const done = parts.at(-1) as Extract<StreamPart, { kind: 'done' }>;
  const tokens = (agent: string) => parts.filter((p): p is Extract<StreamPart, { kind: 'token' }> => p.kind === 'token' && p.agentId === agent).map((p) => p.text).join('');
  const responses = done.result.state.get('responses') as Record<string, string>;
  assert.ok(tokens('writer').length > 0 && tokens('editor').length > 0, 'both agents streamed tokens');
  assert.equal(tokens('writer'), responses.writer, "the writer's tokens are its response");
  assert.equal(tokens('editor'), responses.editor);
  const hop = parts.find((p) => p.kind === 'hop') as Extract<StreamPart, { kind: 'hop' }>;
  assert.equal(hop.targetAgentId, 'editor');
  assert.equal(hop.hopCount, 1);
  const lastWriterToken = kinds.lastIndexOf('token', parts.findIndex((p) => p.kind === 'hop'));
  assert.ok(parts.slice(0, lastWriterToken + 1).every((p) => p.kind !== 'token' || p.agentId === 'writer'), "the writer's tokens come before the hop");
  const outcomes = parts.filter((p): p is Extract<StreamPart, { kind: 'outcome' }> => p.kind === 'outcome');
  assert.deepEqual(outcomes.map((o) => [o.outcome.agentId, o.outcome.status]), [['writer', 'completed'], ['editor', 'completed']]);
  assertBalanced(runner);
});

test('stream: tool calls and results arrive as parts', async () => {
  const runner = testRunner();
  const weather = defineTool({ name: 'weather', description: 'Weather in a city.', input: z.object({ city: z.string() }), run: ({ city }) => ({ city, celsius: 4 }) }) as Tool<never, unknown>;
  runner.registerAgent('assistant', llm('assistant', { tools: [weather], toolChoice: 'required', maxToolRounds: 1 }));
  await runner.start();
  const parts: StreamPart[] = [];
  for await (const p of runner.stream(newEvent('assistant', { input: 'Weather in Oslo?' }))) parts.push(p);
  await runner.stop();
  const call = parts.find((p) => p.kind === 'tool_call') as Extract<StreamPart, { kind: 'tool_call' }>;
  const result = parts.find((p) => p.kind === 'tool_result') as Extract<StreamPart, { kind: 'tool_result' }>;
  assert.equal(call.tool, 'weather');
  assert.equal(call.callId, result.callId);
  assert.equal(result.ok, true);
  assert.deepEqual(JSON.parse(result.result!), { city: JSON.parse(call.arguments).city, celsius: 4 });
  assert.ok(parts.indexOf(call) < parts.indexOf(result));
});

test('stream: breaking out of the loop cancels the chain; the next agent never runs; the runner keeps running', async () => {
  const runner = testRunner();
  let editorRan = false;
  let aborted: unknown;
  runner.registerAgent('writer', async (ctx, ev, state) => {
    ctx.report({ kind: 'token', text: 'Once' });
    await untilAborted(ctx.signal).catch((e: unknown) => {
      aborted = e;
      throw e;
    });
    return state.clone().setMeta('route', 'editor');
  });
  runner.registerAgent('editor', (ctx, ev, state) => {
    editorRan = true;
    return state;
  });
  await runner.start();
  const ev = newEvent('writer', {});
  for await (const p of runner.stream(ev)) {
    if (p.kind === 'token') break;
  }
  await runner.drain();
  assert.equal((aborted as { code?: string }).code, ErrorCodes.CANCELLED, "the running agent's signal fired with the cancellation");
  assert.equal(editorRan, false);
  const end = runner.dumpTrace(ev.getSessionId()).find((e) => e.type === 'event_end');
  assert.equal(end?.status, 'failed');
  assert.equal(end?.reason, 'cancelled');
  const { state } = await runner.run(newEvent('editor', {}));
  assert.ok(state);
  await runner.stop();
  assertBalanced(runner);
});

test('stream: an AbortSignal cancels too; a failed chain throws EventFailedError after its parts', async () => {
  const runner = testRunner();
  runner.registerAgent('slow', async (ctx) => untilAborted(ctx.signal));
  runner.registerAgent('bad', () => {
    throw new Error('nope');
  });
  await runner.start();
  const ac = new AbortController();
  const seen: string[] = [];
  setTimeout(() => ac.abort(), 20);
  await assert.rejects(
    (async () => {
      for await (const p of runner.stream(newEvent('slow', {}), { signal: ac.signal })) seen.push(p.kind);
    })(),
    (err: unknown) => err instanceof EventFailedError && err.reason === 'cancelled',
  );
  const parts: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const p of runner.stream(newEvent('bad', {}))) parts.push(p.kind);
    })(),
    (err: unknown) => err instanceof EventFailedError && err.reason === 'agent_error',
  );
  assert.deepEqual(parts, ['outcome']);
  await runner.stop();
  assertBalanced(runner);
});
