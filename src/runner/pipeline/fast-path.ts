/**
 * The fast path: no callbacks, no orchestrator, a plain ready agent. No
 * async frames: the handler's promise continues straight into the verdict,
 * and an expiry calls the same continuation (no race promise). It shares
 * {@link invokeAgent} and {@link routeNext} with the general path; the
 * parity test checks both give the same outcomes, traces and stats.
 * @module
 */
import type { AgentResult } from '../../core/agent.js';
import type { AgentflowError, FailureReason } from '../../core/errors.js';
import type { State } from '../../core/state.js';
import type { AgentEntry } from '../agents.js';
import type { Task } from '../task.js';
import { routeNext } from './children.js';
import { NO_CHILDREN, type Done, type PipelineEnv, type Verdict } from './env.js';
import { invokeAgent, type AgentCall, type RunReceiver } from './invoke-agent.js';

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
  invokeAgent(env, t, entry, t, state, env.traceFull, FAST, t.startedAt, done);
}

/** The fast path's continuation: one object for every call (no closure per event). */
const FAST: RunReceiver = {
  agentRan(call: AgentCall, out: State, result: AgentResult, error: AgentflowError | undefined, reason: FailureReason | undefined): void {
    const t = call.t;
    if (t.finished) return;
    const v: Verdict = { status: 'completed', agentId: call.agentId, state: out, reason, error, agentResult: result, children: NO_CHILDREN };
    routeNext(call.env, t, v);
    if (v.error !== undefined) {
      v.status = 'failed';
      v.reason ??= 'agent_error';
    } else v.reason = undefined;
    if (t.children !== undefined) v.children = t.children;
    // The event ends when its agent did (no hooks follow): the outcome reuses that time.
    t.endedAt = result.endTime;
    call.next!(t, v);
  },
};
