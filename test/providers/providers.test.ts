import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { ErrorCodes } from '../../src/index.js';
import {
  OllamaProvider,
  OpenAICompatibleProvider,
  LLMModelNotFoundError,
  LLMUnreachableError,
  LLMResponseError,
  UnknownProviderError,
  createProvider,
  listProviders,
  registerProvider,
  type ChatRequest,
} from '../../src/providers/index.js';
import { LlamaCppProvider } from '../../src/providers/llama-cpp.js';
import { startProtocolServer, requireModel, type ProtocolServer } from '../support/protocol-server.js';

let server: ProtocolServer;
before(async () => {
  server = await startProtocolServer();
});
after(async () => {
  await server.close();
});

const req = (content = 'Once upon a time', extra: Partial<ChatRequest> = {}): ChatRequest => ({
  messages: [
    { role: 'system', content: 'You tell short stories.' },
    { role: 'user', content },
  ],
  temperature: 0,
  seed: 7,
  maxTokens: 24,
  ...extra,
});

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

for (const [name, make] of [
  ['ollama', () => new OllamaProvider({ model: 'gemma3:1b', baseUrl: server.url, retryBaseDelayMs: 5 })],
  ['openai', () => new OpenAICompatibleProvider({ model: 'gemma3:1b', baseUrl: server.url, retryBaseDelayMs: 5 })],
] as const) {
  test(`${name}: streams real model tokens one by one; they add up to the content; usage is counted`, async () => {
    const p = make();
    const tokens: string[] = [];
    const res = await p.chat(req(), { onToken: (t) => tokens.push(t) });
    assert.ok(tokens.length > 3, `got ${tokens.length} tokens`);
    assert.equal(tokens.join(''), res.content);
    assert.match(res.content, /[a-z]{3,}/i);
    assert.ok(res.usage.promptTokens > 0 && res.usage.completionTokens > 0);
    assert.equal(res.usage.totalTokens, res.usage.promptTokens + res.usage.completionTokens);
    const streamed: string[] = [];
    for await (const t of p.stream(req())) streamed.push(t);
    assert.equal(streamed.join(''), res.content, 'temperature 0 + seed is deterministic, also through stream()');
  });

  test(`${name}: an unknown model is LLMModelNotFoundError with what to do`, async () => {
    const p = make();
    await assert.rejects(p.chat(req('x', { model: 'nope:7b' })), (e: LLMModelNotFoundError) => {
      assert.equal(e.code, ErrorCodes.LLM_MODEL_NOT_FOUND);
      if (name === 'ollama') assert.match(e.message, /ollama pull nope:7b/);
      assert.match(e.message, /\[llm\] model/);
      return true;
    });
  });

  test(`${name}: transient 500 and 429 are retried and then succeed`, async () => {
    const p = make();
    server.injectFault('status-500');
    const a = await p.chat(req());
    assert.ok(a.content.length > 0);
    server.injectFault('status-429');
    const b = await p.chat(req());
    assert.equal(b.content, a.content);
  });

  test(`${name}: a malformed stream is LLMResponseError naming the problem; a mid-stream error surfaces`, async () => {
    const p = make();
    server.injectFault('malformed');
    await assert.rejects(p.chat(req()), (e: LLMResponseError) => e.code === ErrorCodes.LLM_RESPONSE && /malformed/.test(e.message));
    server.injectFault('midstream-error');
    await assert.rejects(p.chat(req('Lily went', { maxTokens: 40 })), (e: LLMResponseError) => e.code === ErrorCodes.LLM_RESPONSE && /crashed mid-stream/.test(e.message));
  });

  test(`${name}: a hanging server times out promptly; the caller's signal aborts`, async () => {
    const p = name === 'ollama' ? new OllamaProvider({ model: 'gemma3:1b', baseUrl: server.url, timeoutMs: 150, maxRetries: 0 }) : new OpenAICompatibleProvider({ model: 'gemma3:1b', baseUrl: server.url, timeoutMs: 150, maxRetries: 0 });
    server.injectFault('hang');
    const t0 = Date.now();
    await assert.rejects(p.chat(req()), (e: { code: string }) => e.code === ErrorCodes.TIMEOUT);
    assert.ok(Date.now() - t0 < 3000);
    server.injectFault('hang');
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('user cancelled')), 50);
    await assert.rejects(make().chat(req(), { signal: ac.signal }), /user cancelled/);
  });
}

test('ollama: connection refused is LLMUnreachableError with the `ollama serve` hint, after retries', async () => {
  const port = await closedPort();
  const p = new OllamaProvider({ model: 'gemma3:1b', baseUrl: `http://127.0.0.1:${port}`, maxRetries: 2, retryBaseDelayMs: 5 });
  await assert.rejects(p.chat(req()), (e: LLMUnreachableError) => e.code === ErrorCodes.LLM_UNREACHABLE && /ollama serve/.test(e.message) && e.retryable);
  const o = new OpenAICompatibleProvider({ model: 'm', baseUrl: `http://127.0.0.1:${port}`, maxRetries: 0 });
  await assert.rejects(o.chat(req()), LLMUnreachableError);
});

test('ollama: listModels and OLLAMA_HOST', async () => {
  const p = new OllamaProvider({ model: 'gemma3:1b', env: { OLLAMA_HOST: server.url.replace('http://', '') } });
  assert.equal(p.baseUrl, server.url);
  assert.deepEqual(await p.listModels(), ['gemma3:1b']);
});

test('openai: the API key comes from the environment variable named by apiKeyEnv', async () => {
  const p = new OpenAICompatibleProvider({ model: 'gemma3:1b', baseUrl: `${server.url}/v1`, apiKeyEnv: 'TEST_KEY', env: { TEST_KEY: 'sk-test' } });
  const before = server.requests.length;
  await p.chat(req('Tim', { maxTokens: 4 }));
  assert.equal(server.requests.length, before + 1);
});

test('llama-cpp: runs the model directly, deterministic at temperature 0, streams, aborts', async () => {
  const p = new LlamaCppProvider({ model: 'stories', modelPath: requireModel() });
  try {
    const tokens: string[] = [];
    const a = await p.chat(req(), { onToken: (t) => tokens.push(t) });
    const b = await p.chat(req());
    assert.equal(a.content, b.content);
    assert.ok(tokens.length > 3);
    assert.equal(tokens.join(''), a.content);
    assert.ok(a.usage.promptTokens > 0 && a.usage.completionTokens > 0);
    const ac = new AbortController();
    const pending = p.chat(req('Once upon a time', { maxTokens: 400 }), { signal: ac.signal, onToken: () => ac.abort(new Error('stop now')) });
    await assert.rejects(pending, /stop now/);
    const c = await p.chat(req());
    assert.equal(c.content, a.content, 'usable after an abort');
  } finally {
    await p.close();
  }
});

test('registry: built-ins, custom providers, unknown names', async () => {
  assert.ok(['ollama', 'openai', 'openai-compatible', 'llama-cpp'].every((n) => listProviders().includes(n)));
  assert.ok((await createProvider({ provider: 'ollama', model: 'm', baseUrl: server.url })) instanceof OllamaProvider);
  const lc = await createProvider({ provider: 'llama-cpp', model: 'm', modelPath: requireModel() });
  assert.equal(lc.name, 'llama-cpp');
  registerProvider('echo', (c) => ({
    name: 'echo',
    model: c.model,
    chat: async (r) => ({ content: r.messages.at(-1)!.content, model: c.model, usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 }, finishReason: 'stop', durationMs: 0 }),
    async *stream(r) {
      yield r.messages.at(-1)!.content;
    },
  }));
  assert.equal((await (await createProvider({ provider: 'echo', model: 'e' })).chat(req('hi'))).content, 'hi');
  await assert.rejects(createProvider({ provider: 'olama', model: 'm' }), (e: UnknownProviderError) => e.code === ErrorCodes.LLM_UNKNOWN_PROVIDER && /ollama/.test(e.message));
});

test('a slow stream past the timeout fails with TimeoutError mid-body', async () => {
  const p = new OllamaProvider({ model: 'gemma3:1b', baseUrl: server.url, timeoutMs: 150, maxRetries: 0 });
  server.injectFault('slow');
  await assert.rejects(p.chat(req()), (e: { code: string }) => e.code === ErrorCodes.TIMEOUT);
});

test('circuitBreakerProvider: a dead server opens the breaker, then calls fail fast without a request', async () => {
  const { circuitBreakerProvider } = await import('../../src/providers/index.js');
  const { CircuitOpenError } = await import('../../src/reliability/index.js');
  const port = await closedPort();
  const guarded = circuitBreakerProvider(new OllamaProvider({ model: 'gemma3:1b', baseUrl: `http://127.0.0.1:${port}`, maxRetries: 0 }), { failureThreshold: 2, resetTimeoutMs: 60_000 });
  await assert.rejects(guarded.chat(req()), LLMUnreachableError);
  await assert.rejects(guarded.chat(req()), LLMUnreachableError);
  assert.equal(guarded.breaker.state, 'open');
  const t0 = Date.now();
  await assert.rejects(guarded.chat(req()), CircuitOpenError);
  assert.ok(Date.now() - t0 < 50);
  const ok = circuitBreakerProvider(new OllamaProvider({ model: 'gemma3:1b', baseUrl: server.url }));
  assert.ok((await ok.chat(req())).content.length > 0);
  assert.equal(ok.breaker.state, 'closed');
});

test('embeddings: Ollama /api/embed and OpenAI-compatible /v1/embeddings return the model’s vectors, in order; an unknown model is typed', async () => {
  const texts = ['The cat sat on the mat.', 'Rockets reach orbit.'];
  const ollama = await new OllamaProvider({ model: 'gemma3:1b', baseUrl: server.url, maxRetries: 0 }).embed(texts);
  const openai = await new OpenAICompatibleProvider({ model: 'gemma3:1b', baseUrl: server.url, maxRetries: 0 }).embed(texts);
  const local = new LlamaCppProvider({ model: 's', modelPath: requireModel(), threads: 1 });
  const direct = await local.embed(texts);
  await local.close();
  assert.equal(ollama.length, 2);
  assert.ok(ollama[0]!.length > 0 && ollama[0]!.every(Number.isFinite));
  assert.deepEqual(openai, ollama, 'both wire formats carry the same vectors');
  assert.deepEqual(ollama.map((v) => v.length), direct.map((v) => v.length));
  assert.notDeepEqual(ollama[0], ollama[1]);
  assert.deepEqual(await new OllamaProvider({ model: 'gemma3:1b', baseUrl: server.url }).embed([]), []);
  await assert.rejects(new OllamaProvider({ model: 'nope', baseUrl: server.url, maxRetries: 0 }).embed(['x']), (e: unknown) => e instanceof LLMModelNotFoundError);
});
