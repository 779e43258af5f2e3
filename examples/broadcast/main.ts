/**
 * The seed's broadcast pattern, natively: one event with `broadcast = "true"`
 * and `broadcast_targets` is delivered to each target as its own event
 * carrying `broadcast_id`. No user callback needed.
 *
 * Run: npx tsx examples/broadcast/main.ts
 */
import { pathToFileURL } from 'node:url';
import { createRunner, newEvent, type EventData, type Event, type Logger } from '../../src/index.js';

/** The seed's createBroadcastEvent. */
export function createBroadcastEvent(data: EventData, targets: string[], sessionId: string): Event {
  return newEvent('', data, { session_id: sessionId, broadcast: 'true', broadcast_targets: targets.join(',') });
}

/** Broadcasts one announcement to three agents; returns who received what. */
export async function runBroadcast(logger?: Logger) {
  const runner = createRunner({ logger });
  const received: { agent: string; broadcastId: string; announcement: string }[] = [];
  for (const agent of ['data_processor', 'data_analyzer', 'report_generator']) {
    runner.registerAgent(agent, (ctx, event, state) => {
      received.push({ agent, broadcastId: event.getMetadataValue('broadcast_id') ?? '', announcement: String(event.getData().announcement) });
      return state.clone().set(`${agent}_ack`, true);
    });
  }
  await runner.start();
  const event = createBroadcastEvent(
    { announcement: 'New data available for processing', data_source: 'external_api', timestamp: Math.floor(Date.now() / 1000) },
    ['data_processor', 'data_analyzer', 'report_generator'],
    'broadcast-session-001',
  );
  const result = await runner.run(event);
  await runner.stop();
  return { broadcastId: event.getId(), received, events: result.events, trace: runner.dumpTrace('broadcast-session-001') };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await runBroadcast();
  console.log(`broadcast ${r.broadcastId} → ${r.received.length} deliveries (${r.events} events in all)`);
  for (const x of r.received) console.log(`  ${x.agent} got "${x.announcement}" (broadcast_id ${x.broadcastId})`);
}
