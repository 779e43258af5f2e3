/**
 * agentflow: an event-driven runtime for multi-agent systems.
 *
 * The core: events, state, agents, hooks, traces and the Runner.
 * Extras live behind subpath exports: `agentflow/orchestration`,
 * `agentflow/reliability`, `agentflow/observability`, `agentflow/config`,
 * `agentflow/providers`.
 *
 * @example
 * ```ts
 * import { createRunner, newEvent, agentHandlerFunc } from 'agentflow';
 * const runner = createRunner();
 * runner.registerAgent('echo', agentHandlerFunc((ctx, ev, state) => state));
 * await runner.start();
 * const { state } = await runner.run(newEvent('echo', { hello: 'world' }));
 * await runner.stop();
 * ```
 * @packageDocumentation
 */
export * from './core/errors.js';
export * from './core/json.js';
export * from './core/id.js';
export * from './core/duration.js';
export * from './core/event.js';
export * from './core/state.js';
export * from './core/agent.js';
export * from './core/hooks.js';
export * from './core/logger.js';
export * from './core/trace.js';
export * from './core/activity.js';
export * from './core/orchestrator.js';
export * from './transport/types.js';
export * from './transport/memory/index.js';
export * from './runner/config.js';
export * from './runner/types.js';
export * from './runner/runner.js';
export type { StreamPart, StreamWhere } from './runner/stream.js';
export { STREAM_META } from './runner/activity.js';
export * from './observability/trace-hooks.js';
export * from './observability/format.js';
export * from './observability/metrics.js';
export * from './core/meta.js';
export * from './runner/outcomes.js';
export { Worker, type WorkerOptions, type WorkerCounters } from './runner/worker.js';
export { AgentTable, type AgentEntry } from './runner/agents.js';
export type { Verdict } from './runner/pipeline/env.js';
