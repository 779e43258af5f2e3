/**
 * Maps dotted key paths to where they are written in a TOML text, so that
 * schema errors can name a line and column. The text is assumed to be valid
 * TOML (it is scanned only after smol-toml parsed it); the scanner never
 * throws: if it meets something unexpected it resumes on the next line.
 * @module
 */

/**
 * A 1-based line and column in the TOML text.
 *
 * @example
 * ```ts
 * const p: KeyPosition = { line: 7, column: 1 };
 * ```
 */
export interface KeyPosition {
  line: number;
  column: number;
}

/**
 * Where each key of a TOML text is written.
 *
 * Paths are dotted as in error messages: `llm.temperature`,
 * `agents.writer.llm.model`, array elements by index
 * (`orchestration.sequential_agents.1`), array-of-tables entries by index
 * (`mcp.servers.0.name`). A table path (`agents.writer`) points at its
 * `[header]`, or at the first line that creates it (`[agents.writer.llm]`,
 * a dotted key, an inline table).
 *
 * @example
 * ```ts
 * const loc = locateKeys('[llm]\nmodel = "x"\n');
 * loc.get('llm.model'); // { line: 2, column: 1 }
 * loc.nearest('llm.temperature'); // { line: 1, column: 1 } (the [llm] header)
 * ```
 */
export class KeyLocator {
  readonly #positions: Map<string, KeyPosition>;
  readonly #lines: string[];

  constructor(text: string) {
    this.#positions = new Map();
    this.#lines = text.split('\n');
    scan(text, this.#positions);
  }

  /**
   * Whether `pos` is the first thing on its line (after indentation), so
   * that the line alone pins it down. Issues give a column only when it
   * does not (a key in an inline table, an array element).
   */
  startsLine(pos: KeyPosition): boolean {
    const line = this.#lines[pos.line - 1] ?? '';
    return line.slice(0, pos.column - 1).trim() === '';
  }

  /** The position of exactly `path`, if it is written in the text. */
  get(path: string): KeyPosition | undefined {
    return this.#positions.get(path);
  }

  /** The position of `path`, else of its nearest enclosing key or table that is written. */
  nearest(path: string): KeyPosition | undefined {
    const parts = path.split('.');
    for (let n = parts.length; n > 0; n--) {
      const p = this.#positions.get(parts.slice(0, n).join('.'));
      if (p !== undefined) return p;
    }
    return undefined;
  }

  /** Every located path, in text order. */
  paths(): string[] {
    return [...this.#positions.keys()];
  }
}

/**
 * Scans a TOML text and returns its {@link KeyLocator}.
 *
 * @example
 * ```ts
 * locateKeys('[agents.writer]\ntemperature = 3\n').get('agents.writer.temperature'); // { line: 2, column: 1 }
 * ```
 */
export function locateKeys(text: string): KeyLocator {
  return new KeyLocator(text);
}

/**
 * The line of every located key: a `Map` from dotted path to 1-based line.
 *
 * @example
 * ```ts
 * keyLines('[llm]\nmodel = "x"').get('llm.model'); // 2
 * ```
 */
export function keyLines(text: string): Map<string, number> {
  const loc = new KeyLocator(text);
  return new Map(loc.paths().map((p) => [p, loc.get(p)!.line]));
}

class ScanStop extends Error {}

const BARE = /[A-Za-z0-9_-]/;

function scan(text: string, out: Map<string, KeyPosition>): void {
  const n = text.length;
  const lineStarts = [0];
  for (let k = 0; k < n; k++) if (text.charCodeAt(k) === 10) lineStarts.push(k + 1);
  const posOf = (at: number): KeyPosition => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: at - lineStarts[lo]! + 1 };
  };
  const record = (path: string[], at: number): void => {
    const k = path.join('.');
    if (k !== '' && !out.has(k)) out.set(k, posOf(at));
  };
  const recordAll = (path: string[], at: number): void => {
    for (let j = 1; j <= path.length; j++) record(path.slice(0, j), at);
  };

  let i = 0;
  const fail = (): never => {
    throw new ScanStop();
  };
  const skipWs = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\r')) i++;
  };
  const skipComment = (): void => {
    if (text[i] === '#') while (i < n && text[i] !== '\n') i++;
  };
  const skipWsNl = (): void => {
    for (;;) {
      skipWs();
      if (text[i] === '#') skipComment();
      else if (text[i] === '\n') i++;
      else return;
    }
  };
  const readBasic = (): string => {
    i++; // opening quote
    let s = '';
    while (i < n && text[i] !== '"') {
      if (text[i] === '\\') {
        const e = text[i + 1];
        const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', e: '\x1b', '"': '"', '\\': '\\' };
        if (e !== undefined && simple[e] !== undefined) {
          s += simple[e];
          i += 2;
        } else if (e === 'u' || e === 'U' || e === 'x') {
          const len = e === 'u' ? 4 : e === 'U' ? 8 : 2;
          s += String.fromCodePoint(parseInt(text.slice(i + 2, i + 2 + len), 16) || 0xfffd);
          i += 2 + len;
        } else i += 2;
      } else s += text[i++];
    }
    if (i >= n) fail();
    i++; // closing quote
    return s;
  };
  const readLiteral = (): string => {
    const start = ++i;
    while (i < n && text[i] !== "'" && text[i] !== '\n') i++;
    if (text[i] !== "'") fail();
    return text.slice(start, i++);
  };
  const parseKey = (): { parts: string[]; at: number } => {
    const parts: string[] = [];
    skipWs();
    const at = i;
    for (;;) {
      skipWs();
      const c = text[i];
      if (c === '"') parts.push(readBasic());
      else if (c === "'") parts.push(readLiteral());
      else {
        const s = i;
        while (i < n && BARE.test(text[i]!)) i++;
        if (i === s) fail();
        parts.push(text.slice(s, i));
      }
      skipWs();
      if (text[i] !== '.') return { parts, at };
      i++;
    }
  };
  const parseValue = (path: string[]): void => {
    const c = text[i];
    if (text.startsWith('"""', i)) {
      i += 3;
      for (;;) {
        if (i >= n) fail();
        if (text[i] === '\\') i += 2;
        else if (text.startsWith('"""', i)) {
          i += 3;
          for (let extra = 0; extra < 2 && text[i] === '"'; extra++) i++;
          return;
        } else i++;
      }
    }
    if (text.startsWith("'''", i)) {
      const end = text.indexOf("'''", i + 3);
      if (end < 0) fail();
      i = end + 3;
      for (let extra = 0; extra < 2 && text[i] === "'"; extra++) i++;
      return;
    }
    if (c === '"') {
      readBasic();
      return;
    }
    if (c === "'") {
      readLiteral();
      return;
    }
    if (c === '[') {
      i++;
      for (let idx = 0; ; idx++) {
        skipWsNl();
        if (text[i] === ']') {
          i++;
          return;
        }
        const el = [...path, String(idx)];
        record(el, i);
        parseValue(el);
        skipWsNl();
        if (text[i] === ',') i++;
        else {
          skipWsNl();
          if (text[i] !== ']') fail();
        }
      }
    }
    if (c === '{') {
      i++;
      for (;;) {
        skipWsNl();
        if (text[i] === '}') {
          i++;
          return;
        }
        const k = parseKey();
        recordAll([...path, ...k.parts], k.at);
        skipWs();
        if (text[i] !== '=') fail();
        i++;
        skipWs();
        parseValue([...path, ...k.parts]);
        skipWsNl();
        if (text[i] === ',') i++;
        else {
          skipWsNl();
          if (text[i] !== '}') fail();
        }
      }
    }
    // A scalar: number, boolean, date-time (which may contain a space).
    const s = i;
    while (i < n && !',]}#\n'.includes(text[i]!)) i++;
    if (i === s) fail();
  };

  // Array-of-tables counts, keyed by their resolved path.
  const aot = new Map<string, number>();
  const resolve = (parts: string[]): string[] => {
    const res: string[] = [];
    for (const p of parts) {
      res.push(p);
      const count = aot.get(res.join('.'));
      if (count !== undefined) res.push(String(count - 1));
    }
    return res;
  };

  let table: string[] = [];
  for (;;) {
    skipWsNl();
    if (i >= n) return;
    const at = i;
    try {
      if (text.startsWith('[[', i)) {
        i += 2;
        const k = parseKey();
        if (!text.startsWith(']]', i)) fail();
        i += 2;
        const arr = [...resolve(k.parts.slice(0, -1)), k.parts[k.parts.length - 1]!];
        const key = arr.join('.');
        const count = aot.get(key) ?? 0;
        aot.set(key, count + 1);
        table = [...arr, String(count)];
        recordAll(table, at);
      } else if (text[i] === '[') {
        i++;
        const k = parseKey();
        if (text[i] !== ']') fail();
        i++;
        table = resolve(k.parts);
        recordAll(table, at);
      } else {
        const k = parseKey();
        recordAll([...table, ...k.parts], k.at);
        skipWs();
        if (text[i] !== '=') fail();
        i++;
        skipWs();
        parseValue([...table, ...k.parts]);
      }
      skipWs();
      skipComment();
      if (i < n && text[i] !== '\n') fail(); // trailing text (not valid TOML): skip the rest of the line
    } catch {
      // Something unexpected (ScanStop or a surprise): resume on the next line.
      const next = text.indexOf('\n', Math.max(i, at));
      if (next < 0) return;
      i = next + 1;
    }
  }
}
