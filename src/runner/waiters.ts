/**
 * Waiting for a chain (`run()`) or a session (`waitForSession`) by
 * following the outcome bus: a set of event ids still expected, grown by
 * `published` messages and shrunk by outcomes. Only ids are compared, so it
 * works whatever order messages arrive in and whichever process ran the event.
 * @module
 */
import { EventFailedError } from '../core/errors.js';
import type { EventOutcome } from '../core/outcome.js';
import type { RunResult } from './types.js';
import type { BusMessage, OutcomeBus } from './outcomes.js';

/** Ids expected, and ids whose outcome arrived before we knew of them. */
class IdSet {
  readonly expected = new Set<string>();
  private readonly early = new Set<string>();
  add(id: string): void {
    if (!this.early.delete(id)) this.expected.add(id);
  }
  done(id: string): void {
    if (!this.expected.delete(id)) this.early.add(id);
  }
  get empty(): boolean {
    return this.expected.size === 0;
  }
}

interface ChainWait {
  ids: IdSet;
  outcomes: EventOutcome[];
  failure: EventOutcome | undefined;
  resolve: (r: RunResult) => void;
  reject: (e: unknown) => void;
}

/**
 * `run()` waiters by chain id.
 *
 * @example
 * ```ts
 * const waits = new ChainWaiters();
 * const p = waits.add(event.getId(), event.getId());
 * ```
 */
export class ChainWaiters {
  private readonly byChain = new Map<string, ChainWait[]>();
  /** Called when the last waiter of a chain settles. */
  onEnded: ((chainId: string) => void) | undefined;

  has(chainId: string): boolean {
    return this.byChain.has(chainId);
  }

  get size(): number {
    return this.byChain.size;
  }

  add(chainId: string, rootId: string): Promise<RunResult> {
    return new Promise<RunResult>((resolve, reject) => {
      const w: ChainWait = { ids: new IdSet(), outcomes: [], failure: undefined, resolve, reject };
      w.ids.add(rootId);
      const list = this.byChain.get(chainId);
      if (list === undefined) this.byChain.set(chainId, [w]);
      else list.push(w);
    });
  }

  /** Removes the waiters of a chain whose root could not be published. */
  fail(chainId: string, err: unknown): void {
    const list = this.byChain.get(chainId);
    this.byChain.delete(chainId);
    for (const w of list ?? []) w.reject(err);
    this.onEnded?.(chainId);
  }

  readonly onMessage = (m: BusMessage): void => {
    if (m.type === 'published') {
      for (const ev of m.events) {
        // System events (error routing, dead-letter forwarding) report on a chain; they are not part of it.
        if (ev._meta.af_system !== undefined) continue;
        const list = this.byChain.get(ev._meta.chain_id ?? ev._id);
        if (list !== undefined) for (const w of list) w.ids.add(ev._id);
      }
      return;
    }
    if (m.type === 'activity' || m.type === 'cancel') return;
    const o = m.outcome;
    if (o.event._meta.af_system !== undefined) return;
    const chainId = o.event._meta.chain_id ?? o.eventId;
    const list = this.byChain.get(chainId);
    if (list === undefined) return;
    for (let i = list.length - 1; i >= 0; i--) {
      const w = list[i]!;
      w.outcomes.push(o);
      if (o.status !== 'completed' && w.failure === undefined) w.failure = o;
      w.ids.done(o.eventId);
      if (!w.ids.empty) continue;
      list.splice(i, 1);
      if (w.failure !== undefined) {
        const f = w.failure;
        w.reject(new EventFailedError(f.eventId, f.reason ?? 'agent_error', f.error, f.agentId));
      } else {
        w.resolve({ state: o.state, eventId: o.eventId, agentId: o.agentId, sessionId: o.sessionId, outcomes: w.outcomes, events: w.outcomes.length });
      }
    }
    if (list.length === 0) {
      this.byChain.delete(chainId);
      this.onEnded?.(chainId);
    }
  };
}

/**
 * `waitForSession` waiters by session id.
 *
 * @example
 * ```ts
 * const waits = new SessionWaiters();
 * await waits.add('s1', ['e1', 'e2']);
 * ```
 */
export class SessionWaiters {
  private readonly bySession = new Map<string, { ids: IdSet; resolvers: (() => void)[] }>();

  get size(): number {
    return this.bySession.size;
  }

  /** Waits until every id in `pending` (and every later event of the session) has an outcome. */
  add(sessionId: string, pending: readonly string[]): Promise<void> {
    return new Promise<void>((resolve) => {
      let w = this.bySession.get(sessionId);
      if (w === undefined) {
        w = { ids: new IdSet(), resolvers: [] };
        this.bySession.set(sessionId, w);
      }
      for (const id of pending) w.ids.add(id);
      w.resolvers.push(resolve);
    });
  }

  readonly onMessage = (m: BusMessage): void => {
    if (m.type === 'published') {
      for (const ev of m.events) this.bySession.get(ev._meta.session_id ?? '')?.ids.add(ev._id);
      return;
    }
    if (m.type === 'activity' || m.type === 'cancel') return;
    const s = m.outcome.sessionId;
    const id = m.outcome.eventId;
    this.bySession.get(s)?.ids.done(id);
    // A hook may have moved the event to another session: it still ends the wait it was counted in.
    for (const [k, w] of this.bySession) if (k !== s && w.ids.expected.has(id)) w.ids.done(id);
    for (const [k, w] of this.bySession) {
      if (!w.ids.empty) continue;
      this.bySession.delete(k);
      for (const r of w.resolvers) r();
    }
  };
}

/**
 * The runner's waits (`run()`, `waitForSession`), subscribed to the outcome
 * bus only while something waits, so the bus stays silent otherwise.
 *
 * @example
 * ```ts
 * const waits = new Waits(bus);
 * const result = await waits.chain(event.getId(), event.getId());
 * ```
 */
export class Waits {
  private readonly chains = new ChainWaiters();
  private readonly sessions = new SessionWaiters();
  private sub: (() => void) | undefined;
  constructor(private readonly bus: OutcomeBus) {}

  chain(chainId: string, rootId: string): Promise<RunResult> {
    const p = this.chains.add(chainId, rootId);
    this.follow();
    return p;
  }

  failChain(chainId: string, err: unknown): void {
    this.chains.fail(chainId, err);
  }

  /** Whether some `run()` waits for this chain. */
  hasChain(chainId: string): boolean {
    return this.chains.has(chainId);
  }

  /** Called when the last `run()` of a chain settles. */
  set onChainEnded(fn: ((chainId: string) => void) | undefined) {
    this.chains.onEnded = fn;
  }

  session(sessionId: string, pending: readonly string[]): Promise<void> {
    const p = this.sessions.add(sessionId, pending);
    this.follow();
    return p;
  }

  private follow(): void {
    if (this.sub !== undefined) return;
    this.sub = this.bus.subscribe((m) => {
      if (this.chains.size !== 0) this.chains.onMessage(m);
      if (this.sessions.size !== 0) this.sessions.onMessage(m);
      if (this.chains.size === 0 && this.sessions.size === 0 && this.sub !== undefined) {
        this.sub();
        this.sub = undefined;
      }
    });
  }
}
