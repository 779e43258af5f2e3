/**
 * Plain JSON values: what event data and state may hold, so that events can
 * cross process boundaries (Redis, files) unchanged.
 * @module
 */
import { InvalidEventDataError } from './errors.js';

/**
 * A value that survives `JSON.stringify` → `JSON.parse` unchanged.
 *
 * @example
 * ```ts
 * const v: JsonValue = { insights: ['trend_up'], score: 0.95, ok: true, note: null };
 * ```
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A JSON object: the shape of event data and of a state's data.
 *
 * @example
 * ```ts
 * const data: JsonObject = { message: 'Analyze this dataset', limit: 1000 };
 * ```
 */
export type JsonObject = { [key: string]: JsonValue };

/** Keys refused anywhere in data or metadata: assigning them could pollute prototypes. */
const FORBIDDEN = '__proto__';
const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Deep-copies a JSON value, checking on the way that it is plain JSON.
 * Throws {@link InvalidEventDataError} naming the path of the first value that
 * is not (functions, symbols, bigints, `undefined`, non-finite numbers, class
 * instances such as `Date` or `Map`, cycles) or of a `__proto__` key.
 *
 * @example
 * ```ts
 * const copy = cloneJson({ a: [1, { b: 2 }] }, 'data');
 * cloneJson({ when: new Date() }, 'data'); // throws: invalid value at data.when
 * ```
 */
export function cloneJson<T extends JsonValue>(value: T, path: string, eventId?: string, exact = false): T {
  return cloneValue(value, path, eventId, 0, exact) as T;
}

const MAX_DEPTH = 200;

function cloneValue(v: unknown, path: string, eventId: string | undefined, depth: number, exact: boolean): JsonValue {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      if (!Number.isFinite(v)) throw new InvalidEventDataError(path, `${v} is not a finite number (JSON cannot carry it)`, eventId);
      return v;
    case 'object': {
      if (v === null) return null;
      if (depth > MAX_DEPTH) throw new InvalidEventDataError(path, `nested deeper than ${MAX_DEPTH} levels (a cycle?)`, eventId);
      if (Array.isArray(v)) {
        const n = v.length;
        const out = new Array<JsonValue>(n);
        for (let i = 0; i < n; i++) {
          const x: unknown = v[i];
          // Primitives need no path (a path is text built per value: only for what may fail or nest).
          out[i] = typeof x === 'string' || typeof x === 'boolean' || x === null || (typeof x === 'number' && Number.isFinite(x)) ? x : cloneValue(x, `${path}[${i}]`, eventId, depth + 1, exact);
        }
        return out;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) {
        const name = (proto as { constructor?: { name?: string } }).constructor?.name ?? 'unknown';
        throw new InvalidEventDataError(path, `a ${name} instance is not plain JSON; convert it first (e.g. a Date to an ISO string)`, eventId);
      }
      return cloneObject(v as Record<string, unknown>, path, eventId, depth + 1, exact);
    }
    case 'undefined':
      throw new InvalidEventDataError(path, 'undefined is not a JSON value; use null or omit the key', eventId);
    default:
      throw new InvalidEventDataError(path, `a ${typeof v} is not a JSON value`, eventId);
  }
}

function cloneObject(src: Record<string, unknown>, path: string, eventId: string | undefined, depth: number, exact: boolean): JsonObject {
  // `exact`: a spread copies a plain object with its exact shape (no empty-literal slack: ~12 B less per small
  // object), for payloads that sit in queues. But adding a key to a spread copy later costs ~0.5 µs on Node 20
  // (V8 gives it a fresh map each time), so copies that agents extend (states) are built by assignment.
  // Nested values are then validated and deep-copied in place.
  // (Object.assign would *set* an own `__proto__` key, changing the copy's prototype: refused before.)
  if (!exact && hasOwn.call(src, FORBIDDEN)) throw new InvalidEventDataError(`${path}.${FORBIDDEN}`, 'the key "__proto__" is not allowed', eventId);
  const out = (exact ? { ...src } : Object.assign({}, src)) as JsonObject;
  // While copying: an upper bound of the copy's UTF-8 JSON size, if every value is a primitive (-1 otherwise).
  let bound = 2;
  for (const key in out) {
    if (key === FORBIDDEN) throw new InvalidEventDataError(`${path}.${key}`, 'the key "__proto__" is not allowed', eventId);
    const v = out[key];
    bound += 6 * key.length + 4;
    if (typeof v === 'string') bound += 6 * v.length + 2;
    else if (v !== null && typeof v === 'object') {
      out[key] = cloneValue(v, `${path}.${key}`, eventId, depth, exact);
      bound = -Infinity;
    } else {
      // A finite number, a boolean or null is kept as is; anything else fails in cloneValue, naming its path.
      if (typeof v !== 'boolean' && v !== null && !(typeof v === 'number' && Number.isFinite(v))) out[key] = cloneValue(v, `${path}.${key}`, eventId, depth, exact);
      bound += PRIMITIVE_JSON_BOUND;
    }
  }
  flatBound = bound < 0 ? -1 : bound;
  return out;
}

/**
 * JSON bytes a number, boolean or null takes at most: 25, for a negative
 * number printed as `-0.00000` and 17 digits (`-0.0000019111497990360604`).
 *
 * @example
 * ```ts
 * JSON.stringify(-0.0000019111497990360604).length <= PRIMITIVE_JSON_BOUND; // true
 * ```
 */
export const PRIMITIVE_JSON_BOUND = 25;
/** What the last object copy found (see {@link lastCopyBound}). */
let flatBound = -1;

/**
 * After {@link cloneRecord} or {@link cloneMetadata}: an upper bound of the
 * copy's UTF-8 JSON size when all its values are primitives (a flat object;
 * metadata always is), else -1. A string's
 * UTF-16 unit takes at most 6 bytes escaped; a key adds its quotes, colon
 * and comma. Lets an event skip walking its payload again for the size
 * limit and the input state's flat check.
 *
 * @example
 * ```ts
 * cloneRecord({ a: 'xy', n: 1 }, 'data');
 * lastCopyBound(); // 2 + (6 + 4 + 14) + (6 + 4 + 24) = 60
 * ```
 */
export function lastCopyBound(): number {
  return flatBound;
}

/**
 * Copies the top level of a data object, deep-copying (and checking) only
 * values that are objects or arrays. This is the hot-path copy used for
 * event data and state. `exact` copies with the source's exact shape (less
 * memory for payloads that wait in queues; slow to add keys to later).
 *
 * @example
 * ```ts
 * const data = cloneRecord({ n: 1, list: [1, 2] }, 'data');
 * ```
 */
export function cloneRecord(src: Readonly<Record<string, unknown>>, path: string, eventId?: string, exact = false): JsonObject {
  if (src === null || typeof src !== 'object' || Array.isArray(src)) {
    throw new InvalidEventDataError(path, `expected an object, got ${src === null ? 'null' : Array.isArray(src) ? 'an array' : typeof src}`, eventId);
  }
  return cloneObject(src as Record<string, unknown>, path, eventId, 1, exact);
}

/**
 * Copies a string→string metadata map, checking every value is a string and
 * no key is `__proto__`. Throws {@link InvalidMetadataError}. `exact` as
 * for {@link cloneRecord}.
 *
 * @example
 * ```ts
 * const meta = cloneMetadata({ session_id: 's1', route: 'a' });
 * ```
 */
export function cloneMetadata(
  src: Readonly<Record<string, string>> | undefined,
  eventId: string | undefined,
  onError: (key: string, problem: string) => Error,
  exact = false,
): Record<string, string> {
  if (src === undefined || src === null) {
    flatBound = 2;
    return {};
  }
  if (typeof src !== 'object' || Array.isArray(src)) throw onError('(metadata)', `expected an object of strings, got ${Array.isArray(src) ? 'an array' : typeof src}`);
  // An exact-shape copy or one built by assignment (see cloneObject); then every value is checked.
  if (!exact && hasOwn.call(src, FORBIDDEN)) throw onError(FORBIDDEN, 'the key "__proto__" is not allowed');
  const out = (exact ? { ...src } : Object.assign({}, src)) as Record<string, string>;
  let bound = 2; // (as for data, see lastCopyBound)
  for (const key in out) {
    const v = (out as Record<string, unknown>)[key];
    if (key === FORBIDDEN) throw onError(key, 'the key "__proto__" is not allowed');
    if (typeof v !== 'string') throw onError(key, `metadata values must be strings, got ${v === null ? 'null' : typeof v}`);
    bound += 6 * key.length + 6 * v.length + 6;
  }
  flatBound = bound;
  return out;
}
