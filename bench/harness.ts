/**
 * Tiny benchmark harness: runs a case several times and reports the median.
 * Each result is printed as one JSON object per line.
 */
export interface BenchResult {
  name: string;
  ns_per_op?: number;
  bytes?: number;
  events_per_sec?: number;
  ops?: number;
  runs?: number;
  [extra: string]: unknown;
}

/** Runs `once` (which returns ns per op) `runs` times after a warm-up, returns the median. */
export async function measure(name: string, once: () => Promise<number>, opts: { runs?: number; warmup?: number; ops?: number } = {}): Promise<BenchResult> {
  const runs = opts.runs ?? 7;
  for (let i = 0; i < (opts.warmup ?? 2); i++) await once();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await once());
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)]!;
  return { name, ns_per_op: round(median), min_ns: round(samples[0]!), max_ns: round(samples.at(-1)!), runs, ops: opts.ops };
}

export function round(n: number): number {
  return Math.round(n * 10) / 10;
}

export function emit(r: BenchResult): void {
  process.stdout.write(JSON.stringify(r) + '\n');
}

export function nowNs(): bigint {
  return process.hrtime.bigint();
}
