/**
 * The outcome channel of the Redis transport: outcome-bus messages as JSON
 * entries of the stream `af:{ns}:outcomes` (capped), so that a producer's
 * `run()` sees the outcome a worker produced.
 * @module
 */
import type { ActivityMessage } from '../../core/activity.js';
import { AgentflowError, type ErrorCode, type FailureReason } from '../../core/errors.js';
import { Event, type EventJSON, type Metadata } from '../../core/event.js';
import type { JsonObject } from '../../core/json.js';
import type { BusMessage, EventStatus } from '../../core/outcome.js';
import { State } from '../../core/state.js';
import type { createClient } from 'redis';
import type { OutcomeChannel } from '../types.js';
import { parseEntries, streamsOf } from './wire.js';

type Client = ReturnType<typeof createClient>;

interface WireOutcome {
  event: EventJSON;
  agentId: string;
  status: EventStatus;
  reason?: FailureReason;
  error?: { code: string; message: string };
  state: { data: JsonObject; meta: Metadata };
  duration?: number;
  attempts: number;
  emitted: string[];
  durationMs: number;
}

/** An event's JSON form without its data (built directly: no copy of the data). */
function metaOnly(e: Event): EventJSON {
  return { id: e._id, timestamp: new Date(e.getTimestampMs()).toISOString(), targetAgentId: e._target, sourceAgentId: e._source, data: {}, metadata: e._meta };
}

/**
 * A bus message as JSON text.
 *
 * @example
 * ```ts
 * const text = busToWire({ type: 'published', parentId: undefined, events: [ev] });
 * ```
 */
export function busToWire(m: BusMessage): string {
  if (m.type === 'published') return JSON.stringify({ t: 'p', parent: m.parentId, events: m.events.map((e) => e.toJSON()) });
  if (m.type === 'activity') return JSON.stringify({ t: 'a', a: m.message });
  if (m.type === 'cancel') return JSON.stringify({ t: 'c', chain: m.chainId, msg: m.message });
  const o = m.outcome;
  const w: WireOutcome = {
    event: metaOnly(o.event), // the data was in the published event; the outcome carries the state
    agentId: o.agentId,
    status: o.status,
    reason: o.reason,
    error: o.error === undefined ? undefined : { code: o.error.code, message: o.error.message },
    state: o.state.toJSON(),
    duration: o.agentResult?.duration,
    attempts: o.attempts,
    emitted: o.emitted,
    durationMs: o.durationMs,
  };
  return JSON.stringify({ t: 'o', o: w });
}

/**
 * A bus message from JSON text (`undefined` for anything unreadable).
 *
 * @example
 * ```ts
 * const m = busFromWire(text);
 * ```
 */
export function busFromWire(text: string): BusMessage | undefined {
  try {
    return busFromJson(JSON.parse(text));
  } catch {
    return undefined; // unreadable: skipped
  }
}

/** A bus message from its parsed JSON form (`undefined` for anything unreadable). */
function busFromJson(value: unknown): BusMessage | undefined {
  try {
    const j = value as { t: string; parent?: string; events?: EventJSON[]; o?: WireOutcome; a?: ActivityMessage; chain?: string; msg?: string };
    if (j === null || typeof j !== 'object') return undefined;
    if (j.t === 'c' && typeof j.chain === 'string') return { type: 'cancel', chainId: j.chain, message: String(j.msg ?? 'cancelled') };
    if (j.t === 'p' && Array.isArray(j.events)) return { type: 'published', parentId: j.parent, events: j.events.map((e) => Event.fromJSON(e)), remote: true };
    if (j.t === 'a' && j.a !== undefined && typeof j.a.chainId === 'string' && typeof j.a.activity?.kind === 'string') return { type: 'activity', message: j.a };
    if (j.t === 'o' && j.o !== undefined) {
      const w = j.o;
      const event = Event.fromJSON(w.event);
      const state = new State(w.state.data, w.state.meta);
      const error = w.error === undefined ? undefined : new AgentflowError(w.error.code as ErrorCode, w.error.message, { details: { eventId: event._id, remote: true } });
      return {
        type: 'outcome',
        outcome: {
          event,
          eventId: event._id,
          sessionId: event._meta.session_id ?? '',
          agentId: w.agentId,
          status: w.status,
          reason: w.reason,
          error,
          state,
          agentResult: w.duration === undefined ? undefined : { outputState: state, startTime: 0, endTime: w.duration, duration: w.duration },
          attempts: w.attempts,
          emitted: w.emitted,
          durationMs: w.durationMs,
          remote: true,
        },
      };
    }
  } catch {
    // unreadable: skipped
  }
  return undefined;
}

/** The messages of one stream entry: a batch (`b`, a JSON array) or messages each in a field `m` (repeated: joined by newlines). */
function messagesOf(fields: Record<string, string>): BusMessage[] {
  if (fields.m !== undefined) {
    const out: BusMessage[] = [];
    for (const text of fields.m.split('\n')) {
      const m = busFromWire(text);
      if (m !== undefined) out.push(m);
    }
    return out;
  }
  let list: unknown;
  try {
    list = JSON.parse(fields.b ?? '[]');
  } catch {
    return [];
  }
  if (!Array.isArray(list)) return [];
  const out: BusMessage[] = [];
  for (const item of list) {
    const m = busFromJson(item);
    if (m !== undefined) out.push(m);
  }
  return out;
}

/**
 * What the channel needs from its transport.
 *
 * @example
 * ```ts
 * new RedisOutcomeChannel({ key, consumer, command: () => connected(), closed: () => false, track: () => undefined, onError: console.error });
 * ```
 */
export interface RedisOutcomeChannelHost {
  readonly key: string;
  readonly consumer: string;
  /** The connected command client. */
  command(): Promise<Client>;
  closed(): boolean;
  /** Receives the channel's own reading connection (closed with the transport). */
  track(c: Client): void;
  onError(err: unknown): void;
  /** The stream of cancel messages, which every process reads. Default: the outcome stream itself. */
  readonly controlKey?: string;
  /**
   * Whether this process reads every other process's outcomes (a producer),
   * or only while it waits on a chain ({@link RedisOutcomeChannel.want}: a
   * worker, which then does not read back the stream it writes). Default true.
   */
  readonly readAll?: boolean;
  /**
   * A sorted set where reading processes register (score: when the
   * registration expires). Workers skip writing outcomes while nobody reads
   * (`unread`); a reader registers before it publishes what it waits for.
   */
  readonly readersKey?: string;
  /** True when the transport knows, freshly, that no process reads the outcome stream. */
  unread?(): boolean;
}

/** A reader's registration lasts this long and is renewed every third of it. */
const READER_TTL_MS = 15_000;

/**
 * Outcome-bus messages through the stream `af:{ns}:outcomes`: each process
 * appends its own (capped at ~100,000 entries) and reads the others' from
 * the moment it subscribed.
 *
 * @example
 * ```ts
 * const off = transport.outcomes.subscribe((m) => console.log(m.type));
 * ```
 */
export class RedisOutcomeChannel implements OutcomeChannel {
  private readonly subscribers: ((m: BusMessage) => void)[] = [];
  private wants = 0;
  /** Epoch ms (Redis's clock) when outcomes were first wanted since the last time nobody wanted them. */
  private wantedSince = 0;
  /** Redis's clock minus this process's, measured when following starts. */
  private skew = 0;
  constructor(private readonly h: RedisOutcomeChannelHost) {}

  /** True when the transport knows, freshly, that no process reads outcomes (they need not be written). */
  unread(): boolean {
    return this.h.unread?.() === true;
  }

  /**
   * A process that does not read every outcome (`readAll: false`) reads them
   * while at least one caller wants them (a `run()` or `stream()` waiting on
   * a chain), from a little before the first of them asked: the outcome of an
   * event published after `want(true)` is never missed.
   */
  want(on: boolean): Promise<void> | void {
    if (on && this.wants++ === 0) this.wantedSince = Date.now() + this.skew;
    if (!on && this.wants > 0) this.wants--;
    if (on) return this.register();
  }

  private registered = false;
  private registering: Promise<void> | undefined;
  private renewal: NodeJS.Timeout | undefined;

  /** Registers this process as a reader (renewed by a timer until unregistered); resolves once Redis has it. */
  private register(): Promise<void> {
    if (this.h.readersKey === undefined || this.h.closed() || this.registered) return Promise.resolve();
    this.registering ??= this.zadd()
      .then(() => {
        this.registered = true;
        this.renewal ??= setInterval(() => (this.h.closed() ? clearInterval(this.renewal) : void this.zadd().catch((err: unknown) => this.h.onError(err))), READER_TTL_MS / 3);
        this.renewal.unref();
      })
      .finally(() => (this.registering = undefined));
    return this.registering;
  }

  private async zadd(): Promise<void> {
    const c = await this.h.command();
    // Checked again after the await: a command queued on a client that is closing would hold its close() forever.
    if (!this.h.closed()) await c.sendCommand(['ZADD', this.h.readersKey!, String(Date.now() + this.skew + READER_TTL_MS), this.h.consumer]);
  }

  private unregister(): void {
    const key = this.h.readersKey;
    if (this.renewal !== undefined) clearInterval(this.renewal);
    this.renewal = undefined;
    if (key === undefined || !this.registered || this.h.closed()) return; // closing, the transport removes it
    this.registered = false;
    void this.h
      .command()
      .then((c) => (this.h.closed() ? undefined : c.sendCommand(['ZREM', key, this.h.consumer])))
      .catch(() => undefined);
  }

  /** Resolves once this process is registered as a reader, when it reads every outcome (the runner awaits it on start). */
  ready(): Promise<void> {
    return this.h.readAll !== false ? this.register() : Promise.resolve();
  }

  private pending: string[] = [];
  private written: Promise<void> | undefined;
  private writtenBy /* the resolvers of `written` */: [() => void, (err: unknown) => void] = [() => undefined, () => undefined];

  /** Queues the message; the messages of one event-loop turn go out as one stream entry (at most 256 each). */
  publish(m: BusMessage): Promise<void> {
    if (m.type !== 'cancel' && this.unread()) return Promise.resolve(); // nobody reads outcomes: skip the work
    if (m.type === 'cancel' && this.h.controlKey !== undefined) return this.h.command().then((c) => c.sendCommand(['XADD', this.h.controlKey!, 'MAXLEN', '~', '10000', '*', 'b', `[${busToWire(m)}]`, 'o', this.h.consumer])).then(() => undefined);
    this.pending.push(busToWire(m));
    this.written ??= new Promise<void>((resolve, reject) => {
      this.writtenBy = [resolve, reject];
      setImmediate(
        () =>
          void this.h.command().then(
            (c) => this.flushTo(c),
            (err: unknown) => ((this.pending = []), (this.written = undefined), reject(err)), // not connected (closing): these are lost, later ones go out
          ),
      );
    });
    return this.written;
  }

  /**
   * Sends the queued messages now, on `c`. The transport calls it right
   * before a settle that may announce outcomes on the same connection, so a
   * chain's activity reaches readers before its outcome.
   */
  flushTo(c: Client): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    const [resolve, reject] = this.writtenBy;
    this.pending = [];
    this.written = undefined;
    if (this.h.closed()) return resolve(); // a command queued on a closing client would hold its close() forever
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < batch.length; i += 256) {
      sends.push(c.sendCommand(['XADD', this.h.key, 'MAXLEN', '~', '100000', '*', 'b', `[${batch.slice(i, i + 256).join(',')}]`, 'o', this.h.consumer]));
    }
    Promise.all(sends).then(() => resolve(), reject);
  }

  subscribe(fn: (m: BusMessage) => void): () => void {
    this.subscribers.push(fn);
    if (this.subscribers.length === 1) void this.follow();
    return () => {
      const i = this.subscribers.indexOf(fn);
      if (i >= 0) this.subscribers.splice(i, 1);
    };
  }

  private async follow(): Promise<void> {
    let sub: Client | undefined;
    try {
      const cmd = await this.h.command();
      const key = this.h.key;
      const control = this.h.controlKey;
      const lastOf = async (k: string): Promise<string> => {
        const last = (await cmd.sendCommand(['XREVRANGE', k, '+', '-', 'COUNT', '1'])) as [string, unknown][] | null;
        return last && last.length > 0 ? String(last[0]![0]) : '0-0';
      };
      const time = (await cmd.sendCommand(['TIME'])) as [string, string];
      this.skew = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000) - Date.now();
      const readAll = this.h.readAll !== false;
      let fromOut: string | undefined = readAll ? await lastOf(key) : undefined;
      let fromControl = control === undefined ? undefined : await lastOf(control);
      sub = cmd.duplicate();
      sub.on('error', () => undefined);
      this.h.track(sub); // before connecting: a close() meanwhile must find it
      await sub.connect();
      while (!this.h.closed() && this.subscribers.length > 0) {
        const reading = readAll || this.wants > 0;
        if (!reading && this.registered) this.unregister();
        // Turned on: from 2 s before the first want (Redis's clock), so nothing a waited chain produced is missed.
        if (reading && fromOut === undefined) fromOut = `${Math.max(0, this.wantedSince - 2000)}-0`;
        if (!reading) fromOut = undefined;
        const keys: string[] = [];
        const ids: string[] = [];
        if (fromOut !== undefined) keys.push(key), ids.push(fromOut);
        if (control !== undefined && fromControl !== undefined) keys.push(control), ids.push(fromControl);
        const reply = (await sub.sendCommand(['XREAD', 'COUNT', '500', 'BLOCK', '200', 'STREAMS', ...keys, ...ids])) as unknown;
        for (const [k, list] of streamsOf(reply)) {
          const isControl = String(k) === control;
          for (const e of parseEntries(String(k), list)) {
            if (isControl) fromControl = e.id;
            else if (fromOut !== undefined) fromOut = e.id;
            if (e.fields.o === this.h.consumer) continue;
            for (const m of messagesOf(e.fields)) for (const s of [...this.subscribers]) s(m);
          }
        }
      }
    } catch (err) {
      if (!this.h.closed()) this.h.onError(err);
    } finally {
      if (this.renewal !== undefined) clearInterval(this.renewal); // the registration itself is removed by the transport's close()
      this.renewal = undefined;
      this.registered = false; // subscribing again registers again
      // The transport may have closed while this connection was being opened: close it here too
      // (at once when the transport is closed: a graceful close would wait on a reconnecting socket).
      if (sub?.isOpen) {
        if (this.h.closed()) sub.destroy();
        else await sub.close().catch(() => sub?.destroy());
      }
    }
  }
}
