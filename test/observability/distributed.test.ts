/**
 * Observability across processes on Redis: a producer (this process) and
 * two `agentflow worker` processes export spans over OTLP/HTTP to a
 * collector stub on 127.0.0.1; one chain is one trace across all three.
 * Each worker serves /metrics (checked by promtool) and /healthz.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { createRunner, newEvent, silentLogger } from '../../src/index.js';
import { otelInstrumentation, setupOtel } from '../../src/observability/otel/index.js';
import { RedisTransport } from '../../src/transport/redis/index.js';
import { useRedisServer } from '../support/redis.js';
import { promtoolCheck } from '../support/promtool.js';
import { sleep } from '../runner/helpers.js';

const redis = useRedisServer();
const root = resolve(new URL('../../', import.meta.url).pathname);

interface OtlpSpan { traceId: string; spanId: string; parentSpanId?: string; name: string; attributes?: { key: string; value: { intValue?: string | number; stringValue?: string } }[] }
const hex = (id: string) => (/^[0-9a-f]+$/.test(id) ? id : Buffer.from(id, 'base64').toString('hex'));

function collector(): Promise<{ server: Server; url: string; spans: OtlpSpan[] }> {
  const spans: OtlpSpan[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const j = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
      for (const rs of j.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ ...s, traceId: hex(s.traceId), spanId: hex(s.spanId), parentSpanId: s.parentSpanId ? hex(s.parentSpanId) : undefined });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, spans })));
}

test('otel + prometheus on Redis: one trace from the producer through two worker processes; each worker serves /metrics and /healthz', async () => {
  const exporter = new InMemorySpanExporter();
  await setupOtel({ serviceName: 'producer', exporter, simple: true });
  const col = await collector();
  const ns = `otel${Date.now()}`;
  const dir = mkdtempSync(join(tmpdir(), 'af-otel-dist-'));
  const cfg = join(dir, 'agentflow.toml');
  writeFileSync(
    cfg,
    `[agent_flow]\nname = "otel-dist"\n[runtime]\nstop_timeout_seconds = 5\n[transport]\nkind = "redis"\nurl = "${redis().url}"\nnamespace = "${ns}"\npartitions = 4\nlease_ms = 900\n` +
      `[observability]\notel = true\nendpoint = "${col.url}"\n[agents.fan]\nrole = "fan"\n[agents.leaf]\nrole = "leaf"\n`,
  );
  const env: NodeJS.ProcessEnv = { ...process.env, AGENTFLOW_LOG_LEVEL: 'warn' };
  delete env.NODE_TEST_CONTEXT;
  const workers: { proc: ChildProcess; metrics?: string; log: string }[] = [];
  const start = () => {
    const w: { proc: ChildProcess; metrics?: string; log: string } = { proc: spawn(process.execPath, ['--import', 'tsx', join(root, 'examples/distributed/worker.ts'), '-c', cfg, '-a', join(root, 'test/support/otel-agents.ts'), '--metrics-port', '0'], { env, stdio: ['ignore', 'ignore', 'pipe'] }), log: '' };
    w.proc.stderr!.on('data', (d: Buffer) => {
      w.log += d.toString();
      const m = /metrics on (\S+)\/metrics/.exec(w.log);
      if (m) w.metrics = m[1];
    });
    workers.push(w);
  };
  const producer = createRunner({ logger: silentLogger(), transport: new RedisTransport({ url: redis().url, namespace: ns, partitions: 4, role: 'producer' }), instrumentation: otelInstrumentation() });
  try {
    start();
    start();
    for (let i = 0; i < 500 && workers.some((w) => !w.metrics || !w.log.includes(': ready')); i++) await sleep(20);
    assert.ok(workers.every((w) => w.metrics), workers.map((w) => w.log).join('\n'));
    // Wait until the two workers share the partitions (fair share after a lease or two).
    const live = async (w: (typeof workers)[number]) => Number(/^agentflow_live_workers (\d+)/m.exec(await (await fetch(`${w.metrics}/metrics`)).text())?.[1]);
    for (let i = 0; i < 100 && (await live(workers[0]!)) < 2; i++) await sleep(50);
    await sleep(2500);

    await producer.start();
    await producer.run(newEvent('fan', {}, { session_id: 'root' }));
    const leafProcess = () => col.spans.filter((s) => s.name === 'process leaf');
    // Ask the workers to stop: they flush their spans on the way out.
    for (let i = 0; i < 300 && exporter.getFinishedSpans().length === 0; i++) await sleep(10);
    for (let i = 0; i < 300; i++) {
      const bodies = await Promise.all(workers.map(async (w) => (await (await fetch(`${w.metrics}/metrics`)).text())));
      const leaves = bodies.reduce((n, b) => n + Number(/^agentflow_events_finished_total\{agent="leaf",outcome="completed",reason=""\} (\d+)/m.exec(b)?.[1] ?? 0), 0);
      if (leaves === 8) break;
      await sleep(20);
    }
    let owned = 0;
    for (const w of workers) {
      const body = await (await fetch(`${w.metrics}/metrics`)).text();
      const check = promtoolCheck(body);
      assert.ok(check.ok, `promtool: ${check.output}`);
      assert.equal((await fetch(`${w.metrics}/healthz`)).status, 200);
      const series = (name: string) => Number(new RegExp(`^agentflow_${name} (\\d+)`, 'm').exec(body)?.[1]);
      const mine = series('partitions_owned');
      assert.ok(mine >= 1, `each worker owns partitions: ${mine}`);
      owned += mine;
      for (const name of ['pending_deliveries', 'consumer_lag', 'redeliveries_total', 'lease_losses_total']) assert.ok(Number.isFinite(series(name)), `${name} is exported`);
    }
    assert.equal(owned, 4, 'the two workers own the 4 partitions between them');
    await Promise.all(workers.map((w) => new Promise((ok) => (w.proc.once('exit', ok), w.proc.kill('SIGTERM')))));

    const send = exporter.getFinishedSpans().find((s) => s.name === 'send fan')!;
    const traceId = send.spanContext().traceId;
    assert.equal(leafProcess().length, 8, `leaf spans: ${leafProcess().length}\n${workers.map((w) => w.log).join('\n')}`);
    assert.ok(col.spans.every((s) => s.traceId === traceId), 'every worker span is in the producer\'s trace');
    const processFan = col.spans.find((s) => s.name === 'process fan')!;
    assert.equal(processFan.parentSpanId, send.spanContext().spanId, 'the worker\'s consumer span is a child of the producer span in another process');
    const sends = new Set(col.spans.filter((s) => s.name === 'send leaf').map((s) => s.spanId));
    assert.ok(leafProcess().every((s) => s.parentSpanId !== undefined && sends.has(s.parentSpanId)));
    const pids = new Set(col.spans.filter((s) => s.name === 'invoke_agent leaf').map((s) => s.attributes?.find((a) => a.key === 'worker.pid')?.value.intValue).map(String));
    assert.equal(pids.size, 2, `leaves ran on ${[...pids].join(', ')}: both worker processes should have run some`);
  } finally {
    await producer.stop().catch(() => undefined);
    for (const w of workers) w.proc.kill('SIGKILL');
    col.server.close();
  }
});
