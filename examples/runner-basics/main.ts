/**
 * The seed's first Runner example: two handler agents, "processor" and
 * "analyzer", a runner from the default config, and an event emitted to the
 * processor. agentflow adds `await runner.run(...)` to wait for the result
 * instead of sleeping.
 *
 * Run: npx tsx examples/runner-basics/main.ts
 */
import { pathToFileURL } from 'node:url';
import { agentHandlerFunc, createRunner, defaultRunnerConfig, newEvent, type Logger, type RunResult } from '../../src/index.js';

export interface BasicsResult {
  processor: RunResult;
  analyzer: RunResult;
}

/** Builds the runner of the seed's first example, runs one event to each agent, and returns the results. */
export async function runBasics(logger?: Logger): Promise<BasicsResult> {
  const config = defaultRunnerConfig();
  const runner = createRunner({ ...config, logger });

  runner.registerAgent(
    'processor',
    agentHandlerFunc((ctx, event, state) => {
      const outputState = state.clone();
      outputState.set('processed', true);
      outputState.set('processed_at', Math.floor(Date.now() / 1000));
      return { outputState, startTime: Date.now(), endTime: Date.now() };
    }),
  );

  runner.registerAgent(
    'analyzer',
    agentHandlerFunc((ctx, event, state) => {
      const outputState = state.clone();
      outputState.set('analyzed', true);
      outputState.set('analysis_score', 0.95);
      return { outputState, startTime: Date.now(), endTime: Date.now() };
    }),
  );

  await runner.start();
  try {
    const processorEvent = newEvent('processor', { data: 'sample dataset', format: 'csv' }, { session_id: 'demo-session', route: 'processor' });
    runner.emit(processorEvent); // non-blocking, as in the seed
    runner.logger.info({ eventId: processorEvent.getId() }, 'Event emitted successfully');
    await runner.waitForSession('demo-session');

    // agentflow's addition: await the outcome of an event directly.
    const processor = await runner.run(newEvent('processor', { data: 'sample dataset', format: 'csv' }, { session_id: 'demo-session-2' }));
    const analyzer = await runner.run(newEvent('analyzer', processor.state.toObject(), { session_id: 'demo-session-2' }));
    return { processor, analyzer };
  } finally {
    await runner.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { processor, analyzer } = await runBasics();
  console.log('processor output:', JSON.stringify(processor.state.toObject()));
  console.log('analyzer output: ', JSON.stringify(analyzer.state.toObject()));
}
