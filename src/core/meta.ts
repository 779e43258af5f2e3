/**
 * The one rule for a child event's metadata. Every event the runtime makes
 * from another (a `route` hop, a broadcast copy, a `ctx.emit` child, an
 * error-routed or dead-letter-forwarded system event) goes through
 * {@link deriveChild}, so what travels down a chain is the same whatever
 * produced the child. A retry is not a child: it is the same event delivered
 * again (same id, same metadata; the attempt number comes from the
 * transport). A dead-letter replay publishes the stored event again with
 * {@link replayMetadata}.
 * @module
 */
import { Event, type Metadata } from './event.js';

/**
 * Which mechanism made a child event.
 * - `chain`: the parent's output state routed on (`route` in its meta);
 * - `broadcast`: one copy per `broadcast_targets` entry;
 * - `emit`: `ctx.emit(event)` from a handler or callback;
 * - `system`: made by the runtime for a failed event (error routing,
 *   dead-letter forwarding); marked with `af_system` so that one system
 *   mechanism never triggers another.
 *
 * @example
 * ```ts
 * const kind: ChildKind = 'emit';
 * ```
 */
export type ChildKind = 'chain' | 'broadcast' | 'emit' | 'system';

/**
 * Metadata keys a child never inherits from its parent: they describe how
 * the parent was delivered, not what the chain carries.
 *
 * @example
 * ```ts
 * NOT_INHERITED.has('route'); // true
 * ```
 */
export const NOT_INHERITED: ReadonlySet<string> = new Set([
  'route',
  'broadcast',
  'broadcast_targets',
  'broadcast_id',
  'broadcast_mode',
  'attempt',
  'status',
  'af_system',
  // set by the rule itself:
  'parent_event',
  'chain_id',
  'hop_count',
]);

/**
 * The parent's hop count (`hop_count` metadata; 0 when absent or not a
 * non-negative integer).
 *
 * @example
 * ```ts
 * hopOf({ hop_count: '3' }); // 3
 * ```
 */
export function hopOf(m: Metadata): number {
  const h = m.hop_count;
  if (h === undefined) return 0;
  const n = parseInt(h, 10);
  return n >= 0 ? n : 0;
}

/**
 * Applies the child rule to `child` in place and returns it:
 * - always set from the parent: `parent_event` (parent id), `chain_id`
 *   (parent's chain id, else the parent id), `hop_count` (parent's + 1);
 * - `session_id`: the child's own if set, else the parent's;
 * - every other parent key (`deadline`, `timeout`, `priority`, `traceparent`,
 *   `tracestate`, user keys) is copied when the child does not set it;
 * - never inherited: {@link NOT_INHERITED} (`route`, `broadcast*`,
 *   `attempt`, `status`, `af_system`);
 * - the child's `source` is `source` when it has none;
 * - a `system` child is marked `af_system = <mark>`, starts at hop 0 and
 *   does not take the parent's `deadline` or `timeout` (the failure it
 *   reports may be that they ran out).
 *
 * @example
 * ```ts
 * const child = deriveChild(parent, 'emit', newEvent('audit', { n: 1 }), 'worker');
 * child.getMetadataValue('chain_id'); // parent's chain id
 * ```
 */
export function deriveChild(parent: Event, kind: ChildKind, child: Event, source: string, systemMark?: string): Event {
  // The child's metadata is copied first (by assignment): it may be lent to an input state (an agent emitting its own
  // input event), and keys added to an event's exact-shape metadata are slow (see cloneObject).
  child._meta = Object.assign({}, child._meta);
  child._boundMeta = undefined; // (see Event._bound)
  return applyChildRule(parent, kind, child, source, systemMark);
}

function applyChildRule(parent: Event, kind: ChildKind, child: Event, source: string, systemMark?: string): Event {
  const pm = parent._meta;
  const cm = child._meta;
  const system = kind === 'system';
  for (const k in pm) {
    if (cm[k] === undefined && !NOT_INHERITED.has(k) && !(system && (k === 'deadline' || k === 'timeout'))) cm[k] = pm[k]!;
  }
  if (cm.session_id === undefined || cm.session_id === '') cm.session_id = pm.session_id ?? parent._id;
  cm.parent_event = parent._id;
  cm.chain_id = pm.chain_id ?? parent._id;
  cm.hop_count = system ? '0' : String(hopOf(pm) + 1);
  if (system) cm.af_system = systemMark ?? 'system';
  if (child._source === '') child._source = source;
  return child;
}

/**
 * Builds a `chain` or `broadcast` child from an output state: a new id, the
 * state's data (already an owned copy) and `meta` (the state's metadata
 * for a chain, the event's for a broadcast) under the child rule.
 *
 * @example
 * ```ts
 * const next = makeChild(ev, 'chain', 'analyzer', 'processor', data, { route: 'analyzer' });
 * ```
 */
export function makeChild(parent: Event, kind: ChildKind, target: string, source: string, data: Event['_data'], meta: Metadata): Event {
  const own: Metadata = {};
  for (const k in meta) if (!NOT_INHERITED.has(k) || k === 'route') own[k] = meta[k]!;
  return applyChildRule(parent, kind, new Event(undefined, Date.now(), target, source, data, own), source);
}

/**
 * Metadata for a dead-letter replay: the stored event's own metadata minus
 * its delivery state (`attempt`) and any system mark, so the replay starts
 * at attempt 1 and may be routed again.
 *
 * @example
 * ```ts
 * replayMetadata({ session_id: 's', attempt: '3', af_system: 'dead_letter' }); // { session_id: 's' }
 * ```
 */
export function replayMetadata(m: Metadata): Metadata {
  const out: Metadata = {};
  for (const k in m) if (k !== 'attempt' && k !== 'af_system') out[k] = m[k]!;
  return out;
}

/**
 * Whether an event was made by a system mechanism (error routing,
 * dead-letter forwarding); such events never trigger another one.
 *
 * @example
 * ```ts
 * if (isSystemEvent(outcome.event)) return;
 * ```
 */
export function isSystemEvent(ev: Event): boolean {
  return ev._meta.af_system !== undefined;
}
