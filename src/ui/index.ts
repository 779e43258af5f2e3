/**
 * `agentflow/ui`: a local, live trace viewer. One HTTP server (127.0.0.1 by
 * default; any other address needs a token), static assets shipped in the
 * package, data from an in-process runner ({@link attachUi}) or a trace file
 * ({@link uiFromTraceFile}).
 * @module
 */
import { timingSafeEqual } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidOptionError } from '../core/errors.js';
import type { BusMessage, DeadLetterRecord } from '../core/outcome.js';
import type { TraceEntry, TraceLogger } from '../core/trace.js';
import { readTraceFile } from '../observability/trace-file.js';
import type { Runner } from '../runner/runner.js';
import { UiStore } from './store.js';

export { UiStore, type EventDetail, type PendingEvent, type SessionSummary, type UiMessage, type UiStoreOptions } from './store.js';
export { uiFromRedis, type RedisUiOptions } from './redis.js';
export { AgentStatsTable, type AgentStats, type AgentStatsOptions } from './agent-stats.js';

/**
 * Dead letters the viewer lists (and replays, with `write`).
 *
 * @example
 * ```ts
 * const dl: UiDeadLetters = { list: () => dlq.list(), replay: (id) => dlq.replay(runner, id).length > 0 };
 * ```
 */
export interface UiDeadLetters {
  list(): DeadLetterRecord[] | Promise<DeadLetterRecord[]>;
  replay?(id: string): boolean | Promise<boolean>;
}

/**
 * Options for {@link startUi}.
 *
 * @example
 * ```ts
 * await startUi({ store, port: 4400 });
 * ```
 */
export interface UiOptions {
  /** Default 127.0.0.1. Any non-loopback address needs `token`. */
  host?: string;
  /** Default 4400; 0 picks a free port. */
  port?: number;
  /** Required on every request (`Authorization: Bearer …` or `?token=`) when set. */
  token?: string;
  /** Allow actions that change things (dead-letter replay). Default false. */
  write?: boolean;
  deadLetters?: UiDeadLetters;
  /** Where the data comes from, shown in the header. */
  source?: string;
  /** Extra entries dropped upstream (a trace file that could not keep up). */
  droppedUpstream?: () => number;
  /**
   * A link to the event's trace in your tracing backend, with `{traceId}`
   * replaced by the W3C trace id from the event's `traceparent`, e.g.
   * `http://127.0.0.1:16686/trace/{traceId}` (Jaeger) or
   * `http://127.0.0.1:3000/explore?traceId={traceId}` (Tempo via Grafana).
   */
  traceLink?: string;
}

/**
 * A running viewer.
 *
 * @example
 * ```ts
 * const ui = await attachUi(runner);
 * console.log(`open ${ui.url}`);
 * await ui.close();
 * ```
 */
export interface UiServer {
  readonly url: string;
  readonly port: number;
  readonly store: UiStore;
  close(): Promise<void>;
}

const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
const MAX_URL = 2048;
const MAX_ID = 512;

function asset(name: string): Buffer {
  return readFileSync(new URL(`./assets/${name}`, import.meta.url));
}

/**
 * Serves the viewer over `store`.
 *
 * @example
 * ```ts
 * const store = new UiStore();
 * const ui = await startUi({ port: 0 }, store);
 * ```
 */
export async function startUi(options: UiOptions = {}, store = new UiStore()): Promise<UiServer> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host) && !options.token) throw new InvalidOptionError('host', `the viewer shows every event's data: binding to "${host}" (not loopback) needs a token (--token or options.token)`);
  if (options.token !== undefined && options.token.length < 16) throw new InvalidOptionError('token', 'must be at least 16 characters');
  if (options.traceLink !== undefined && (!/^https?:\/\//.test(options.traceLink) || !options.traceLink.includes('{traceId}'))) {
    throw new InvalidOptionError('traceLink', `must be an http(s) URL containing {traceId}, got "${options.traceLink}"`);
  }
  const html = asset('index.html');
  const js = asset('app.js');
  const token = options.token === undefined ? undefined : Buffer.from(options.token);
  const authorized = (req: IncomingMessage, url: URL): boolean => {
    if (token === undefined) return true;
    const given = req.headers.authorization?.replace(/^Bearer /, '') ?? url.searchParams.get('token') ?? '';
    const b = Buffer.from(given);
    return b.length === token.length && timingSafeEqual(b, token);
  };
  const send = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' }).end(JSON.stringify(body));
  };
  const fail = (res: ServerResponse, status: number, message: string): void => send(res, status, { error: message });
  const idOf = (raw: string): string | undefined => {
    let id: string;
    try {
      id = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    return id.length === 0 || id.length > MAX_ID || id.includes('/') || id.includes('\0') ? undefined : id;
  };

  const server = createServer((req, res) => {
    if ((req.url ?? '').length > MAX_URL) return fail(res, 414, `URL longer than ${MAX_URL} characters`);
    const url = new URL(req.url ?? '/', 'http://ui.local');
    if (!authorized(req, url)) return fail(res, 401, 'missing or wrong token');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const headers = { 'x-content-type-options': 'nosniff', 'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'", 'x-frame-options': 'DENY' };
    if (method === 'GET' && path === '/') return void res.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8' }).end(html);
    if (method === 'GET' && path === '/app.js') return void res.writeHead(200, { ...headers, 'content-type': 'text/javascript; charset=utf-8' }).end(js);
    if (method === 'GET' && path === '/api/info') {
      return send(res, 200, { source: options.source ?? 'runner', write: options.write === true, dropped: store.dropped + (options.droppedUpstream?.() ?? 0), deadLetters: options.deadLetters !== undefined, traceLink: options.traceLink });
    }
    if (method === 'GET' && path === '/api/agents') return send(res, 200, store.agents.list());
    const evm = /^\/api\/events\/([^/]+)$/.exec(path);
    if (method === 'GET' && evm) {
      const id = idOf(evm[1]!);
      if (id === undefined) return fail(res, 400, 'bad event id');
      const found = store.event(id);
      if (found === undefined) return fail(res, 404, `no event ${id}`);
      const dl = options.deadLetters;
      if (dl === undefined || found.entries.every((e) => e.status !== 'dead_lettered')) return send(res, 200, found);
      return void Promise.resolve()
        .then(() => dl.list())
        .then(
          (list) => send(res, 200, { ...found, deadLetter: list.find((r) => r.id === id) }),
          () => send(res, 200, found),
        );
    }
    if (method === 'GET' && path === '/api/sessions') {
      const q = url.searchParams.get('q') ?? '';
      if (q.length > 256) return fail(res, 400, 'query longer than 256 characters');
      return send(res, 200, store.sessions(q).map(({ eventIds, ...s }) => ({ ...s, matchedEvent: q ? eventIds.find((e) => e.includes(q)) : undefined })));
    }
    const sess = /^\/api\/sessions\/([^/]+)$/.exec(path);
    if (method === 'GET' && sess) {
      const id = idOf(sess[1]!);
      if (id === undefined) return fail(res, 400, 'bad session id');
      const t = store.trace(id);
      return t ? send(res, 200, t) : fail(res, 404, `no session ${id}`);
    }
    if (method === 'GET' && path === '/api/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(': live\n\n');
      const off = store.subscribe((m) => res.write(`data: ${JSON.stringify(m)}\n\n`));
      const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
      req.on('close', () => (off(), clearInterval(ping)));
      return;
    }
    if (method === 'GET' && path === '/api/dead-letters') {
      const dl = options.deadLetters;
      if (!dl) return fail(res, 404, 'no dead-letter queue attached');
      return void Promise.resolve()
        .then(() => dl.list())
        .then(
          (list) => send(res, 200, list),
          (err: unknown) => fail(res, 502, `the dead-letter store could not be read: ${(err as Error).message}`),
        );
    }
    const rep = /^\/api\/dead-letters\/([^/]+)\/replay$/.exec(path);
    if (rep) {
      if (method !== 'POST') return fail(res, 405, 'replay is a POST');
      if (options.write !== true || !options.deadLetters?.replay) return fail(res, 403, 'replay needs the viewer started with write access (--write)');
      const id = idOf(rep[1]!);
      if (id === undefined) return fail(res, 400, 'bad dead-letter id');
      const replay = options.deadLetters.replay.bind(options.deadLetters);
      return void Promise.resolve()
        .then(() => replay(id))
        .then(
          (ok) => (ok ? send(res, 200, { replayed: id }) : fail(res, 404, `no dead letter ${id}`)),
          (err: unknown) => fail(res, 502, `replay failed: ${(err as Error).message}`),
        );
    }
    return fail(res, 404, 'not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4400, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/${options.token ? `?token=${encodeURIComponent(options.token)}` : ''}`,
    port,
    store,
    close: () =>
      new Promise<void>((ok) => {
        for (const s of sockets) s.destroy(); // live-tail streams stay open otherwise
        server.close(() => ok());
      }),
  };
}

/**
 * Feeds the viewer from outcome-bus messages: in-flight events with their
 * input when published, the output state at the outcome.
 *
 * @example
 * ```ts
 * runner.getOutcomeBus().subscribe((m) => feedStore(store, m));
 * ```
 */
export function feedStore(store: UiStore, m: BusMessage): void {
  if (m.type === 'published') {
    const now = Date.now();
    for (const ev of m.events) {
      const sessionId = ev.getSessionId();
      store.published({ eventId: ev._id, sessionId, agentId: ev.getMetadataValue('route') || ev.getTargetAgentId(), parentEventId: m.parentId, since: now });
      const j = ev.toJSON();
      store.detail({ eventId: ev._id, sessionId, input: { data: j.data, metadata: j.metadata, targetAgentId: j.targetAgentId || undefined, sourceAgentId: j.sourceAgentId || undefined, timestamp: j.timestamp } });
    }
  } else if (m.type === 'outcome') {
    const o = m.outcome;
    const state = o.state.toJSON();
    store.detail({ eventId: o.eventId, sessionId: o.sessionId, output: { data: state.data, metadata: state.meta } });
  }
}

/**
 * Shows a running runner live: its trace entries (the runner's trace logger
 * keeps working), events in flight from the moment they are published, and
 * its dead-letter queue when given.
 *
 * @example
 * ```ts
 * const runner = createRunner({ deadLetter: dlq });
 * const ui = await attachUi(runner, { deadLetters: dlq, write: true });
 * ```
 */
export async function attachUi(
  runner: Runner,
  options: Omit<UiOptions, 'deadLetters' | 'source'> & { deadLetters?: { list(): DeadLetterRecord[]; replay(r: Runner, id: string): string[] } } = {},
): Promise<UiServer & { detach(): void }> {
  const store = new UiStore();
  const inner = runner.getTraceLogger();
  const tee: TraceLogger = {
    log: (e: TraceEntry) => {
      inner?.log(e);
      store.add({ ...e });
    },
    getTrace: (s: string) => inner?.getTrace(s) ?? [],
  };
  runner.setTraceLogger(tee);
  const off = runner.getOutcomeBus().subscribe((m) => feedStore(store, m));
  const dl = options.deadLetters;
  const ui = await startUi({ ...options, source: 'runner (live)', deadLetters: dl ? { list: () => dl.list(), replay: (id) => dl.replay(runner, id).length > 0 } : undefined }, store);
  return Object.assign(ui, {
    detach: () => {
      off();
      if (runner.getTraceLogger() === tee) runner.setTraceLogger(inner);
    },
  });
}

/**
 * Shows a trace file (`agentflow run --trace-file`, `FileTraceLogger`),
 * following it as it grows.
 *
 * @example
 * ```ts
 * const ui = await uiFromTraceFile('.agentflow/traces.jsonl', { port: 4400 });
 * ```
 */
export async function uiFromTraceFile(path: string, options: Omit<UiOptions, 'source'> & { pollMs?: number } = {}): Promise<UiServer> {
  const store = new UiStore();
  let skipped = 0;
  const initial = readTraceFile(path);
  skipped += initial.skipped;
  for (const e of initial.entries) store.add(e);
  let offset = (() => {
    try {
      return statSync(path).size;
    } catch {
      return 0;
    }
  })();
  let partial = '';
  const poll = setInterval(() => {
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      return;
    }
    if (size < offset) offset = 0; // rotated: the new file starts over
    if (size === offset) return;
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.alloc(Math.min(size - offset, 8 * 1024 * 1024));
      const n = readSync(fd, buf, 0, buf.length, offset);
      offset += n;
      const text = partial + buf.toString('utf8', 0, n);
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) {
        if (!l) continue;
        try {
          store.add(JSON.parse(l) as TraceEntry);
        } catch {
          skipped++;
        }
      }
    } finally {
      closeSync(fd);
    }
  }, options.pollMs ?? 500);
  poll.unref();
  const ui = await startUi({ ...options, source: `file ${path}`, droppedUpstream: () => skipped }, store);
  return { ...ui, close: async () => (clearInterval(poll), ui.close()) };
}
