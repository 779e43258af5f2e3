/**
 * Regression tests for LLM provider defects found with hostile servers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { OllamaProvider } from '../../src/providers/index.js';
import { classifyError } from '../../src/reliability/index.js';

async function hostile(handle: (res: ServerResponse) => void): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => handle(res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  return { url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`, server };
}

/** Writes `total` bytes of `fill` to the response, respecting backpressure. */
function flood(res: ServerResponse, total: number, fill: string): void {
  const chunk = fill.repeat(64 * 1024);
  let sent = 0;
  res.on('error', () => undefined);
  const pump = (): void => {
    while (sent < total) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    res.end();
  };
  pump();
}

const ask = (p: OllamaProvider) => p.chat({ messages: [{ role: 'user', content: 'hi' }] });

test('defect: a flooding server grew memory without bound (responses are bounded; one huge line is split in linear time)', async () => {
  const { url, server } = await hostile((res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    flood(res, 64 * 1024 * 1024, 'x');
  });
  const p = new OllamaProvider({ model: 'm', baseUrl: url, maxRetries: 0, maxResponseBytes: 2 * 1024 * 1024 });
  await assert.rejects(ask(p), (e: Error & { code?: string }) => e.code === 'AF_ERR_LLM_RESPONSE' && /maxResponseBytes/.test(e.message));
  server.closeAllConnections();
  server.close();
});

test('defect: a 100 MB error body was read whole', async () => {
  const { url, server } = await hostile((res) => {
    res.writeHead(400, { 'content-type': 'text/plain' });
    flood(res, 100 * 1024 * 1024, 'e');
  });
  const p = new OllamaProvider({ model: 'm', baseUrl: url, maxRetries: 0 });
  await assert.rejects(ask(p), (e: Error & { code?: string }) => e.code === 'AF_ERR_LLM_RESPONSE' && e.message.length < 2000);
  server.closeAllConnections();
  server.close();
});

test('defect: a connection dropped mid-stream escaped as an untyped TypeError', async () => {
  const { url, server } = await hostile((res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.write('{"message":{"role":"assistant","content":"par"},"done":false}\n');
    setTimeout(() => res.socket?.destroy(), 20);
  });
  const p = new OllamaProvider({ model: 'm', baseUrl: url, maxRetries: 0 });
  await assert.rejects(ask(p), (e: Error & { code?: string; retryable?: boolean }) => e.code === 'AF_ERR_LLM_RESPONSE' && /dropped mid-stream/.test(e.message) && e.retryable === true);
  server.close();
});

test('defect: the provider timeout message named the URL as the event; malformed JSON was retryable', async () => {
  const { url, server } = await hostile(() => undefined); // never answers
  const p = new OllamaProvider({ model: 'm', baseUrl: url, maxRetries: 0, timeoutMs: 50 });
  await assert.rejects(ask(p), (e: Error & { code?: string }) => e.code === 'AF_ERR_TIMEOUT' && e.message.includes(url) && !/on event/.test(e.message));
  server.closeAllConnections();
  server.close();
  const { url: url2, server: s2 } = await hostile((res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.end('{not json\n');
  });
  const q = new OllamaProvider({ model: 'm', baseUrl: url2, maxRetries: 0 });
  const err = await ask(q).then(() => undefined, (e: unknown) => e);
  assert.equal((err as { code?: string }).code, 'AF_ERR_LLM_RESPONSE');
  assert.equal(classifyError(err).retryable, false);
  s2.close();
});

test('defect: credentials in base_url reached error messages; provider errors print the URL without user, password or secret query parameters', async () => {
  const { redactUrl } = await import('../../src/core/redact.js');
  assert.equal(redactUrl('http://user:supersecret@127.0.0.1:11434'), 'http://***@127.0.0.1:11434');
  assert.equal(redactUrl('https://api.example.com/v1?key=abc123&model=m'), 'https://api.example.com/v1?key=***&model=m');
  assert.equal(redactUrl('redis://:pw@127.0.0.1:6379'), 'redis://***@127.0.0.1:6379');
  assert.equal(redactUrl('http://127.0.0.1:11434'), 'http://127.0.0.1:11434');
  // A closed port: the connection is refused at once.
  const port = await new Promise<number>((ok) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => ok(p));
    });
  });
  const p = new OllamaProvider({ model: 'm', baseUrl: `http://user:supersecret@127.0.0.1:${port}?token=tok-789`, maxRetries: 0 });
  const err = await p.chat({ messages: [{ role: 'user', content: 'hi' }] }).then(
    () => undefined,
    (e: unknown) => e as Error & { code?: string; details?: Record<string, unknown> },
  );
  assert.ok(err);
  assert.equal(err.code, 'AF_ERR_LLM_UNREACHABLE');
  const printed = `${err.message} ${JSON.stringify(err.details)}`;
  assert.ok(!printed.includes('supersecret') && !printed.includes('tok-789'), printed);
  assert.match(err.message, /\*\*\*@127\.0\.0\.1/);
  // A server that echoes the request's Authorization header or key in its error body.
  const { errorMessageOf } = await import('../../src/providers/http.js');
  const echoed = errorMessageOf(JSON.stringify({ error: { message: 'invalid api key sk-live1234567890abcd (Authorization: Bearer tok-abcdefghij)' } }));
  assert.ok(!echoed.includes('sk-live1234567890abcd') && !echoed.includes('tok-abcdefghij'), echoed);
});
