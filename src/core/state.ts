/**
 * State: the data an agent reads and writes, plus string metadata that steers
 * the flow (`route` names the next agent).
 * @module
 */
import { InvalidMetadataError } from './errors.js';
import { cloneJson, cloneMetadata, cloneRecord, type JsonObject, type JsonValue } from './json.js';
import type { Metadata } from './event.js';

const has = Object.prototype.hasOwnProperty;
/** Set only for the duration of one internal `new State` that adopts its arguments. */
let adopting = false;

/**
 * The JSON form of a {@link State}.
 *
 * @example
 * ```ts
 * const j: StateJSON = { data: { processed: true }, meta: { route: 'analyzer' } };
 * ```
 */
export interface StateJSON {
  data: JsonObject;
  meta: Metadata;
}

/**
 * A key/value store of JSON data plus string metadata. Agents receive an
 * input state holding the event's data, and return an output state. Values
 * are copied on the way in, and {@link State.clone} is deep, so no write to
 * one state is ever seen through another (objects are shared copy-on-write
 * only while no one writes them).
 *
 * @example
 * ```ts
 * const out = state.clone();
 * out.set('processed', true).setMeta('route', 'data_analyzer');
 * out.get('processed'); // true
 * ```
 */
export class State {
  /** @internal */ _data: JsonObject;
  /** @internal */ _meta: Metadata;

  /**
   * Creates a state holding copies of `data` and `meta`.
   * @throws {@link InvalidEventDataError} / {@link InvalidMetadataError} on non-JSON data or non-string metadata
   */
  constructor(data?: Readonly<JsonObject>, meta?: Readonly<Metadata>) {
    if (adopting) {
      // Internal fast path (see _adopt): take ownership without copying.
      adopting = false;
      this._data = data as JsonObject;
      this._meta = meta as Metadata;
      return;
    }
    this._data = data ? cloneRecord(data, 'state') : {};
    this._meta = meta ? cloneMetadata(meta, undefined, (k, p) => new InvalidMetadataError(k, p)) : {};
  }

  /**
   * @internal Bit 1: `_data` is borrowed (an event's, shared until the first
   * write), bit 2: `_meta` is. A write copies the borrowed object first.
   */
  _lent = 0;

  /** @internal Wraps an event's objects without copying (`lent` bits as for {@link State._lent}; the event copies its own before a write). */
  static _borrow(data: JsonObject, meta: Metadata, lent: number): State {
    const s = State._adopt(data, meta);
    s._lent = lent;
    return s;
  }

  /** @internal Copies whichever of `_data` (bit 1) and `_meta` (bit 2) is borrowed, before a write. */
  _own(bit: number): void {
    if (bit === 1) this._data = Object.assign({}, this._data);
    else this._meta = Object.assign({}, this._meta);
    this._lent &= ~bit;
  }

  /** @internal Whether every value of `d` is a primitive (it may then be shared copy-on-write). */
  static _isFlat(d: Readonly<JsonObject>): boolean {
    return isFlat(d);
  }

  /** @internal Wraps already-owned objects without copying. */
  static _adopt(data: JsonObject, meta: Metadata): State {
    adopting = true;
    return new State(data, meta);
  }

  /** The value under `key`, or `undefined`. */
  get<T extends JsonValue = JsonValue>(key: string): T | undefined {
    return has.call(this._data, key) ? (this._data[key] as T) : undefined;
  }
  /** Whether `key` is set. */
  has(key: string): boolean {
    return has.call(this._data, key);
  }
  /**
   * Stores a copy of `value` under `key`; returns the state for chaining.
   * @throws {@link InvalidEventDataError} when `value` is not plain JSON or `key` is `__proto__`
   */
  set(key: string, value: JsonValue): this {
    if ((this._lent & 1) !== 0) this._own(1);
    const t = typeof value;
    if (key !== '__proto__' && (t === 'string' || t === 'boolean' || (t === 'number' && Number.isFinite(value)))) {
      this._data[key] = value;
    } else {
      this._data[key] = cloneRecord({ [key]: value }, 'state')[key]!;
    }
    return this;
  }
  /** Removes `key`; returns whether it was set. */
  delete(key: string): boolean {
    if (!has.call(this._data, key)) return false;
    if ((this._lent & 1) !== 0) this._own(1);
    delete this._data[key];
    return true;
  }
  /** The metadata value under `key`, or `undefined`. */
  getMeta(key: string): string | undefined {
    return has.call(this._meta, key) ? this._meta[key] : undefined;
  }
  /**
   * Sets a metadata value; returns the state for chaining.
   * @throws {@link InvalidMetadataError} when `value` is not a string or `key` is `__proto__`
   */
  setMeta(key: string, value: string): this {
    if (typeof value !== 'string') throw new InvalidMetadataError(key, `state metadata values must be strings, got ${typeof value}`);
    if (key === '__proto__') throw new InvalidMetadataError(key, 'the key "__proto__" is not allowed');
    if ((this._lent & 2) !== 0) this._own(2);
    this._meta[key] = value;
    return this;
  }
  /** Removes a metadata key; returns whether it was set. */
  deleteMeta(key: string): boolean {
    if (!has.call(this._meta, key)) return false;
    if ((this._lent & 2) !== 0) this._own(2);
    delete this._meta[key];
    return true;
  }
  /** The data keys, in insertion order. */
  keys(): string[] {
    return Object.keys(this._data);
  }
  /** The metadata keys, in insertion order. */
  metaKeys(): string[] {
    return Object.keys(this._meta);
  }
  /**
   * A deep copy: no write to one is seen by the other. (Copy-on-write: the
   * metadata, and the data when it is flat, are shared until either state
   * writes them.)
   */
  clone(): State {
    const d = this._data;
    this._lent |= 2;
    if (!isFlat(d)) return State._borrow(cloneJson(d, 'state'), this._meta, 2);
    this._lent |= 1;
    return State._borrow(d, this._meta, 3);
  }

  /**
   * @internal The data for a child event made from this state: shared
   * (this state copies before its next write) when flat, `undefined` when
   * it holds nested objects (copy it then).
   */
  _lendFlatData(): JsonObject | undefined {
    if (!isFlat(this._data)) return undefined;
    this._lent |= 1;
    return this._data;
  }
  /** A deep copy of the data as a plain object. */
  toObject(): JsonObject {
    return cloneJson(this._data, 'state');
  }
  /** The JSON form (deep copies). */
  toJSON(): StateJSON {
    return { data: cloneJson(this._data, 'state'), meta: Object.assign({}, this._meta) };
  }
  /** Rebuilds a state from {@link State.toJSON} output. */
  static fromJSON(json: StateJSON): State {
    return new State(json.data, json.meta);
  }
}

/** Whether every value of `d` is a primitive: nothing `get` returns can be changed in place, so `d` may be shared copy-on-write. */
function isFlat(d: Readonly<JsonObject>): boolean {
  for (const k in d) {
    const v = d[k];
    if (typeof v === 'object' && v !== null) return false;
  }
  return true;
}

/**
 * Whether `v` is a {@link State}.
 *
 * @example
 * ```ts
 * isState(new State()); // true
 * ```
 */
export function isState(v: unknown): v is State {
  return v instanceof State;
}
