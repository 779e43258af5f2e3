/**
 * The fast path: no callbacks, no orchestrator, a plain ready agent. No
 * async frames: the handler's promise continues straight into the verdict,
 * and an expiry calls the same continuation (no race promise). It shares
 * {@link invokeAgent} and {@link routeNext} with the general path; the
 * parity test checks both give the same outcomes, traces and stats.
 * @module
 */
import type { State } from '../../core/state.js';
import type { AgentEntry } from '../agents.js';
import type { Task } from '../task.js';
import { routeNext } from './children.js';
import type { Done, PipelineEnv } from './env.js';
import { invokeAgent } from './invoke-agent.js';

/**
 * The agent the fast path would run for this task, or `undefined` when the
 * general path is needed.
 *
 * @example
 * ```ts
 * const entry = fastPathAgent(env, task);
 * ```
 */
export function fastPathAgent(env: PipelineEnv, t: Task): AgentEntry | undefined {
  if (env.orchestrator !== undefined || !env.registry.isEmpty()) return undefined;
  const meta = t.event._meta;
  if (meta.broadcast === 'true') return undefined;
  const entry = env.agents.get(meta.route || t.event._target);
  if (entry === undefined || entry.ready !== undefined || entry.agent?.enabled === false) return undefined;
  return entry;
}

/**
 * Runs `entry` and calls `done` with the verdict.
 *
 * @example
 * ```ts
 * runFastPath(env, task, entry, input, done);
 * ```
 */
export function runFastPath(env: PipelineEnv, t: Task, entry: AgentEntry, state: State, done: Done): void {
  t.agentId = entry.name;
  invokeAgent(env, t, entry, t, state, env.traceFull, (run) => {
    if (t.finished) return;
    const result = { agentId: run.agentId, state: run.state, agentResult: run.result, error: run.error, reason: run.reason };
    routeNext(env, t, result);
    done(t, {
      status: result.error === undefined ? 'completed' : 'failed',
      agentId: result.agentId,
      state: result.state,
      reason: result.error === undefined ? undefined : (result.reason ?? 'agent_error'),
      error: result.error,
      agentResult: result.agentResult,
      children: t.children ?? [],
    });
  });
}
