/**
 * "Did you mean" suggestions for misspelt keys, modes and names.
 * @module
 */

/**
 * Describes a raw value for messages: `string "hot"`, `number 9`,
 * `boolean true`, `an array`, `a table`, `a date-time`.
 *
 * @example
 * ```ts
 * describeValue('hot'); // 'string "hot"'
 * ```
 */
export function describeValue(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (v === null) return 'null';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return `${typeof v} ${String(v)}`;
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return `a date-time (${String(v)})`;
  if (typeof v === 'object') return 'a table';
  return typeof v;
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}

/**
 * The candidate closest to `word` (case-insensitive edit distance at most a
 * third of its length, at least 1; none for words shorter than 3), for
 * "did you mean" hints.
 *
 * @example
 * ```ts
 * suggest('paralel', ['route', 'parallel']); // 'parallel'
 * ```
 */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  if (word.length < 3) return undefined;
  let bestD = Math.max(1, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = distance(w, c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

/**
 * A ` (did you mean "x"?)` hint for a misspelt word, or `""` when nothing is close.
 *
 * @example
 * ```ts
 * didYouMean('olama', ['ollama', 'openai']); // ' (did you mean "ollama"?)'
 * ```
 */
export const didYouMean = (word: string, candidates: readonly string[]): string => {
  const s = suggest(word, candidates);
  return s !== undefined && s !== word ? ` (did you mean "${s}"?)` : '';
};
