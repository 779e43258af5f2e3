/**
 * Prometheus metrics: the exposition is checked by a real parser (Debian's
 * `promtool check metrics`), values match what the runner did, no series is
 * labelled by session or event id, and /healthz follows the runner.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newEvent } from '../../src/index.js';
import { DeadLetterQueue, circuitBreakerMiddleware, retryPolicy } from '../../src/reliability/index.js';
import { PrometheusMetrics, serveMetrics } from '../../src/observability/prometheus/index.js';
import { testRunner } from '../runner/helpers.js';
import { promtoolCheck } from '../support/promtool.js';

/** Value of one sample, by its exact name and label set as printed. */
function sample(body: string, series: string): number | undefined {
  for (const line of body.split('\n')) if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  return undefined;
}

test('prometheus: /metrics passes promtool and counts what the runner did; /healthz follows the runner', async () => {
  const cb = circuitBreakerMiddleware({ failureThreshold: 1, resetTimeoutMs: 60_000 });
  const r = testRunner({ deadLetter: new DeadLetterQueue(), retry: retryPolicy({ maxRetries: 1, baseDelayMs: 1, jitter: false }), middleware: [cb.middleware] });
  r.registerAgent('ok', (_c, _e, s) => s.clone().setMeta('route', 'tail'));
  r.registerAgent('tail', (_c, _e, s) => s);
  r.registerAgent('bad', () => {
    throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
  });
  const metrics = new PrometheusMetrics();
  metrics.attach(r);
  metrics.watchBreakers(cb.breakers);
  const server = await serveMetrics(metrics, { port: 0 });
  try {
    await r.start();
    for (let i = 0; i < 3; i++) await r.run(newEvent('ok', { i }, { session_id: `secret-session-${i}` }));
    await r.run(newEvent('bad', {}, { session_id: 'secret-session-x' })).catch(() => undefined);
    await r.run(newEvent('nobody-home', {})).catch(() => undefined);
    await r.drain();
    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, 'running');

    const res = await fetch(`${server.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    const body = await res.text();
    const check = promtoolCheck(body);
    assert.ok(check.ok, `promtool: ${check.output}`);

    assert.equal(sample(body, 'agentflow_events_finished_total{agent="ok",outcome="completed",reason=""}'), 3);
    assert.equal(sample(body, 'agentflow_events_finished_total{agent="tail",outcome="completed",reason=""}'), 3);
    assert.equal(sample(body, 'agentflow_events_finished_total{agent="bad",outcome="dead_lettered",reason="retries_exhausted"}'), 1);
    assert.equal(sample(body, 'agentflow_events_finished_total{agent="(unknown)",outcome="dead_lettered",reason="no_such_agent"}'), 1);
    assert.equal(sample(body, 'agentflow_events_emitted_total{agent="ok"}'), 3);
    assert.equal(sample(body, 'agentflow_events_emitted_total{agent="tail"}'), 3, 'route hops count as emitted');
    assert.equal(sample(body, 'agentflow_event_duration_seconds_count{agent="ok",outcome="completed"}'), 3);
    assert.equal(sample(body, 'agentflow_retries_total'), 1);
    assert.equal(sample(body, 'agentflow_dead_letters_total'), 2);
    assert.equal(sample(body, 'agentflow_in_flight'), 0);
    assert.equal(sample(body, 'agentflow_up'), 1);
    assert.equal(sample(body, 'agentflow_circuit_state{name="bad"}'), 2, 'the breaker of "bad" is open');
    assert.equal(sample(body, 'agentflow_circuit_state{name="ok"}'), 0);
    assert.ok(!body.includes('secret-session'), 'no series is labelled by session');
    assert.ok(!/session|event_id/.test(body.split('\n').filter((l) => !l.startsWith('#')).join('\n')), 'no session or event id labels');

    await r.stop();
    assert.equal((await fetch(`${server.url}/healthz`)).status, 503);
    assert.equal((await fetch(`${server.url}/nope`)).status, 404);
  } finally {
    await server.close();
  }
});

test('prometheus: agent labels are bounded: past maxAgents, new targets count as (other)', async () => {
  const r = testRunner();
  const metrics = new PrometheusMetrics({ maxAgents: 3 });
  metrics.attach(r);
  await r.start();
  for (let i = 0; i < 10; i++) r.emit(newEvent(`agent-${i}`, {}));
  await r.drain();
  await r.stop();
  const body = await metrics.metrics();
  const emitted = body.split('\n').filter((l) => l.startsWith('agentflow_events_emitted_total{'));
  assert.equal(emitted.length, 4, emitted.join('\n'));
  assert.equal(sample(body, 'agentflow_events_emitted_total{agent="(other)"}'), 7);
});
