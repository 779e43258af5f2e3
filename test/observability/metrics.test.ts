import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newEvent, attachMetrics, InMemoryTraceLogger, AgentMetrics } from '../../src/index.js';
import { sleep, testRunner } from '../runner/helpers.js';

test('attachMetrics: per-agent counts, error rate, latency percentiles, failure reasons', async () => {
  const r = testRunner({ concurrency: 4 });
  const metrics = attachMetrics(r);
  let n = 0;
  r.registerAgent('worker', async (c, e, s) => {
    n++;
    await sleep(n % 2 ? 2 : 12);
    if (e.getData().fail) throw new Error('nope');
    return s;
  });
  await r.start();
  for (let i = 0; i < 10; i++) r.emit(newEvent('worker', { fail: i < 3 }));
  r.emit(newEvent('ghost'));
  await r.drain();
  await r.stop();
  const w = metrics.getStats('worker');
  assert.equal(w.eventCount, 10);
  assert.equal(w.errorCount, 3);
  assert.equal(w.errorRate, 0.3);
  assert.deepEqual(w.reasons, { agent_error: 3 });
  assert.ok(w.p50Ms >= 1 && w.p95Ms >= w.p50Ms && w.maxMs >= w.p95Ms, JSON.stringify(w));
  assert.ok(w.avgMs > 0 && w.totalMs >= w.avgMs);
  assert.equal(metrics.getStats('ghost').reasons.no_such_agent, 1);
  assert.deepEqual(metrics.snapshot().map((x) => x.agentId).sort(), ['ghost', 'worker']);
  metrics.detach();
  assert.equal(new AgentMetrics().getStats('none').eventCount, 0);
});

test('the metrics window is bounded', () => {
  const m = new AgentMetrics({ window: 10 });
  for (let i = 1; i <= 1000; i++) m.record('a', i, true);
  const s = m.getStats('a');
  assert.equal(s.eventCount, 1000);
  assert.equal(s.maxMs, 1000);
  assert.equal(s.p50Ms, 996, 'percentiles over the last 10 only');
  assert.equal(s.totalMs, 500500);
});

test('a trace filter keeps only what matters (the seed’s EventTracer filters)', async () => {
  const trace = new InMemoryTraceLogger({ filter: (e) => e.status !== 'completed' });
  const r = testRunner({ traceLogger: trace });
  r.registerAgent('a', (c, e, s) => s);
  await r.start();
  await r.run(newEvent('a', {}, { session_id: 'f' }));
  await r.run(newEvent('missing', {}, { session_id: 'f' })).catch(() => undefined);
  await r.stop();
  const got = r.dumpTrace('f');
  assert.equal(got.length, 1);
  assert.equal(got[0]!.reason, 'no_such_agent');
});
