/**
 * The `agent_end` entries of an orchestration's agents are written without
 * an entry object into the default trace (InMemoryTraceLogger.logAgentEnd);
 * a filtered logger still gets entry objects. Both must record the same.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRunner, InMemoryTraceLogger, newEvent, silentLogger, type TraceEntry } from '../../src/index.js';
import { collaborative, sequential } from '../../src/orchestration/index.js';
import type { Orchestrator } from '../../src/core/orchestrator.js';

async function traceOf(orchestrator: Orchestrator, trace: InMemoryTraceLogger): Promise<{ entries: TraceEntry[]; id: string }> {
  const r = createRunner({ logger: silentLogger(), orchestrator, traceLogger: trace });
  r.registerAgent('a', (_c, _e, s) => s.clone().set('a', 1));
  r.registerAgent('b', () => {
    throw new Error('b broke');
  });
  r.registerAgent('c', (_c, _e, s) => s.clone().set('c', 3));
  await r.start();
  // Shaped like a routed child, so parent, source and hop are set.
  const ev = newEvent('a', { x: 1 }, { session_id: 'S', parent_event: 'P', hop_count: '2' });
  ev.setSourceAgentId('upstream');
  await r.run(ev).catch(() => undefined);
  await r.stop();
  return { entries: trace.getTrace('S'), id: ev.getId() };
}

const strip = (e: TraceEntry): Partial<TraceEntry> => ({ ...e, timestamp: 0, durationMs: e.durationMs === undefined ? undefined : 0, queueWaitMs: e.queueWaitMs === undefined ? undefined : 0 });

for (const [name, make] of [
  ['collaborative', () => collaborative({ agents: ['a', 'b', 'c'] })],
  ['sequential', () => sequential({ agents: ['a', 'c'] })],
] as const) {
  test(`${name}: agent_end entries from the fast writer equal those from entry objects`, async () => {
    const fast = await traceOf(make(), new InMemoryTraceLogger());
    const slow = await traceOf(make(), new InMemoryTraceLogger({ filter: () => true }));
    const ends = (t: TraceEntry[]) => t.filter((e) => e.type === 'agent_end');
    assert.ok(ends(fast.entries).length >= 2, 'one agent_end per agent');
    // Ids are random: each is replaced by its order of first appearance.
    const norm = (entries: TraceEntry[]) => {
      const ids = new Map<string, string>();
      const id = (x: string | undefined) => (x === undefined ? undefined : (ids.get(x) ?? (ids.set(x, `id${ids.size}`), ids.get(x))));
      return entries.map((e) => ({ ...strip(e), eventId: id(e.eventId), parentEventId: id(e.parentEventId), error: e.error && { ...e.error, message: e.error.message.replace(e.eventId, 'ID') } }));
    };
    assert.deepEqual(norm(ends(fast.entries)), norm(ends(slow.entries)));
    for (const e of ends(fast.entries)) {
      assert.deepEqual([e.parentEventId, e.sourceAgentId, e.hopCount], ['P', 'upstream', 2]);
      assert.equal(e.eventId, fast.id, 'the id, made text only when the trace is read');
      assert.ok(e.timestamp > 0 && Number.isFinite(e.timestamp));
    }
    if (name === 'collaborative') assert.match(ends(fast.entries).find((e) => e.agentId === 'b')?.error?.message ?? '', /b broke/);
  });
}
