/**
 * The agents and callbacks of the seed's "Complete Message Passing Example".
 */
import {
  BaseAgent,
  HookPoint,
  agentHandlerFunc,
  newEvent,
  type AgentContext,
  type AgentHandler,
  type Runner,
  type State,
} from '../../src/index.js';

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason);
    }, { once: true });
  });

/** Pattern 1: a full agent with identity and lifecycle (the seed's DataProcessorAgent). */
export class DataProcessorAgent extends BaseAgent {
  initialized = false;
  constructor(name = 'data_processor', role = 'data_processor') {
    super({ name, role, description: 'Processes incoming data', capabilities: ['data_processing'], systemPrompt: 'You process data efficiently', timeoutMs: 30_000 });
  }
  override async initialize(): Promise<void> {
    this.initialized = true;
  }
  override async shutdown(): Promise<void> {
    this.initialized = false;
  }
  run(ctx: AgentContext, inputState: State): State {
    const outputState = inputState.clone();
    outputState.set('processed', true);
    outputState.set('processor_id', 'agent-proc-001');
    outputState.set('processed_at', Math.floor(Date.now() / 1000));
    outputState.setMeta('route', 'data_analyzer');
    return outputState;
  }
}

/** The seed's agents: one full agent (Pattern 1) and three handler functions (Pattern 2), by name. */
export function seedAgents(): { data_processor: DataProcessorAgent } & Record<string, AgentHandler | DataProcessorAgent> {
  return {
    data_processor: new DataProcessorAgent(),
    simple_processor: simpleProcessor,
    data_analyzer: dataAnalyzer,
    report_generator: reportGenerator,
  };
}

/** The seed's registerAgents: registers {@link seedAgents} on a runner. */
export function registerAgents(runner: Runner): DataProcessorAgent {
  const agents = seedAgents();
  for (const [name, agent] of Object.entries(agents)) runner.registerAgent(name, agent);
  return agents.data_processor;
}

// Pattern 2: a handler function (simple_processor), routes to the analyzer.
const simpleProcessor = agentHandlerFunc(async (ctx, event, state) => {
      const startTime = Date.now();
      await sleep(100, ctx.signal);
      const outputState = state.clone();
      outputState.set('processed', true);
      outputState.set('processor_id', 'proc-001');
      outputState.set('processed_at', Math.floor(Date.now() / 1000));
      outputState.setMeta('route', 'data_analyzer');
      return { outputState, startTime, endTime: Date.now() };
    });

const dataAnalyzer = agentHandlerFunc(async (ctx, event, state) => {
      const startTime = Date.now();
      await sleep(150, ctx.signal);
      const outputState = state.clone();
      outputState.set('analyzed', true);
      outputState.set('analysis_score', 0.95);
      outputState.set('insights', ['trend_up', 'quality_good']);
      outputState.setMeta('route', 'report_generator');
      return { outputState, startTime, endTime: Date.now() };
    });

const reportGenerator = agentHandlerFunc(async (ctx, event, state) => {
      const startTime = Date.now();
      await sleep(200, ctx.signal);
      const outputState = state.clone();
      outputState.set('report_generated', true);
      outputState.set('report_id', `rpt-${Math.floor(Date.now() / 1000)}`);
      outputState.set('final_result', 'Processing pipeline completed successfully');
      return { outputState, startTime, endTime: Date.now() };
    });

/** Counts how often each of the seed's callbacks fired (for tests). */
export type CallbackCounts = Record<'event-logger' | 'agent-monitor' | 'performance-tracker' | 'error-recovery' | 'cleanup', number>;

function isRetryableError(err: Error | undefined): boolean {
  if (!err) return false;
  const s = err.message.toLowerCase();
  return s.includes('timeout') || s.includes('connection') || s.includes('temporary');
}

/** The seed's setupCallbacks: event logger, agent monitor, performance tracker, error recovery, cleanup. */
export function setupCallbacks(runner: Runner): CallbackCounts {
  const counts: CallbackCounts = { 'event-logger': 0, 'agent-monitor': 0, 'performance-tracker': 0, 'error-recovery': 0, cleanup: 0 };

  runner.registerCallback(HookPoint.BeforeEventHandling, 'event-logger', (ctx, args) => {
    counts['event-logger']++;
    ctx.logger.info({ target: args.event.getTargetAgentId(), session: args.event.getSessionId() }, 'Event processing started');
    return args.state;
  });

  runner.registerCallback(HookPoint.BeforeAgentRun, 'agent-monitor', (ctx, args) => {
    counts['agent-monitor']++;
    ctx.logger.debug({ agent: args.agentId }, 'Agent execution starting');
    args.state.setMeta('execution_start', new Date().toISOString());
    args.state.setMeta('executing_agent', args.agentId);
    return args.state;
  });

  runner.registerCallback(HookPoint.AfterAgentRun, 'performance-tracker', (ctx, args) => {
    counts['performance-tracker']++;
    ctx.logger.info(
      { agent: args.agentId, duration_ms: args.agentResult?.duration, success: args.error === undefined },
      'Agent execution completed',
    );
    return args.state;
  });

  runner.registerCallback(HookPoint.AgentError, 'error-recovery', (ctx, args) => {
    counts['error-recovery']++;
    ctx.logger.error({ agent: args.agentId, err: args.error?.message }, 'Agent execution failed');
    if (isRetryableError(args.error) && args.event.getMetadataValue('retry') !== 'true') {
      const retryEvent = newEvent(args.agentId, args.event.getData(), {
        retry: 'true',
        original_event_id: args.event.getId(),
        session_id: args.event.getSessionId(),
        route: args.agentId,
      });
      ctx.emit(retryEvent);
      ctx.logger.info({ agent: args.agentId, retry_event_id: retryEvent.getId() }, 'Retry event emitted');
    }
    return args.state;
  });

  runner.registerCallback(HookPoint.AfterEventHandling, 'cleanup', (ctx, args) => {
    counts.cleanup++;
    ctx.logger.debug({}, 'Event processing completed');
    return args.state;
  });
  return counts;
}

/** The seed's three demonstration events. */
export function demonstrationEvents() {
  return [
    newEvent('data_processor', { message: 'Process this dataset', dataset_id: 'ds-12345', format: 'json' }, {
      session_id: 'demo-session-1',
      route: 'data_processor',
      priority: 'normal',
    }),
    newEvent('data_processor', { message: 'URGENT: Process critical data', dataset_id: 'ds-urgent-001', format: 'csv' }, {
      session_id: 'demo-session-2',
      route: 'data_processor',
      priority: 'high',
      deadline: new Date(Date.now() + 60_000).toISOString(),
    }),
    newEvent('data_processor', { message: 'Process batch of datasets', dataset_ids: ['ds-001', 'ds-002', 'ds-003'], batch_size: 3 }, {
      session_id: 'demo-session-3',
      route: 'data_processor',
      processing_mode: 'batch',
    }),
  ];
}
