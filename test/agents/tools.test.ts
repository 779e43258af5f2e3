/**
 * Tools and handoffs on real parts: the protocol server answering from the
 * real tiny model (tool calls constrained by a grammar), the OpenAI and
 * Ollama wire formats, and the offline llama-cpp provider.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { AgentflowError, ErrorCodes, EventFailedError, newEvent, type TraceEntry } from '../../src/index.js';
import { LLMAgent, defineTool, type Tool } from '../../src/agents/index.js';
import { OllamaProvider, OpenAICompatibleProvider, type LLMProvider } from '../../src/providers/index.js';
import { LlamaCppProvider } from '../../src/providers/llama-cpp.js';
import { retryPolicy } from '../../src/reliability/index.js';
import { startProtocolServer, requireModel, type ProtocolServer } from '../support/protocol-server.js';
import { assertBalanced, testRunner } from '../runner/helpers.js';

let server: ProtocolServer;
before(async () => {
  server = await startProtocolServer();
});
after(async () => {
  await server.close();
});

const openai = () => new OpenAICompatibleProvider({ model: 'gemma3:1b', baseUrl: server.url, maxRetries: 0 });
const ollama = () => new OllamaProvider({ model: 'gemma3:1b', baseUrl: server.url, maxRetries: 0 });

function weatherTool(seen: unknown[]): Tool<never, unknown> {
  return defineTool({
    name: 'weather',
    description: 'Current weather in a city.',
    input: z.object({ city: z.string(), days: z.number().int().optional() }),
    run: ({ city }) => {
      seen.push(city);
      return { city, celsius: 4, sky: 'clear' };
    },
  }) as Tool<never, unknown>;
}

function agent(provider: LLMProvider, tools: Tool<never, unknown>[], extra: Partial<ConstructorParameters<typeof LLMAgent>[0]> = {}) {
  return new LLMAgent({ name: 'assistant', systemPrompt: 'You answer questions about the weather.', provider, tools, temperature: 0, seed: 3, maxTokens: 32, toolChoice: 'required', ...extra });
}

const ofType = (trace: TraceEntry[], type: string) => trace.filter((e) => e.type === type);

// Ollama has no tool_choice: the tiny model would answer without a call, so the first turn is a forced call there.
for (const [wire, make, force] of [
  ['OpenAI-compatible (streamed tool-call deltas, tool_choice required)', openai, false],
  ['Ollama /api/chat (first call forced; Ollama cannot require one)', ollama, true],
] as const) {
  test(`tools over ${wire}: the model calls a tool, the result goes back, the model answers`, async () => {
    const seen: unknown[] = [];
    const runner = testRunner();
    runner.registerAgent('assistant', agent(make(), [weatherTool(seen)], { maxToolRounds: 1 }));
    await runner.start();
    if (force) server.forceToolCall('weather', '{"city":"Oslo"}');
    const before = server.requests.length;
    const { state, sessionId } = await runner.run(newEvent('assistant', { input: 'What is the weather in Oslo?' }));
    await runner.stop();
    assert.equal(seen.length, 1, 'the tool ran once');
    assert.equal(typeof seen[0], 'string', 'with a schema-valid argument');
    const reqs = server.requests.slice(before);
    assert.equal(reqs.length, 2, 'one call that asked for the tool, one that answered');
    const first = reqs[0]!.body as { tools?: { function: { name: string; parameters: { properties: Record<string, unknown> } } }[] };
    assert.equal(first.tools?.[0]?.function.name, 'weather');
    assert.ok(first.tools?.[0]?.function.parameters.properties.city, 'the zod schema went out as JSON Schema');
    const second = reqs[1]!.body as { messages: { role: string; content: string; tool_calls?: unknown[] }[] };
    const toolMsg = second.messages.find((m) => m.role === 'tool');
    assert.ok(toolMsg, 'the tool result was sent back');
    assert.deepEqual(JSON.parse(toolMsg.content), { city: seen[0], celsius: 4, sky: 'clear' });
    assert.ok(second.messages.some((m) => m.role === 'assistant' && Array.isArray(m.tool_calls)), 'with the call it answers');
    assert.equal(typeof state.get('response'), 'string');
    const usage = (state.get('usage') as Record<string, { toolRounds?: number; toolCalls?: number }>).assistant!;
    assert.equal(usage.toolRounds, 1);
    assert.equal(usage.toolCalls, 1);
    const trace = runner.dumpTrace(sessionId);
    const [call] = ofType(trace, 'tool_call');
    const [result] = ofType(trace, 'tool_result');
    assert.equal(call?.detail?.tool, 'weather');
    assert.equal(result?.detail?.ok, true);
    assert.equal(typeof result?.durationMs, 'number');
    assert.ok(!JSON.stringify(trace).includes('clear'), 'the trace holds sizes, not the result');
    assertBalanced(runner);
  });
}

test('tools on the offline llama-cpp provider: grammar-constrained calls with schema-valid arguments', async () => {
  const provider = new LlamaCppProvider({ model: 'stories', modelPath: requireModel(), threads: 1, contextSize: 1024 });
  const sums: number[] = [];
  const add = defineTool({
    name: 'add',
    description: 'Adds two numbers.',
    input: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
    run: (input) => {
      const { a, b } = input as { a: number; b: number };
      sums.push(a + b);
      return a + b;
    },
  });
  const runner = testRunner();
  runner.registerAgent('calc', new LLMAgent({ name: 'calc', systemPrompt: 'You add numbers.', provider, tools: [add as Tool<never, unknown>], toolChoice: { name: 'add' }, temperature: 0, seed: 1, maxTokens: 32 }));
  await runner.start();
  try {
    const { state } = await runner.run(newEvent('calc', { input: 'What is 2 plus 3?' }));
    assert.equal(sums.length, 1, 'the JSON Schema tool ran once');
    assert.ok(Number.isFinite(sums[0]), 'with numbers, as its schema demands');
    assert.equal(typeof state.get('response'), 'string');
  } finally {
    await runner.stop();
  }
});

test('handoff: the model transfers to a declared agent; the chain routes there with its trace', async () => {
  const runner = testRunner();
  runner.registerAgent('triage', new LLMAgent({ name: 'triage', systemPrompt: 'Route the customer.', provider: openai(), handoffs: ['billing', { agent: 'support', description: 'Technical problems.' }], toolChoice: { name: 'transfer_to_billing' }, temperature: 0, seed: 1, maxTokens: 16 }));
  runner.registerAgent('billing', (ctx, ev, state) => state.clone().set('handledBy', 'billing'));
  await runner.start();
  const { state, agentId, sessionId, events } = await runner.run(newEvent('triage', { input: 'I was charged twice.' }));
  await runner.stop();
  assert.equal(agentId, 'billing');
  assert.equal(state.get('handledBy'), 'billing');
  assert.equal(events, 2);
  const hand = ofType(runner.dumpTrace(sessionId), 'handoff');
  assert.deepEqual(hand.map((e) => [e.agentId, e.detail?.to, e.detail?.accepted]), [['triage', 'billing', true]]);
  const sent = server.requests.at(-1)!.body as { tools: { function: { name: string } }[] };
  assert.ok(sent.tools.some((t) => t.function.name === 'transfer_to_support'), 'every declared handoff is offered');
});

test('handoff to an undeclared agent: the model is told and asked again, within the bound', async () => {
  const runner = testRunner();
  runner.registerAgent('triage', new LLMAgent({ name: 'triage', systemPrompt: 'Route.', provider: openai(), handoffs: ['billing'], temperature: 0, seed: 1, maxTokens: 16, maxToolRounds: 3 }));
  runner.registerAgent('billing', (ctx, ev, state) => state);
  await runner.start();
  server.forceToolCall('transfer_to_marketing', '{}');
  server.forceToolCall('transfer_to_billing', '{}');
  const before = server.requests.length;
  const { agentId, sessionId } = await runner.run(newEvent('triage', { input: 'hi' }));
  await runner.stop();
  assert.equal(agentId, 'billing');
  const second = server.requests[before + 1]!.body as { messages: { role: string; content: string }[] };
  assert.match(second.messages.find((m) => m.role === 'tool')!.content, /no tool "transfer_to_marketing".*transfer_to_billing/);
  const hand = ofType(runner.dumpTrace(sessionId), 'handoff');
  assert.deepEqual(hand.map((e) => [e.detail?.to, e.detail?.accepted]), [['marketing', false], ['billing', true]]);
});

test('a model that calls a missing tool or sends invalid arguments is told so and asked again', async () => {
  const seen: unknown[] = [];
  const runner = testRunner();
  runner.registerAgent('assistant', agent(openai(), [weatherTool(seen)], { toolChoice: 'auto' }));
  await runner.start();
  server.forceToolCall('forecast', '{"city":"Oslo"}');
  server.forceToolCall('weather', '{"town":"Oslo"}');
  server.forceToolCall('weather', '{"city": Oslo}');
  server.forceToolCall('weather', '{"city":"Oslo"}');
  const before = server.requests.length;
  const { sessionId } = await runner.run(newEvent('assistant', { input: 'Weather in Oslo?' }));
  await runner.stop();
  assert.equal(seen[0], 'Oslo', 'the invalid calls did not run; the valid one did');
  const toolMsgs = (server.requests[before + 4]!.body as { messages: { role: string; content: string }[] }).messages.filter((m) => m.role === 'tool').map((m) => m.content);
  assert.match(toolMsgs[0]!, /no tool "forecast"\. Available tools: weather/);
  assert.match(toolMsgs[1]!, /invalid arguments for weather: city: /);
  assert.match(toolMsgs[2]!, /not valid JSON/);
  assert.deepEqual(JSON.parse(toolMsgs[3]!).city, 'Oslo');
  const results = ofType(runner.dumpTrace(sessionId), 'tool_result');
  assert.deepEqual(results.slice(0, 4).map((e) => [e.detail?.ok, e.error?.code ?? null]), [
    [false, ErrorCodes.TOOL_INVALID],
    [false, ErrorCodes.TOOL_INVALID],
    [false, ErrorCodes.TOOL_INVALID],
    [true, null],
  ]);
  assertBalanced(runner);
});

test('a model looping on tool calls fails typed after maxToolRounds; the runner keeps running', async () => {
  const seen: unknown[] = [];
  const runner = testRunner();
  runner.registerAgent('assistant', agent(openai(), [weatherTool(seen)], { maxToolRounds: 2 }));
  await runner.start();
  server.forceToolCall('weather', '{"city":"Oslo"}', 3);
  await assert.rejects(runner.run(newEvent('assistant', { input: 'Weather?' })), (err: unknown) => {
    assert.ok(err instanceof EventFailedError);
    assert.equal((err.cause as AgentflowError).code, ErrorCodes.TOOL_ROUNDS_EXCEEDED);
    return true;
  });
  assert.equal(seen.length, 2);
  runner.registerAgent('echo', (ctx, ev, state) => state);
  await runner.run(newEvent('echo', {}));
  await runner.stop();
  assertBalanced(runner);
});

test('tool faults: throws (told to the model), non-JSON result (told), huge result (cut), hang (typed timeout, retried by the policy)', async () => {
  let hangs = 0;
  const tools = [
    defineTool({ name: 'boom', description: 'Fails.', input: z.object({}), run: () => { throw new Error('disk on fire'); } }),
    defineTool({ name: 'weird', description: 'Returns a BigInt.', input: z.object({}), run: () => 10n }),
    defineTool({ name: 'flood', description: 'Returns a lot.', input: z.object({}), run: () => 'x'.repeat(100_000) }),
    defineTool({ name: 'hang', description: 'Never returns.', input: z.object({}), timeoutMs: 100, run: () => { hangs++; return new Promise(() => undefined); } }),
  ] as Tool<never, unknown>[];
  const runner = testRunner({ retry: retryPolicy({ maxRetries: 1, baseDelayMs: 1, jitter: false }) });
  runner.registerAgent('assistant', agent(openai(), tools, { maxToolResultChars: 1000, toolChoice: 'auto' }));
  await runner.start();
  server.forceToolCall('boom', '{}');
  server.forceToolCall('weird', '{}');
  server.forceToolCall('flood', '{}');
  await runner.run(newEvent('assistant', { input: 'go' }));
  const msgs = (server.requests.at(-1)!.body as { messages: { role: string; content: string }[] }).messages.filter((m) => m.role === 'tool').map((m) => m.content);
  assert.match(msgs[0]!, /boom failed: disk on fire/);
  assert.match(msgs[1]!, /weird returned a value that is not JSON/);
  assert.ok(msgs[2]!.length < 1100 && /truncated: 99000 more characters/.test(msgs[2]!), 'the flood was cut to maxToolResultChars');

  server.forceToolCall('hang', '{}', 2);
  await assert.rejects(runner.run(newEvent('assistant', { input: 'go' })), (err: unknown) => {
    assert.ok(err instanceof EventFailedError);
    assert.equal((err.cause as AgentflowError).code, ErrorCodes.TOOL_TIMEOUT);
    return true;
  });
  assert.equal(hangs, 2, 'the timeout is retryable: the policy ran the event twice');
  await runner.stop();
  assertBalanced(runner);
});

test('defineTool rejects bad definitions with typed errors naming the tool', () => {
  const bad = (def: unknown, re: RegExp) =>
    assert.throws(() => defineTool(def as Parameters<typeof defineTool>[0]), (e: unknown) => e instanceof AgentflowError && e.code === ErrorCodes.TOOL_INVALID && re.test(e.message));
  bad({ name: 'has space', description: 'x', input: z.object({}), run: () => 1 }, /tool "has space".*1–64 letters/);
  bad({ name: 'ok', description: '', input: z.object({}), run: () => 1 }, /needs a description/);
  bad({ name: 'ok', description: 'x', input: z.object({}) }, /run\(input, ctx\)/);
  bad({ name: 'ok', description: 'x', input: 'nope', run: () => 1 }, /zod schema or a JSON Schema/);
  bad({ name: 'ok', description: 'x', input: z.object({}), timeoutMs: -1, run: () => 1 }, /timeoutMs must be a positive number/);
  const t = defineTool({ name: 'x', description: 'x', input: z.object({}), run: () => 1 }) as Tool<never, unknown>;
  assert.throws(() => new LLMAgent({ name: 'a', systemPrompt: 's', provider: openai(), tools: [t, t] }), /tool "x" \(agent "a"\): is given twice/);
});
