/**
 * `runner.stream(event)`: a chain's progress as an async iterable.
 * @module
 */
import type { ActivityMessage, AgentActivity } from '../core/activity.js';
import { ChainCancelledError, type AgentflowError } from '../core/errors.js';
import type { Event } from '../core/event.js';
import type { EventOutcome } from '../core/outcome.js';
import { STREAM_META } from './activity.js';
import type { OutcomeBus } from './outcomes.js';
import type { Task } from './task.js';
import type { RunResult } from './types.js';
import type { Waits } from './waiters.js';

/**
 * Where a streamed activity happened.
 *
 * @example
 * ```ts
 * const w: StreamWhere = { eventId: 'e1', agentId: 'writer', sessionId: 's1', attempt: 1 };
 * ```
 */
export interface StreamWhere {
  readonly eventId: string;
  readonly agentId: string;
  readonly sessionId: string;
  readonly attempt: number;
}

/**
 * One piece of a chain's progress, as `runner.stream()` yields it:
 * - an agent's activity (`token`, `tool_call`, `tool_result`, `handoff`) with where it happened;
 * - `hop`: the chain produced an event (a route hop, a broadcast copy, a `ctx.emit` child);
 * - `outcome`: one event of the chain finished (completed, failed or dead-lettered);
 * - `done`: the whole chain finished; the last part (a failed chain throws `EventFailedError` instead).
 *
 * @example
 * ```ts
 * for await (const part of runner.stream(newEvent('writer', { input: 'Once' }))) {
 *   if (part.kind === 'token') process.stdout.write(part.text);
 *   else if (part.kind === 'done') console.log('\n', part.result.state.get('response'));
 * }
 * ```
 */
export type StreamPart =
  | (AgentActivity & StreamWhere)
  | { readonly kind: 'hop'; readonly eventId: string; readonly parentEventId: string | undefined; readonly targetAgentId: string; readonly sourceAgentId: string; readonly hopCount: number }
  | { readonly kind: 'outcome'; readonly outcome: EventOutcome }
  | { readonly kind: 'done'; readonly result: RunResult };

/**
 * What {@link streamChain} needs from the runner.
 *
 * @example
 * ```ts
 * const host: StreamHost = { bus: runner.getOutcomeBus(), run: (e) => runner.run(e), cancel: (id, err) => runner.cancel(id, err) };
 * ```
 */
export interface StreamHost {
  readonly bus: OutcomeBus;
  run(event: Event): Promise<RunResult>;
  cancel(chainId: string, reason: ChainCancelledError): void;
}

/**
 * Runs `event` as `runner.run()` does and yields the chain's progress as it
 * happens. Breaking out of the loop (or an aborted `signal`) cancels the
 * chain: its running events are aborted and the rest end `cancelled`. A
 * failed chain throws the `EventFailedError` that `run()` rejects with,
 * after yielding its parts.
 *
 * @example
 * ```ts
 * for await (const p of streamChain(host, ev)) console.log(p.kind);
 * ```
 */
export async function* streamChain(host: StreamHost, event: Event, options: { signal?: AbortSignal } = {}): AsyncGenerator<StreamPart, void, undefined> {
  event.setMetadata(STREAM_META, '1'); // (a copy: the metadata may be lent to an earlier run's input state)
  const chainId = event._meta.chain_id ?? event._id;
  const parts: StreamPart[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  let failure: unknown;
  const push = (p: StreamPart): void => {
    parts.push(p);
    wake?.();
  };
  const off = host.bus.subscribe((m) => {
    if (m.type === 'activity') {
      if (m.message.chainId === chainId) push(partOf(m.message));
    } else if (m.type === 'published') {
      for (const ev of m.events) {
        const em = ev._meta;
        if (em.chain_id !== chainId || em.af_system !== undefined) continue;
        push({ kind: 'hop', eventId: ev._id, parentEventId: em.parent_event, targetAgentId: em.route ?? ev._target, sourceAgentId: ev._source, hopCount: Number(em.hop_count ?? 0) });
      }
    } else if (m.type === 'cancel') {
      // another process's cancellation: nothing to show
    } else if ((m.outcome.event._meta.chain_id ?? m.outcome.eventId) === chainId && m.outcome.event._meta.af_system === undefined) {
      push({ kind: 'outcome', outcome: m.outcome });
    }
  });
  const onAbort = (): void => host.cancel(chainId, new ChainCancelledError(chainId, 'the stream was aborted'));
  options.signal?.addEventListener('abort', onAbort, { once: true });
  host.run(event).then(
    (result) => {
      finished = true;
      push({ kind: 'done', result });
    },
    (err: unknown) => {
      finished = true;
      failure = err;
      wake?.();
    },
  );
  try {
    for (;;) {
      while (parts.length !== 0) yield parts.shift()!;
      if (finished) break;
      await new Promise<void>((r) => (wake = r));
      wake = undefined;
    }
    while (parts.length !== 0) yield parts.shift()!;
  } finally {
    off();
    options.signal?.removeEventListener('abort', onAbort);
    if (!finished) host.cancel(chainId, new ChainCancelledError(chainId, 'the stream consumer stopped reading'));
  }
  if (failure !== undefined) throw failure;
}

function partOf(m: ActivityMessage): StreamPart {
  return { ...m.activity, eventId: m.eventId, agentId: m.agentId, sessionId: m.sessionId, attempt: m.attempt };
}

/**
 * Cancels a chain a `run()` waits for (see `runner.cancel`): marks it so
 * its queued and later events end `cancelled`, and aborts its running ones.
 *
 * @example
 * ```ts
 * cancelChain(worker, waits, chainId, new ChainCancelledError(chainId, 'user pressed stop'));
 * ```
 */
export function cancelChain(worker: CancelTarget, waits: Waits, chainId: string, reason: AgentflowError): boolean {
  if (!waits.hasChain(chainId)) return false;
  waits.onChainEnded = (id) => worker.cancelled.delete(id);
  abortChain(worker, chainId, reason);
  return true;
}

/**
 * What cancelling needs from a worker.
 *
 * @example
 * ```ts
 * const target: CancelTarget = worker;
 * ```
 */
export interface CancelTarget {
  readonly cancelled: Map<string, AgentflowError>;
  readonly active: readonly Task[];
}

/**
 * Marks a chain cancelled in this process and aborts its running events.
 *
 * @example
 * ```ts
 * abortChain(worker, chainId, new ChainCancelledError(chainId, 'cancelled elsewhere'));
 * ```
 */
export function abortChain(worker: CancelTarget, chainId: string, reason: AgentflowError): void {
  worker.cancelled.set(chainId, reason);
  for (const t of worker.active.slice()) if ((t.event._meta.chain_id ?? t.event._id) === chainId) t.abort(reason);
}

/**
 * How long a chain cancelled by another process stays marked here (its
 * queued events end `cancelled`): ten minutes.
 *
 * @example
 * ```ts
 * REMOTE_CANCEL_MS; // 600000
 * ```
 */
export const REMOTE_CANCEL_MS = 10 * 60_000;

/**
 * A cancellation from another process: the chain's events running or
 * arriving here are ended `cancelled` for {@link REMOTE_CANCEL_MS}.
 *
 * @example
 * ```ts
 * bus.onRemoteCancel = (id, msg) => remoteCancel(worker, id, msg);
 * ```
 */
export function remoteCancel(worker: CancelTarget, chainId: string, message: string): void {
  if (worker.cancelled.size >= 10_000) worker.cancelled.delete(worker.cancelled.keys().next().value!);
  abortChain(worker, chainId, new ChainCancelledError(chainId, `${message} (in another process)`));
  setTimeout(() => worker.cancelled.delete(chainId), REMOTE_CANCEL_MS).unref();
}
