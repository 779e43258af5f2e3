/**
 * Maps dotted key paths to the lines of a TOML text where they are set.
 * @module
 */

function splitKey(raw: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quote: string | null = null;
  for (const ch of raw.trim()) {
    if (quote) {
      if (ch === quote) quote = null;
      else cur += ch;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '.') {
      parts.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  parts.push(cur.trim());
  return parts.filter((p) => p.length > 0);
}

/**
 * Builds a map from dotted key path (`agents.writer.temperature`) to the
 * 1-based line where it is assigned or where its table starts. Handles
 * `[table]` and `[[array]]` headers, dotted and quoted keys, and one level
 * of inline tables.
 *
 * @example
 * ```ts
 * keyLines('[llm]\nmodel = "x"').get('llm.model'); // 2
 * ```
 */
export function keyLines(text: string): Map<string, number> {
  const out = new Map<string, number>();
  let table: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[\[?\s*([^\]]+?)\s*\]\]?/.exec(line);
    if (header) {
      table = splitKey(header[1]!);
      for (let k = 1; k <= table.length; k++) {
        const p = table.slice(0, k).join('.');
        if (!out.has(p)) out.set(p, i + 1);
      }
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = [...table, ...splitKey(line.slice(0, eq))];
    const path = key.join('.');
    if (!out.has(path)) out.set(path, i + 1);
    const rest = line.slice(eq + 1).trim();
    if (rest.startsWith('{')) {
      for (const m of rest.matchAll(/([A-Za-z0-9_"'.-]+)\s*=/g)) out.set(`${path}.${splitKey(m[1]!).join('.')}`, i + 1);
    }
  }
  return out;
}

/**
 * The line of `path`, or of its nearest enclosing key that has one.
 *
 * @example
 * ```ts
 * lineOf(keyLines(text), 'agents.writer.llm.temperature');
 * ```
 */
export function lineOf(lines: Map<string, number>, path: string): number | undefined {
  const parts = path.split('.');
  for (let n = parts.length; n > 0; n--) {
    const l = lines.get(parts.slice(0, n).join('.'));
    if (l !== undefined) return l;
  }
  return undefined;
}
