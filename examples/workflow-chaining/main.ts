/**
 * The seed's workflow chaining: agents pass work on by putting `route` in
 * their output state. The seed does it with an AfterAgentRun callback that
 * re-emits; in agentflow the runner chains natively and keeps
 * `parent_event`, `chain_id` and `hop_count`; `workflow_step` is ordinary
 * metadata that travels with the state.
 *
 * Run: npx tsx examples/workflow-chaining/main.ts
 */
import { pathToFileURL } from 'node:url';
import { createRunner, newEvent, type Logger } from '../../src/index.js';

export async function runWorkflow(logger?: Logger) {
  const runner = createRunner({ logger });
  const steps = ['intake', 'enrich', 'score', 'publish'];
  steps.forEach((name, i) => {
    runner.registerAgent(name, (ctx, event, state) => {
      const step = Number(state.getMeta('workflow_step') ?? '0') + 1;
      const out = state.clone().set(name, `done at step ${step}`).setMeta('workflow_step', String(step));
      const next = steps[i + 1];
      if (next) out.setMeta('route', next);
      return out;
    });
  });
  await runner.start();
  const result = await runner.run(newEvent('intake', { order_id: 'o-42' }, { session_id: 'workflow-1' }));
  await runner.stop();
  return { result, trace: runner.dumpTrace('workflow-1') };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { result, trace } = await runWorkflow();
  console.log('final state:', JSON.stringify(result.state.toObject()));
  for (const e of trace) console.log(`  ${e.agentId.padEnd(8)} hop ${e.hopCount} parent ${e.parentEventId?.slice(0, 8) ?? '-'} ${e.status}`);
}
