/**
 * The pipeline: one delivery in, one {@link Verdict} out through a
 * continuation that may be called synchronously. Stages, in order (each a
 * file here): `admit` (limits, expiry, input state) → `fast-path` or
 * `hooked` (callbacks, orchestrator, the agent through `invoke-agent`) →
 * `children` (route hop, broadcast copies). The dispatcher settles.
 * @module
 */
import { State } from '../../core/state.js';
import { traceEntry, type Task } from '../task.js';
import { admit } from './admit.js';
import type { Done, PipelineEnv } from './env.js';
import { fastPathAgent, runFastPath } from './fast-path.js';
import { runHooked } from './hooked.js';
import { HookedRoute } from './hooked-route.js';
import { asAgentflowError, failed, inputStateOf } from './results.js';

export type { Done, PipelineEnv, Verdict, PipelineCounters } from './env.js';

/**
 * Runs one task through the pipeline; `done(task, verdict)` is called
 * exactly once (unless the task is settled from outside first, such as by
 * a stop that timed out). Anything unexpected still ends in a failed verdict.
 *
 * @example
 * ```ts
 * runPipeline(env, task, (t, v) => worker.settle(t, v));
 * ```
 */
export function runPipeline(env: PipelineEnv, t: Task, done: Done): void {
  try {
    if (env.traceFull !== null) env.traceFull.log(traceEntry('event_start', t, ''));
    const input = admit(env, t);
    if (!(input instanceof State)) return done(t, input);
    const entry = fastPathAgent(env, t);
    if (entry !== undefined) runFastPath(env, t, entry, input, done);
    else if (env.orchestrator === undefined) new HookedRoute(env, t, done, input).start();
    else void runHooked(env, t, input, done);
  } catch (err) {
    env.logger.error({ eventId: t.event._id, err }, 'internal error while processing event');
    if (!t.finished) done(t, { ...failed(t, 'agent_error', asAgentflowError(err, t.agentId, t.event._id), inputStateOf(t.event)), final: true });
  }
}
