/**
 * Events: the packets agents exchange.
 * @module
 */
import { AgentflowError, InvalidEventDataError, InvalidEventJsonError, InvalidMetadataError } from './errors.js';
import { drawIdWords, formatIdWords, idWordPool } from './id-words.js';
import { cloneJson, cloneMetadata, cloneRecord, lastCopyBound, type JsonObject, type JsonValue } from './json.js';

/**
 * An event's payload: a JSON object.
 *
 * @example
 * ```ts
 * const data: EventData = { message: 'Analyze this dataset', dataset_id: 'ds-12345' };
 * ```
 */
export type EventData = JsonObject;

/**
 * An event's routing metadata: string keys to string values.
 *
 * @example
 * ```ts
 * const meta: Metadata = { session_id: 'session-12345', route: 'data-analyzer', priority: 'normal' };
 * ```
 */
export type Metadata = Record<string, string>;

/**
 * Metadata keys agentflow reads or writes, by name.
 *
 * @example
 * ```ts
 * newEvent('a', {}, { [MetaKeys.SESSION_ID]: 's1', [MetaKeys.PRIORITY]: 'high' });
 * ```
 */
export const MetaKeys = {
  /** Groups related events; defaults to the first event's id. */
  SESSION_ID: 'session_id',
  /** The agent to run; wins over the target agent id. In an output state's meta, the next hop. */
  ROUTE: 'route',
  /** `critical` | `high` | `normal` | `low`. */
  PRIORITY: 'priority',
  /** RFC 3339 time after which the event must not run. */
  DEADLINE: 'deadline',
  /** Per-event timeout such as `"30s"`. */
  TIMEOUT: 'timeout',
  /** Hops since the chain began (0 for the first event). */
  HOP_COUNT: 'hop_count',
  /** Id of the first event of a chain. */
  CHAIN_ID: 'chain_id',
  /** Id of the event whose output produced this one. */
  PARENT_EVENT: 'parent_event',
  /** `"true"` to deliver the event to every agent in `broadcast_targets`. */
  BROADCAST: 'broadcast',
  /** Comma-separated agent names for a broadcast. */
  BROADCAST_TARGETS: 'broadcast_targets',
  /** Id of the broadcast event a delivered copy came from. */
  BROADCAST_ID: 'broadcast_id',
  /** Set on chained events: `success`. */
  STATUS: 'status',
  /** Delivery attempt number, starting at 1 (set on retries). */
  ATTEMPT: 'attempt',
} as const;

/**
 * The JSON form of an event, as produced by {@link Event.toJSON}. Events in
 * this form cross process boundaries (Redis streams, files) and come back
 * with {@link Event.fromJSON}.
 *
 * @example
 * ```ts
 * const wire: EventJSON = JSON.parse(JSON.stringify(ev));
 * const back = Event.fromJSON(wire);
 * ```
 */
export interface EventJSON {
  id: string;
  /** RFC 3339 creation time with milliseconds. */
  timestamp: string;
  targetAgentId: string;
  sourceAgentId: string;
  data: EventData;
  metadata: Metadata;
}

/** Process start (ms): event timestamps are stored relative to it. */
const EPOCH = Date.now();

/**
 * A structured packet of information with routing metadata and a JSON
 * payload. Create events with {@link newEvent}. Once emitted, an event
 * belongs to the runner: treat it as immutable.
 *
 * @example
 * ```ts
 * const ev = newEvent('data-analyzer', { query: 'SELECT 1' }, { session_id: 'session-12345' });
 * ev.getId();        // a UUID v4
 * ev.getSessionId(); // 'session-12345'
 * ```
 */
export class Event {
  /**
   * @internal The id as text; `undefined` until a random id is first read
   * (it is then formatted from `_w0`–`_w3`, see {@link Event._id}).
   */
  _idText: string | undefined;
  /** @internal The random id's 128 bits (0 when the id was given as text). */
  _w0: number;
  /** @internal */ _w1: number;
  /** @internal */ _w2: number;
  /** @internal */ _w3: number;
  /**
   * @internal Milliseconds since {@link EPOCH}: a small integer (no boxed
   * number per event) for events made within ~12 days of process start.
   */
  _ts: number;
  /** @internal */ _target: string;
  /** @internal */ _source: string;
  /** @internal */ _data: EventData;
  /** @internal */ _meta: Metadata;
  /**
   * @internal An upper bound of the UTF-8 JSON size of `_data` plus
   * `_boundMeta`, found while `newEvent` copied them, when the data is flat
   * (no nested object or array); -1 when unknown (then the payload is walked
   * when needed). Valid for the metadata only while `_meta` is
   * `_boundMeta`: a write to the metadata copies it (`setMetadata`, the
   * child rule) or resets this (the runner's session id).
   */
  _bound = -1;
  /** @internal The metadata object `_bound` counts. */
  _boundMeta: Metadata | undefined = undefined;

  /**
   * Low-level constructor that takes ownership of already-validated data and
   * metadata without copying. Prefer {@link newEvent}. `id` undefined: a
   * fresh random (v4) id.
   * @internal
   */
  constructor(id: string | undefined, timestamp: number, target: string, source: string, data: EventData, meta: Metadata) {
    this._idText = id;
    if (id === undefined) {
      const p = drawIdWords();
      this._w0 = idWordPool[p]!;
      this._w1 = idWordPool[p + 1]!;
      this._w2 = idWordPool[p + 2]!;
      this._w3 = idWordPool[p + 3]!;
    } else this._w0 = this._w1 = this._w2 = this._w3 = 0;
    this._ts = timestamp - EPOCH;
    this._target = target;
    this._source = source;
    this._data = data;
    this._meta = meta;
  }

  /** @internal The id (formatted on first read and kept). */
  get _id(): string {
    return this._idText ?? (this._idText = formatIdWords(this._w0, this._w1, this._w2, this._w3));
  }
  set _id(id: string) {
    this._idText = id;
  }

  /** The event's unique id (a UUID v4 unless set otherwise). */
  getId(): string {
    return this._id;
  }
  /** When the event was created. */
  getTimestamp(): Date {
    return new Date(this._ts + EPOCH);
  }
  /** Creation time in epoch milliseconds (no allocation). */
  getTimestampMs(): number {
    return this._ts + EPOCH;
  }
  /** The agent this event is addressed to (metadata `route` wins when set). */
  getTargetAgentId(): string {
    return this._target;
  }
  /** The agent whose output produced this event, or `""`. */
  getSourceAgentId(): string {
    return this._source;
  }
  /** The session this event belongs to: metadata `session_id`, or `""` before it is emitted. */
  getSessionId(): string {
    return this._meta.session_id ?? '';
  }
  /**
   * The payload (the event's own object, not a copy). Read-only by contract:
   * use {@link Event.setData} to change it. Changing it in place is not
   * supported: the size limit and whether an agent's input state may share
   * it were worked out when `newEvent` copied it (freezing every payload
   * would cost ~0.5 µs per object on Node 20).
   */
  getData(): Readonly<EventData> {
    return this._data;
  }
  /** The metadata map (the event's own object). Read-only by contract, as {@link Event.getData}: use {@link Event.setMetadata}. */
  getMetadata(): Readonly<Metadata> {
    return this._meta;
  }
  /** One metadata value, or `undefined` when absent. */
  getMetadataValue(key: string): string | undefined {
    return Object.prototype.hasOwnProperty.call(this._meta, key) ? this._meta[key] : undefined;
  }
  /** Replaces the event's id. */
  setId(id: string): void {
    this._id = id;
  }
  /** Replaces the target agent id. */
  setTargetAgentId(id: string): void {
    this._target = id;
  }
  /** Replaces the source agent id. */
  setSourceAgentId(id: string): void {
    this._source = id;
  }
  /**
   * Sets one payload key to a copy of `value`.
   * @throws {@link InvalidEventDataError} when `value` is not plain JSON.
   */
  setData(key: string, value: JsonValue): void {
    const copy = cloneRecord({ [key]: value }, 'data', this._id);
    // A copy first: the data may be lent to an input state (copy-on-write); and adding a key to an exact-shape copy is slow (see cloneObject).
    this._data = Object.assign({}, this._data);
    this._data[key] = copy[key]!;
    this._bound = -1;
  }
  /**
   * Sets one metadata value.
   * @throws {@link InvalidMetadataError} when the value is not a string or the key is forbidden.
   */
  setMetadata(key: string, value: string): void {
    if (typeof value !== 'string') throw new InvalidMetadataError(key, `metadata values must be strings, got ${typeof value}`, this._id);
    if (key === '__proto__') throw new InvalidMetadataError(key, 'the key "__proto__" is not allowed', this._id);
    this._meta = Object.assign({}, this._meta); // as in setData
    this._boundMeta = undefined; // (the bound no longer applies; and the old object is not kept alive)
    this._meta[key] = value;
  }

  /** The JSON form; `Event.fromJSON(ev.toJSON())` is an equal event. */
  toJSON(): EventJSON {
    return {
      id: this._id,
      timestamp: new Date(this._ts + EPOCH).toISOString(),
      targetAgentId: this._target,
      sourceAgentId: this._source,
      data: cloneJson(this._data, 'data', this._id),
      metadata: Object.assign({}, this._meta),
    };
  }

  /**
   * Rebuilds an event from its JSON form (an object or a JSON string),
   * validating every field.
   * @throws {@link InvalidEventJsonError}, {@link InvalidEventDataError}, {@link InvalidMetadataError}
   */
  static fromJSON(json: EventJSON | string): Event {
    let o: unknown = json;
    if (typeof json === 'string') {
      try {
        o = JSON.parse(json);
      } catch (err) {
        throw new InvalidEventJsonError('(text)', `is not valid JSON: ${(err as Error).message}`);
      }
    }
    if (o === null || typeof o !== 'object') throw new InvalidEventJsonError('(root)', 'must be an object');
    const r = o as Record<string, unknown>;
    for (const f of ['id', 'timestamp', 'targetAgentId', 'sourceAgentId'] as const) {
      if (typeof r[f] !== 'string') throw new InvalidEventJsonError(f, `must be a string, got ${typeof r[f]}`);
    }
    const ts = Date.parse(r.timestamp as string);
    if (Number.isNaN(ts)) throw new InvalidEventJsonError('timestamp', `must be an RFC 3339 time, got "${String(r.timestamp)}"`);
    const id = r.id as string;
    const data = cloneRecord((r.data ?? {}) as Record<string, unknown>, 'data', id, true);
    const meta = cloneMetadata(r.metadata as Metadata | undefined, id, (k, p) => new InvalidMetadataError(k, p, id), true);
    return new Event(id, ts, r.targetAgentId as string, r.sourceAgentId as string, data, meta);
  }
}

/**
 * Creates an event addressed to `targetAgentId`, with a fresh UUID and the
 * current time. `data` and `metadata` are copied, so the caller may keep
 * mutating its own objects.
 *
 * @param targetAgentId - the agent to run (metadata `route` wins when set)
 * @param data - JSON payload
 * @param metadata - string routing metadata such as `session_id`, `route`, `priority`, `timeout`
 * @throws {@link InvalidEventDataError} when `data` is not plain JSON
 * @throws {@link InvalidMetadataError} when a metadata value is not a string
 * @example
 * ```ts
 * const ev = newEvent('processor', { data: 'sample dataset', format: 'csv' }, {
 *   session_id: 'demo-session',
 *   route: 'processor',
 * });
 * ```
 */
export function newEvent(targetAgentId: string, data: EventData = {}, metadata: Metadata = {}): Event {
  const ev = new Event(undefined, Date.now(), targetAgentId ?? '', '', NO_DATA, NO_DATA as Metadata);
  try {
    // Exact-shape copies: an event waits in queues (memory per queued event), and its data is not extended.
    // No id in the first attempt: the id's text is made only when read (see Event._id); a failure copies again with it.
    ev._data = cloneRecord(data, 'data', undefined, true);
    const dataBound = lastCopyBound();
    ev._meta = cloneMetadata(metadata, undefined, metadataError, true);
    if (dataBound >= 0) {
      ev._bound = dataBound + lastCopyBound();
      ev._boundMeta = ev._meta;
    }
  } catch (first) {
    throw copyError(ev._id, data, metadata, first);
  }
  return ev;
}

const NO_DATA: EventData = Object.freeze({}) as EventData;
const metadataError = (key: string, problem: string): Error => new InvalidMetadataError(key, problem);

/** The error to throw for an event whose data or metadata could not be copied: the same failure, naming the event (the copy runs again with the id: getters and Proxy traps are read twice on this path). */
function copyError(id: string, data: EventData, metadata: Metadata, first: unknown): unknown {
  let err: unknown;
  try {
    cloneRecord(data, 'data', id, true);
    cloneMetadata(metadata, id, (k, p) => new InvalidMetadataError(k, p, id), true);
    // The second copy passed: a getter or Proxy that answers differently each time. Still name the event.
    return new InvalidEventDataError('data', `changed while being copied (${first instanceof Error ? first.message : String(first)})`, id);
  } catch (again) {
    err = again;
  }
  if (err instanceof AgentflowError) return err;
  // A throwing getter or Proxy trap in the caller's object.
  return new InvalidEventDataError('data', `could not be read: ${err instanceof Error ? err.message : String(err)}`, id);
}
