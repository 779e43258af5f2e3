/**
 * The seed's priority and deadline management. The seed only logs priorities
 * in a callback; agentflow's queue honours them (critical > high > normal >
 * low), enforces `deadline`, and fires the handler's AbortSignal at it.
 *
 * Run: npx tsx examples/priority-deadline/main.ts
 */
import { pathToFileURL } from 'node:url';
import { createRunner, newEvent, type EventData, type Event, type Logger, type EventOutcome } from '../../src/index.js';

export const PriorityLow = 'low';
export const PriorityNormal = 'normal';
export const PriorityHigh = 'high';
export const PriorityCritical = 'critical';

/** The seed's createPriorityEvent. */
export function createPriorityEvent(agentId: string, data: EventData, priority: string, deadline?: Date): Event {
  const metadata: Record<string, string> = { session_id: `priority-session-${priority}`, route: agentId, priority };
  if (deadline) {
    metadata.deadline = deadline.toISOString();
    metadata.timeout = `${Math.max(1, Math.floor((deadline.getTime() - Date.now()) / 1000))}s`;
  }
  return newEvent(agentId, data, metadata);
}

export async function runPriorities(logger?: Logger) {
  const runner = createRunner({ logger, concurrency: 1 });
  const order: string[] = [];
  const outcomes: EventOutcome[] = [];
  runner.onOutcome((o) => outcomes.push(o));
  let release!: () => void;
  const busy = new Promise<void>((r) => (release = r));
  runner.registerAgent('busy', async (ctx, e, s) => (await busy, s));
  runner.registerAgent('data_processor', (ctx, event, state) => {
    order.push(String(event.getData().task));
    return state.clone().set('handled', true);
  });
  await runner.start();
  runner.emit(newEvent('busy')); // occupies the single worker while the others queue up
  await new Promise((r) => setImmediate(r));
  runner.emit(createPriorityEvent('data_processor', { task: 'routine_analysis' }, PriorityNormal));
  runner.emit(createPriorityEvent('data_processor', { task: 'urgent_analysis', escalation_level: 2 }, PriorityHigh, new Date(Date.now() + 5 * 60_000)));
  runner.emit(createPriorityEvent('data_processor', { task: 'system_failure_analysis', alert_id: 'ALT-001' }, PriorityCritical, new Date(Date.now() + 30_000)));
  runner.emit(createPriorityEvent('data_processor', { task: 'already_late' }, PriorityCritical, new Date(Date.now() + 20)));
  await new Promise((r) => setTimeout(r, 40)); // let the last deadline pass while it waits in the queue
  release();
  await runner.drain();
  await runner.stop();
  const late = outcomes.find((o) => o.event.getData().task === 'already_late')!;
  return { order, lateReason: late.reason, lateStatus: late.status };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await runPriorities();
  console.log('handled in order:', r.order.join(' → '));
  console.log(`the event whose deadline passed while queued: ${r.lateStatus} (${r.lateReason})`);
}
