/**
 * The seed's "Complete Message Passing Example": data_processor →
 * data_analyzer → report_generator, with the seed's callbacks and its three
 * demonstration events, on the embedded in-memory runner built from the
 * seed's agentflow.toml. Prints each session's final state and its trace.
 *
 * Run: npm start   (or: npx tsx examples/message-passing/main.ts)
 */
import { pathToFileURL } from 'node:url';
import { fileURLToPath } from 'node:url';
import { formatTrace, type Logger, type RunResult, type TraceEntry, type RunnerStats } from '../../src/index.js';
import { createRunnerFromConfig } from '../../src/config/index.js';
import { demonstrationEvents, seedAgents, setupCallbacks, type CallbackCounts } from './agents.js';

/** The seed's agentflow.toml for this example (configuration first). */
export const CONFIG_FILE = fileURLToPath(new URL('../config/message-passing-system.toml', import.meta.url));

export interface MessagePassingResult {
  results: RunResult[];
  traces: Record<string, TraceEntry[]>;
  callbacks: CallbackCounts;
  stats: RunnerStats;
  processorInitialized: boolean;
}

/** Runs the complete example and returns what happened. */
export async function runMessagePassing(logger?: Logger): Promise<MessagePassingResult> {
  // Configuration first: the runner, its orchestration and its agents are declared in
  // agentflow.toml; the code handlers take the declared names (no LLM is called).
  const agents = seedAgents();
  const runner = await createRunnerFromConfig(CONFIG_FILE, { agents, logger });
  const callbacks = setupCallbacks(runner);
  const processor = agents.data_processor;

  await runner.start();
  const processorInitialized = processor.initialized;
  try {
    // Emit all three at once (non-blocking) and wait for each chain to finish.
    const events = demonstrationEvents();
    const results = await Promise.all(events.map((ev) => runner.run(ev)));
    const traces: Record<string, TraceEntry[]> = {};
    for (const r of results) traces[r.sessionId] = runner.dumpTrace(r.sessionId);
    return { results, traces, callbacks, stats: runner.stats(), processorInitialized };
  } finally {
    await runner.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = Date.now();
  console.log(`agentflow: the seed's complete message-passing pipeline, configured by ${CONFIG_FILE.replace(process.cwd() + '/', '')}`);
  console.log('three events (normal, high priority with a deadline, batch) → data_processor → data_analyzer → report_generator');
  const { results, traces, stats } = await runMessagePassing();
  for (const r of results) {
    console.log(`\n=== ${r.sessionId}: ${r.events} events, last agent ${r.agentId} ===`);
    console.log('final state:', JSON.stringify(r.state.toObject(), null, 2));
    console.log('trace:');
    console.log(formatTrace(traces[r.sessionId]!).replace(/^/gm, '  '));
  }
  console.log(`\nstats: ${JSON.stringify(stats)}`);
  console.log(`done in ${Date.now() - started} ms`);
}
