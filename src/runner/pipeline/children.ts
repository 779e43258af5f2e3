/**
 * Stage 6 of the pipeline: the children an event produces by `route` (the
 * next hop) or by broadcast. Both follow the child rule in `core/meta.ts`;
 * they are collected on the task and published when it is settled.
 * @module
 */
import { InvalidMetadataError } from '../../core/errors.js';
import type { Event } from '../../core/event.js';
import { cloneRecord } from '../../core/json.js';
import { makeChild } from '../../core/meta.js';
import type { OrchestrationResult } from '../../core/orchestrator.js';
import type { State } from '../../core/state.js';
import { traceEntry, type Task } from '../task.js';
import type { PipelineEnv } from './env.js';
import { asAgentflowError } from './results.js';

/**
 * If the output routes on (`route` in its meta), adds the next hop: the
 * output state as data, its metadata carried, `status: success`. A child
 * that cannot be made (its data is not JSON) fails the event.
 *
 * @example
 * ```ts
 * routeNext(env, task, result);
 * ```
 */
export function routeNext(env: PipelineEnv, t: Task, result: Pick<OrchestrationResult, 'state' | 'agentId' | 'error' | 'reason'>): void {
  if (result.error !== undefined) return;
  const out = result.state;
  const next = out._meta.route;
  if (next === undefined || next === '') return;
  let child: Event;
  try {
    child = makeChild(t.event, 'chain', next, t.agentId, out._lendFlatData() ?? cloneRecord(out._data, 'state', t.event._id, true), out._meta);
    child._meta.route = next;
    child._meta.status = 'success';
    env.checkEvent(child);
  } catch (err) {
    result.error = asAgentflowError(err, result.agentId, t.event._id);
    result.reason = 'invalid_event';
    return;
  }
  t.addChild(child);
  if (env.traceFull !== null) {
    const e = traceEntry('event_emitted', t, t.agentId);
    e.targetAgentId = next;
    e.detail = { childEventId: child._id, hopCount: Number(child._meta.hop_count) };
    env.traceFull.log(e);
  }
}

/**
 * Adds one copy of the event per `broadcast_targets` entry, each routed to
 * its agent and marked with `broadcast_id` and `broadcast_mode`.
 *
 * @example
 * ```ts
 * broadcastCopies(env, task, state);
 * ```
 */
export function broadcastCopies(env: PipelineEnv, t: Task, state: State): void {
  const ev = t.event;
  const targets = (ev._meta.broadcast_targets ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  // Fan-out counts against capacity: a broadcast larger than the queue is refused, not forced in.
  if (targets.length > env.config.queueSize) {
    throw new InvalidMetadataError('broadcast_targets', `${targets.length} targets is more than the queue holds (queueSize ${env.config.queueSize})`, ev._id);
  }
  for (const agent of targets) {
    const child = makeChild(ev, 'broadcast', agent, ev._source, state._lendFlatData() ?? cloneRecord(state._data, 'data', ev._id, true), ev._meta);
    child._meta.route = agent;
    child._meta.broadcast_id = ev._id;
    child._meta.broadcast_mode = 'individual';
    t.addChild(child);
    if (env.traceFull !== null) {
      const e = traceEntry('event_emitted', t, '');
      e.targetAgentId = agent;
      e.detail = { childEventId: child._id, broadcast: true };
      env.traceFull.log(e);
    }
  }
}
