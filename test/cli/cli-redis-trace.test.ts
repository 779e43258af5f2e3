/**
 * Traces across processes: a worker process writes its trace entries to the
 * namespace's trace stream; `agentflow trace --namespace` shows a session it
 * ran; the viewer over Redis (`uiFromRedis`, what `agentflow ui --redis`
 * serves) follows the stream live, shows each event's input and output from
 * the outcome stream, lists the dead-letter stream and replays onto the worker.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createClient } from 'redis';
import { cli } from '../support/cli.js';
import { startEchoWorker } from '../support/echo-worker.js';
import { useRedisServer } from '../support/redis.js';
import { sleep } from '../runner/helpers.js';
import { uiFromRedis } from '../../src/ui/index.js';

const redis = useRedisServer();
const root = resolve(new URL('../../', import.meta.url).pathname);

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test('trace stream on Redis: a worker process\'s entries in `agentflow trace --namespace` and in the viewer over Redis, with input/output and dead-letter replay', async () => {
  const { cfg, agents, ns, process: worker } = await startEchoWorker(redis().url, 'tr', 'trace_entries = 1000\n');
  let ui: Awaited<ReturnType<typeof uiFromRedis>> | undefined;
  try {
    const ok = await cli(['run', '-c', cfg, '-a', agents, '--namespace', ns, '--input', 'hello', '--session', 'traced-1', '--quiet']);
    assert.equal(ok.code, 0, ok.err);

    // The worker flushes within 50 ms; the trace command reads the stream from another process.
    const tree = await until('the worker\'s entries in the stream', async () => {
      const r = await cli(['trace', 'traced-1', '-c', cfg, '--namespace', ns]);
      return r.code === 0 ? r.out : undefined;
    });
    assert.match(tree, /session traced-1\n└ echo {2}completed {2}\d+ms \(\+\d+ms queued\)/);
    const listing = await cli(['trace', '-c', cfg, '--namespace', ns]);
    assert.match(listing.out, /^traced-1 .* 1 events {2}0 failed/m);
    const missing = await cli(['trace', 'nobody', '-c', cfg, '--namespace', ns]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, new RegExp(`no entries for session nobody in redis://127\\.0\\.0\\.1:\\d+ namespace "${ns}"`));

    // `agentflow ui --namespace` serves the namespace (the command's wiring; the views are checked below in code).
    const uiProc = spawn(process.execPath, [join(root, 'bin/agentflow.mjs'), 'ui', '-c', cfg, '--namespace', ns, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let printed = '';
    uiProc.stdout!.on('data', (d: Buffer) => (printed += d.toString()));
    const url = await until('the ui command\'s URL', async () => /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(printed)?.[1]);
    const served = (await (await fetch(`${url}api/sessions`)).json()) as { sessionId: string }[];
    assert.ok(served.some((x) => x.sessionId === 'traced-1'), 'the command shows the namespace\'s sessions');
    const exited = new Promise<number | null>((ok2) => uiProc.once('exit', ok2));
    uiProc.kill('SIGINT');
    assert.equal(await exited, 0, 'Ctrl-C stops it cleanly');

    // The viewer over the namespace: live entries, input and output, dead letters with replay.
    ui = await uiFromRedis({ url: redis().url, namespace: ns, port: 0, write: true });
    const base = ui.url.replace(/\/$/, '');
    const get = async <T>(path: string): Promise<{ status: number; body: T }> => {
      const res = await fetch(`${base}${path}`);
      return { status: res.status, body: (await res.json()) as T };
    };
    assert.ok((await get<{ sessionId: string }[]>('/api/sessions')).body.some((s) => s.sessionId === 'traced-1'), 'history loaded from the stream');
    const info = await get<{ source: string }>('/api/info');
    assert.match(info.body.source, new RegExp(`^redis redis://127\\.0\\.0\\.1:\\d+ namespace "${ns}"$`));
    assert.equal((await cli(['run', '-c', cfg, '-a', agents, '--namespace', ns, '--input', 'live', '--session', 'live-1', '--quiet'])).code, 0);
    const live = await until('the live session in the viewer', async () => {
      const t = await get<{ entries: { type: string; eventId: string }[] }>('/api/sessions/live-1');
      return t.status === 200 && t.body.entries.some((e) => e.type === 'event_end') ? t.body : undefined;
    });
    const eventId = live.entries.find((e) => e.type === 'event_end')!.eventId;
    const ev = await until('the event\'s output', async () => {
      const r = await get<{ detail?: { input?: { data: { input?: string } }; output?: { data: { response?: string } } } }>(`/api/events/${eventId}`);
      return r.body.detail?.output ? r.body : undefined;
    });
    assert.equal(ev.detail!.input!.data.input, 'live');
    assert.match(ev.detail!.output!.data.response!, new RegExp(`^echo: live \\(pid ${worker.pid}\\)`));

    const bad = await cli(['run', '-c', cfg, '-a', agents, '--namespace', ns, '--input', 'fail', '--session', 'bad-1', '--quiet']);
    assert.equal(bad.code, 1);
    const dls = await until('the dead letter', async () => {
      const r = await get<{ id: string; reason: string }[]>('/api/dead-letters');
      return r.body.length === 1 ? r.body : undefined;
    });
    const replay = await fetch(`${base}/api/dead-letters/${dls[0]!.id}/replay`, { method: 'POST' });
    assert.equal(replay.status, 200);
    // The worker ran it again (and it failed again: echo refuses "fail"): two attempts' ends in the session, one dead letter again.
    await until('the replayed run in the trace', async () => {
      const t = await get<{ entries: { type: string }[] }>('/api/sessions/bad-1');
      return t.body.entries.filter((e) => e.type === 'event_end').length === 2 ? true : undefined;
    });
    await until('the dead letter back once', async () => ((await get<unknown[]>('/api/dead-letters')).body.length === 1 ? true : undefined));
    const agentsPage = await get<{ agentId: string; completed: number; deadLettered: number }[]>('/api/agents');
    assert.deepEqual(agentsPage.body.map((a) => [a.agentId, a.completed, a.deadLettered]), [['echo', 2, 2]]);

    // The stream stays bounded: 1,000 entries asked for, so about 4 batches of 256 (MAXLEN ~ trims whole
    // stream nodes of 100 entries); 300 more single-entry flushes leave it near that, not at 300 more.
    const { RedisTransport } = await import('../../src/transport/redis/index.js');
    const t = new RedisTransport({ url: redis().url, namespace: ns, role: 'producer', traceEntries: 1000 });
    const c = createClient({ url: redis().url });
    await c.connect();
    try {
      const logger = t.traces.logger(null);
      for (let i = 0; i < 300; i++) {
        logger.log({ type: 'event_end', timestamp: Date.now(), eventId: `x${i}`, sessionId: 'filler', agentId: 'echo', status: 'completed', durationMs: 1 });
        await logger.flush();
      }
      assert.equal(logger.dropped, 0);
      const len = Number(await c.sendCommand(['XLEN', `af:{${ns}}:trace`]));
      assert.ok(len <= 4 + 100, `the capped stream holds ${len} batches after 300+ writes`);
    } finally {
      await c.close();
      await t.close();
    }
  } finally {
    await ui?.close();
    worker.kill('SIGKILL');
  }
});
