import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../src/index.js';
import { runBasics } from '../../examples/runner-basics/main.js';
import { runMessagePassing } from '../../examples/message-passing/main.js';

test('runner basics (the seed’s first example): processor then analyzer outputs', async () => {
  const { processor, analyzer } = await runBasics(silentLogger());
  assert.equal(processor.state.get('processed'), true);
  assert.equal(processor.state.get('data'), 'sample dataset');
  assert.equal(typeof processor.state.get('processed_at'), 'number');
  assert.equal(analyzer.state.get('analyzed'), true);
  assert.equal(analyzer.state.get('analysis_score'), 0.95);
  assert.equal(analyzer.state.get('processed'), true, 'analyzer received the processor output');
});

test('complete message passing example: three sessions each run data_processor → data_analyzer → report_generator', async () => {
  const { results, traces, callbacks, stats, processorInitialized } = await runMessagePassing(silentLogger());
  assert.equal(processorInitialized, true, 'the full agent was initialized on start');
  assert.deepEqual(results.map((r) => r.sessionId).sort(), ['demo-session-1', 'demo-session-2', 'demo-session-3']);
  for (const r of results) {
    assert.equal(r.events, 3);
    assert.equal(r.agentId, 'report_generator');
    assert.equal(r.state.get('processed'), true);
    assert.equal(r.state.get('processor_id'), 'agent-proc-001');
    assert.equal(r.state.get('analyzed'), true);
    assert.deepEqual(r.state.get('insights'), ['trend_up', 'quality_good']);
    assert.equal(r.state.get('report_generated'), true);
    assert.match(String(r.state.get('report_id')), /^rpt-\d+$/);
    assert.equal(r.state.get('final_result'), 'Processing pipeline completed successfully');
    const ends = traces[r.sessionId]!.filter((e) => e.type === 'event_end');
    assert.deepEqual(ends.map((e) => e.agentId), ['data_processor', 'data_analyzer', 'report_generator']);
    assert.ok(ends.every((e) => e.status === 'completed'));
  }
  const batch = results.find((r) => r.sessionId === 'demo-session-3')!;
  assert.deepEqual(batch.state.get('dataset_ids'), ['ds-001', 'ds-002', 'ds-003']);
  // 9 events, each hook once per event.
  assert.deepEqual(callbacks, { 'event-logger': 9, 'agent-monitor': 9, 'performance-tracker': 9, 'error-recovery': 0, cleanup: 9 });
  assert.equal(stats.emitted, 9);
  assert.equal(stats.completed, 9);
  assert.equal(stats.failed + stats.deadLettered, 0);
});
