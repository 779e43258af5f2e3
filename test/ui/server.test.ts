/**
 * The viewer's HTTP API: sessions and traces from a live runner, the live
 * tail, bad ids, path traversal, oversized URLs and queries, tokens for
 * non-loopback binds, and replay only with write access.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { newEvent, UnrecoverableError } from '../../src/index.js';
import { DeadLetterQueue } from '../../src/reliability/index.js';
import { attachUi, startUi } from '../../src/ui/index.js';
import { testRunner } from '../runner/helpers.js';

/** A raw GET (fetch would normalise the path before sending it). */
function rawGet(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

test('ui api: sessions and traces of a live runner; bad ids, traversal, oversized input; replay needs write', async () => {
  const dlq = new DeadLetterQueue();
  const r = testRunner({ deadLetter: dlq });
  let broken = true;
  r.registerAgent('a', (_c, _e, s) => s.clone().setMeta('route', 'b'));
  r.registerAgent('b', (_c, _e, s) => s);
  r.registerAgent('bad', (_c, _e, s) => {
    if (broken) throw new UnrecoverableError('bad is broken');
    return s;
  });
  await r.start();
  const ro = await attachUi(r, { port: 0, deadLetters: dlq });
  const rw = await attachUi(r, { port: 0, deadLetters: dlq, write: true });
  try {
    await r.run(newEvent('a', { x: 1 }, { session_id: 'chain-1' }));
    await r.drain();
    await r.run(newEvent('bad', {}, { session_id: 'oops-1' })).catch(() => undefined);
    const base = ro.url.replace(/\/$/, '');
    const sessions = (await (await fetch(`${base}/api/sessions`)).json()) as { sessionId: string; events: number; failed: number }[];
    assert.deepEqual(sessions.map((s) => [s.sessionId, s.events, s.failed]), [['oops-1', 1, 1], ['chain-1', 2, 0]]);
    const t = (await (await fetch(`${base}/api/sessions/chain-1`)).json()) as { entries: { type: string; agentId: string }[] };
    assert.deepEqual(t.entries.filter((e) => e.type === 'event_end').map((e) => e.agentId), ['a', 'b']);
    const byEvent = (await (await fetch(`${base}/api/sessions?q=${t.entries[0] ? (t.entries as unknown as { eventId: string }[])[0]!.eventId.slice(0, 8) : ''}`)).json()) as { sessionId: string }[];
    assert.deepEqual(byEvent.map((s) => s.sessionId), ['chain-1'], 'search by event id');

    assert.equal((await fetch(`${base}/api/sessions/nope`)).status, 404);
    assert.equal((await rawGet(ro.port, '/api/sessions/%ZZ')).status, 400);
    assert.equal((await rawGet(ro.port, `/api/sessions/${'x'.repeat(600)}`)).status, 400);
    assert.equal((await rawGet(ro.port, '/api/sessions/..%2F..%2Fetc%2Fpasswd')).status, 400);
    for (const p of ['/../../etc/passwd', '/app.js/../../package.json', '/assets/../index.ts', '/%2e%2e/%2e%2e/etc/passwd']) {
      const res = await rawGet(ro.port, p);
      assert.ok(res.status === 404 && !res.body.includes('root:'), `${p} → ${res.status}`);
    }
    assert.equal((await rawGet(ro.port, `/api/sessions?q=${'q'.repeat(300)}`)).status, 400);
    assert.equal((await rawGet(ro.port, `/api/sessions?q=${'q'.repeat(3000)}`)).status, 414);
    const page = await rawGet(ro.port, '/');
    assert.equal(page.status, 200);
    assert.match(page.body, /<script src="app.js">/);

    const [dead] = dlq.list();
    assert.ok(dead);
    assert.equal((await fetch(`${base}/api/dead-letters/${dead.id}/replay`, { method: 'POST' })).status, 403, 'read-only by default');
    broken = false;
    const res = await fetch(`${rw.url.replace(/\/$/, '')}/api/dead-letters/${dead.id}/replay`, { method: 'POST' });
    assert.equal(res.status, 200);
    await r.drain();
    assert.equal(dlq.size(), 0);
    const oops = (await (await fetch(`${base}/api/sessions/oops-1`)).json()) as { entries: { type: string; status?: string }[] };
    assert.deepEqual(oops.entries.filter((e) => e.type === 'event_end').map((e) => e.status), ['dead_lettered', 'completed']);
  } finally {
    ro.detach();
    rw.detach();
    await ro.close();
    await rw.close();
    await r.stop();
  }
});

test('ui api: the live tail streams entries as they are written', async () => {
  const r = testRunner();
  r.registerAgent('a', (_c, _e, s) => s);
  await r.start();
  const ui = await attachUi(r, { port: 0 });
  const ac = new AbortController();
  try {
    const res = await fetch(`${ui.url}api/stream`, { signal: ac.signal });
    const reader = res.body!.getReader();
    r.emit(newEvent('a', {}, { session_id: 'tail-1' }));
    let text = '';
    while (!text.includes('"event_end"')) text += new TextDecoder().decode((await reader.read()).value);
    assert.match(text, /data: \{"type":"pending".*"sessionId":"tail-1"/);
    assert.match(text, /data: \{"type":"entry".*"sessionId":"tail-1"/);
  } finally {
    ac.abort();
    await ui.close();
    await r.stop();
  }
});

test('ui api: a non-loopback bind needs a token (refused before binding); with a token, every request must carry it', async () => {
  await assert.rejects(startUi({ host: '0.0.0.0', port: 0 }), (e: Error & { code?: string }) => e.code === 'AF_ERR_INVALID_OPTION' && /needs a token/.test(e.message));
  await assert.rejects(startUi({ port: 0, token: 'short' }), /at least 16/);
  // A token is enforced whenever it is set (the test stays on loopback: it never binds another address).
  const ui = await startUi({ host: '127.0.0.1', port: 0, token: 'a-long-enough-token-123' });
  try {
    assert.equal((await rawGet(ui.port, '/api/sessions')).status, 401);
    assert.equal((await rawGet(ui.port, '/')).status, 401);
    assert.equal((await rawGet(ui.port, '/api/sessions', { authorization: 'Bearer wrong-token-of-some-len' })).status, 401);
    assert.equal((await rawGet(ui.port, '/api/sessions', { authorization: 'Bearer a-long-enough-token-123' })).status, 200);
    assert.equal((await rawGet(ui.port, '/api/sessions?token=a-long-enough-token-123')).status, 200);
    assert.match(ui.url, /\?token=a-long-enough-token-123$/);
  } finally {
    await ui.close();
  }
});

test('ui api: an event with its input, output and dead-letter record; per-agent figures; bad event ids; trace-link template checked', async () => {
  const dlq = new DeadLetterQueue();
  const r = testRunner({ deadLetter: dlq });
  r.registerAgent('a', (_c, _e, s) => s.clone().set('y', 2).setMeta('route', 'b'));
  r.registerAgent('b', (_c, _e, s) => s);
  r.registerAgent('bad', () => {
    throw new UnrecoverableError('bad is broken');
  });
  await r.start();
  await assert.rejects(attachUi(r, { port: 0, traceLink: 'javascript:alert(1)//{traceId}' }), /traceLink.*http\(s\) URL containing \{traceId\}/);
  const ui = await attachUi(r, { port: 0, deadLetters: dlq });
  try {
    const first = newEvent('a', { x: 1 }, { session_id: 'chain-1', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    await r.run(first);
    await r.drain();
    const bad = newEvent('bad', { amount: 3 }, { session_id: 'oops-1' });
    await r.run(bad).catch(() => undefined);
    const base = ui.url.replace(/\/$/, '');
    const ev = (await (await fetch(`${base}/api/events/${first.getId()}`)).json()) as { sessionId: string; entries: { type: string; queueWaitMs?: number }[]; detail: { input: { data: unknown }; output: { data: unknown; metadata: Record<string, string> } } };
    assert.equal(ev.sessionId, 'chain-1');
    assert.deepEqual(ev.detail.input.data, { x: 1 });
    assert.deepEqual(ev.detail.output.data, { x: 1, y: 2 });
    assert.equal(ev.detail.output.metadata.route, 'b');
    assert.equal(typeof ev.entries.find((e) => e.type === 'event_end')?.queueWaitMs, 'number');
    const dead = (await (await fetch(`${base}/api/events/${bad.getId()}`)).json()) as { deadLetter?: { reason: string; error: { code: string } } };
    assert.equal(dead.deadLetter?.error.code, 'AF_ERR_UNRECOVERABLE');
    const byTrace = (await (await fetch(`${base}/api/sessions?q=0af7651916cd43dd`)).json()) as { sessionId: string }[];
    assert.deepEqual(byTrace.map((s) => s.sessionId), ['chain-1'], 'search by trace id');
    assert.equal((await rawGet(ui.port, '/api/events/nope')).status, 404);
    assert.equal((await rawGet(ui.port, '/api/events/%E0%A4%A')).status, 400);
    assert.equal((await rawGet(ui.port, `/api/events/${'x'.repeat(600)}`)).status, 400);
    const agents = (await (await fetch(`${base}/api/agents`)).json()) as { agentId: string; completed: number; deadLettered: number; errorRate: number; p50Ms: number | null }[];
    assert.deepEqual(agents.map((a) => [a.agentId, a.completed, a.deadLettered, a.errorRate]), [['a', 1, 0, 0], ['b', 1, 0, 0], ['bad', 0, 1, 1]]);
    assert.ok(agents.every((a) => typeof a.p50Ms === 'number'));
  } finally {
    ui.detach();
    await ui.close();
    await r.stop();
  }
});

test('ui agent figures: percentiles over a bounded window, throughput buckets, circuit state, a cap on agents', async () => {
  const { AgentStatsTable } = await import('../../src/ui/index.js');
  const t = new AgentStatsTable({ window: 100, bucketMs: 1000, buckets: 5, maxAgents: 2 });
  const now = 1_000_999; // late in its one-second bucket
  const end = (agentId: string, durationMs: number, at: number, status = 'completed') => t.add({ type: 'event_end', timestamp: at, eventId: 'e', sessionId: 's', agentId, durationMs, status });
  end('llm', 7, now - 3500, 'failed');
  for (let i = 1; i <= 200; i++) end('llm', i, now - 500); // the window keeps the last 100: 101..200
  t.add({ type: 'circuit', timestamp: now, eventId: '', sessionId: 'circuit', agentId: 'llm', status: 'open' });
  end('tool', 5, now - 100);
  end('third', 5, now - 100);
  end('fourth', 5, now - 100);
  const [other, llm, tool] = t.list(now);
  assert.equal(llm!.agentId, 'llm');
  assert.equal(llm!.p50Ms, 150);
  assert.equal(llm!.p99Ms, 199);
  assert.equal(llm!.circuit, 'open');
  assert.equal(llm!.failed, 1);
  assert.deepEqual(llm!.throughput, [0, 1, 0, 0, 200], 'per-second buckets, oldest first');
  assert.equal(other!.agentId, '(other)', 'agents past the cap are counted together');
  assert.equal(other!.completed, 2);
  assert.equal(tool!.completed, 1);
});

test('ui store: event inputs and outputs are bounded in count and size (the oldest forgotten, large values shown by size)', async () => {
  const { UiStore } = await import('../../src/ui/index.js');
  const store = new UiStore({ maxDetails: 2, maxDetailChars: 100 });
  const input = (data: unknown) => ({ data, metadata: {} });
  store.detail({ eventId: 'e1', sessionId: 's', input: input({ a: 1 }) });
  store.detail({ eventId: 'e2', sessionId: 's', input: input({ big: 'x'.repeat(500) }) });
  store.detail({ eventId: 'e3', sessionId: 's', input: input({ c: 3 }) });
  store.add({ type: 'event_end', timestamp: 1, eventId: 'e1', sessionId: 's', agentId: 'a', status: 'completed' });
  assert.equal(store.event('e1')?.detail, undefined, 'the oldest detail is forgotten; its entries remain');
  assert.deepEqual(store.event('e2')?.detail?.input?.data, { '(too large to show)': `${JSON.stringify({ big: 'x'.repeat(500) }).length} characters` });
  assert.deepEqual(store.event('e3')?.detail?.input?.data, { c: 3 });
});
