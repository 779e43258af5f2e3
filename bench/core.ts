/**
 * Core dispatch benchmarks: agentflow vs a hand-written minimal queue in the
 * same process, and vs LangGraph.js for a 3-step chain.
 */
import { randomUUID } from 'node:crypto';
import { createRunner, newEvent, silentLogger, HookPoint, State, type Runner, type RunnerConfig } from '../src/index.js';
import { measure, nowNs, type BenchResult } from './harness.js';

const BATCH = 1000;
const BATCHES = 100;
const N = BATCH * BATCHES;

/** A hand-made event for the raw baselines. */
interface RawEvent {
  id: string;
  ts: number;
  target: string;
  data: Record<string, unknown>;
  meta: Record<string, string>;
}

/** The baseline: ring-buffer queue + await loop, creating each event (id, data, metadata), one async no-op handler. */
async function rawDispatchOnce(): Promise<number> {
  const cap = 2048;
  const buf: (RawEvent | undefined)[] = new Array(cap);
  let head = 0;
  let tail = 0;
  let size = 0;
  const handler = async (ev: RawEvent) => ev.data;
  let handled = 0;
  const t0 = nowNs();
  for (let b = 0; b < BATCHES; b++) {
    for (let i = 0; i < BATCH; i++) {
      buf[tail] = { id: randomUUID(), ts: Date.now(), target: 'noop', data: { i }, meta: { session_id: 's' } };
      tail = (tail + 1) % cap;
      size++;
    }
    while (size > 0) {
      const ev = buf[head]!;
      buf[head] = undefined;
      head = (head + 1) % cap;
      size--;
      await handler(ev);
      handled++;
    }
  }
  const ns = Number(nowNs() - t0) / handled;
  if (handled !== N) throw new Error('baseline lost events');
  return ns;
}

export async function runnerDispatchOnce(runner: Runner, target: string, meta: Record<string, string> = { session_id: 's' }): Promise<number> {
  const before = runner.stats().completed;
  const t0 = nowNs();
  for (let b = 0; b < BATCHES; b++) {
    for (let i = 0; i < BATCH; i++) runner.emit(newEvent(target, { i }, meta));
    await runner.drain();
  }
  const ns = Number(nowNs() - t0) / N;
  const done = runner.stats().completed - before;
  if (done !== N) throw new Error(`runner completed ${done} of ${N}`);
  return ns;
}

export function noopRunner(opts: { traced: boolean; hooks: boolean | 'async'; concurrency?: number; extra?: Partial<RunnerConfig> }): Runner {
  const r = createRunner({ logger: silentLogger(), queueSize: BATCH * 2, concurrency: opts.concurrency ?? 1, traceLogger: opts.traced ? undefined : null, ...opts.extra });
  r.registerAgent('noop', async (_ctx, _ev, state) => state);
  if (opts.hooks) {
    for (const h of [HookPoint.BeforeEventHandling, HookPoint.AfterEventHandling, HookPoint.BeforeAgentRun, HookPoint.AfterAgentRun, HookPoint.AgentError]) {
      r.registerCallback(h, 'noop-cb', opts.hooks === 'async' ? async () => undefined : () => undefined);
    }
  }
  return r;
}

async function chainOnce(runner: Runner): Promise<number> {
  const CHAINS = 20_000;
  const PER_BATCH = 500;
  const t0 = nowNs();
  for (let b = 0; b < CHAINS / PER_BATCH; b++) {
    for (let i = 0; i < PER_BATCH; i++) runner.emit(newEvent('step1', { i }, {}));
    await runner.drain();
  }
  return Number(nowNs() - t0) / (CHAINS * 3);
}

function chainRunner(traced: boolean): Runner {
  const r = createRunner({ logger: silentLogger(), queueSize: 2000, concurrency: 10, traceLogger: traced ? undefined : null });
  r.registerAgent('step1', async (_c, _e, s) => s.clone().set('a', 1).setMeta('route', 'step2'));
  r.registerAgent('step2', async (_c, _e, s) => s.clone().set('b', 2).setMeta('route', 'step3'));
  r.registerAgent('step3', async (_c, _e, s) => s.clone().set('c', 3));
  return r;
}

/** Heap per queued event: one slot held by a blocked handler, then many events queued. */
async function queuedEventBytes(count: number): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const r = createRunner({ logger: silentLogger(), queueSize: count + 10, concurrency: 1, traceLogger: null });
  r.registerAgent('held', async (_c, _e, s) => {
    await gate;
    return s;
  });
  await r.start();
  r.emit(newEvent('held'));
  await new Promise((res) => setImmediate(res));
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < count; i++) r.emit(newEvent('held', { i }, { session_id: 'mem' }));
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  release();
  await r.drain();
  await r.stop();
  return (after - before) / count;
}

async function rawQueuedEventBytes(count: number): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc!;
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const q: unknown[] = [];
  for (let i = 0; i < count; i++) q.push({ id: randomUUID(), ts: Date.now(), target: 'held', data: { i }, meta: { session_id: 'mem' } });
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  if (q.length !== count) throw new Error('unreachable');
  return (after - before) / count;
}

/**
 * The honest minimum for a route hop, in exactly the shape of `chain.3hop`
 * (20,000 chains in batches of 500, concurrency 10): a ring-buffer queue;
 * each hop creates a new event (fresh `crypto.randomUUID()`, a timestamp,
 * the previous output copied in as data) and awaits an async handler that
 * returns a small new state.
 */
async function rawChainOnce(): Promise<number> {
  type Out = { data: Record<string, unknown>; route?: string };
  const handlers: Record<string, (ev: RawEvent) => Promise<Out>> = {
    step1: async (ev) => ({ data: { ...ev.data, a: 1 }, route: 'step2' }),
    step2: async (ev) => ({ data: { ...ev.data, b: 2 }, route: 'step3' }),
    step3: async (ev) => ({ data: { ...ev.data, c: 3 } }),
  };
  const cap = 4096;
  const buf: (RawEvent | undefined)[] = new Array(cap);
  let head = 0;
  let tail = 0;
  let size = 0;
  const push = (ev: RawEvent): void => {
    buf[tail] = ev;
    tail = (tail + 1) & (cap - 1);
    size++;
  };
  let hops = 0;
  const worker = async (): Promise<void> => {
    while (size > 0) {
      const ev = buf[head]!;
      buf[head] = undefined;
      head = (head + 1) & (cap - 1);
      size--;
      const out = await handlers[ev.target]!(ev);
      hops++;
      if (out.route !== undefined) push({ id: randomUUID(), ts: Date.now(), target: out.route, data: { ...out.data }, meta: { ...ev.meta, parent_event: ev.id } });
    }
  };
  const CHAINS = 20_000;
  const PER_BATCH = 500;
  const t0 = nowNs();
  for (let b = 0; b < CHAINS / PER_BATCH; b++) {
    for (let i = 0; i < PER_BATCH; i++) push({ id: randomUUID(), ts: Date.now(), target: 'step1', data: { i }, meta: { session_id: 's' } });
    await Promise.all(Array.from({ length: 10 }, worker));
  }
  if (hops !== CHAINS * 3) throw new Error(`raw chain ran ${hops} hops`);
  return Number(nowNs() - t0) / hops;
}

/** Heap retained per processed event: 1,000,000 events through a no-op agent with default settings, after GC. */
async function retainedPerProcessedEvent(total: number): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc!;
  const r = createRunner({ logger: silentLogger() });
  r.registerAgent('noop', async (_c, _e, s) => s);
  await r.start();
  const pump = async (n: number) => {
    for (let done = 0; done < n; done += 1000) {
      for (let i = 0; i < 1000; i++) r.emit(newEvent('noop', { i }));
      await r.drain();
    }
  };
  await pump(50_000); // fill the bounded trace ring and warm up
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  await pump(total);
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  await r.stop();
  return Math.max(0, after - before) / total;
}

async function langgraphChainOnce(): Promise<BenchResult | undefined> {
  let lg: typeof import('@langchain/langgraph');
  try {
    lg = await import('@langchain/langgraph');
  } catch {
    return undefined;
  }
  const { StateGraph, Annotation, START, END } = lg;
  const S = Annotation.Root({ a: Annotation<number>(), b: Annotation<number>(), c: Annotation<number>(), i: Annotation<number>() });
  const graph = new StateGraph(S)
    .addNode('step1', async () => ({ a: 1 }))
    .addNode('step2', async () => ({ b: 2 }))
    .addNode('step3', async () => ({ c: 3 }))
    .addEdge(START, 'step1')
    .addEdge('step1', 'step2')
    .addEdge('step2', 'step3')
    .addEdge('step3', END)
    .compile();
  const RUNS = 300;
  const once = async () => {
    const t0 = nowNs();
    const batch = 10;
    for (let i = 0; i < RUNS; i += batch) {
      await Promise.all(Array.from({ length: batch }, (_, k) => graph.invoke({ i: i + k })));
    }
    return Number(nowNs() - t0) / (RUNS * 3);
  };
  return measure('langgraph.chain3', once, { runs: 5, warmup: 1, ops: RUNS * 3 });
}

export async function benchCore(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const baseline = await measure('baseline.raw_dispatch', rawDispatchOnce, { ops: N });
  out.push(baseline);

  for (const [name, opts] of [
    ['dispatch.noop', { traced: true, hooks: false }],
    ['dispatch.noop.untraced', { traced: false, hooks: false }],
    ['dispatch.hooks', { traced: true, hooks: true }],
  ] as const) {
    const r = noopRunner(opts);
    await r.start();
    out.push(await measure(name, () => runnerDispatchOnce(r, 'noop'), { ops: N }));
    await r.stop();
  }

  for (const [name, traced] of [
    ['chain.3hop', true],
    ['chain.3hop.untraced', false],
  ] as const) {
    const r = chainRunner(traced);
    await r.start();
    const res = await measure(name, () => chainOnce(r), { ops: 60_000 });
    res.unit = 'ns per hop';
    out.push(res);
    await r.stop();
  }

  out.push(await measure('baseline.raw_chain_step', rawChainOnce, { ops: 60_000 }));

  const count = 100_000;
  out.push({ name: 'memory.queued_event_bytes', bytes: Math.round(await queuedEventBytes(count)), events: count });
  out.push({ name: 'baseline.raw_queued_event_bytes', bytes: Math.round(await rawQueuedEventBytes(count)), events: count });

  out.push({ name: 'memory.retained_per_processed_event', bytes: Math.round((await retainedPerProcessedEvent(1_000_000)) * 100) / 100, events: 1_000_000 });

  return out;
}

/**
 * The peer libraries, measured after every agentflow line and compared pair:
 * LangGraph turns on an AsyncLocalStorage, whose promise hooks then slow
 * every promise in the process (see docs/benchmarks.md, stop 12).
 */
export async function benchPeers(): Promise<BenchResult[]> {
  const lg = await langgraphChainOnce();
  if (!lg) return [{ name: 'langgraph.chain3', skipped: 'install @langchain/langgraph to compare' }];
  lg.unit = 'ns per step';
  return [lg];
}

/**
 * Interleaved pairs: baseline, case, baseline, case, … (the machine's speed
 * drifts within a run); reports the median of the per-pair ratios and its spread.
 */
export async function comparePairs(baseOnce: () => Promise<number>, caseOnce: () => Promise<number>, pairs = 10): Promise<{ median: number; min: number; max: number; base_ns: number; case_ns: number }> {
  await baseOnce();
  await caseOnce();
  const ratios: number[] = [];
  const bs: number[] = [];
  const cs: number[] = [];
  for (let i = 0; i < pairs; i++) {
    // Alternate which side goes first (ABBA): the second of a pair inherits the first's garbage and cache state.
    let b: number;
    let c: number;
    if (i % 2 === 0) {
      b = await baseOnce();
      c = await caseOnce();
    } else {
      c = await caseOnce();
      b = await baseOnce();
    }
    bs.push(b);
    cs.push(c);
    ratios.push(c / b);
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { median: med(ratios), min: Math.min(...ratios), max: Math.max(...ratios), base_ns: med(bs), case_ns: med(cs) };
}

/** The compared pairs, each measured interleaved in this run. */
export async function benchPairs(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const noop = noopRunner({ traced: true, hooks: false });
  const hooks = noopRunner({ traced: true, hooks: true });
  const asyncHooks = noopRunner({ traced: true, hooks: 'async' });
  const chain = chainRunner(true);
  for (const r of [noop, hooks, asyncHooks, chain]) await r.start();
  const pair = async (name: string, target: number, base: () => Promise<number>, kase: () => Promise<number>) => {
    const p = await comparePairs(base, kase);
    out.push({ name, value: Math.round(p.median * 100) / 100, spread: [Math.round(p.min * 100) / 100, Math.round(p.max * 100) / 100], target, unit: 'ratio (median of interleaved pairs)', pass: p.median <= target, base_ns: Math.round(p.base_ns), case_ns: Math.round(p.case_ns) });
  };
  await pair('compare.dispatch_noop_vs_raw_dispatch', 2.0, rawDispatchOnce, () => runnerDispatchOnce(noop, 'noop'));
  await pair('compare.dispatch_hooks_vs_noop', 1.5, () => runnerDispatchOnce(noop, 'noop'), () => runnerDispatchOnce(hooks, 'noop'));
  await pair('compare.chain_hop_vs_raw_chain_step', 1.5, rawChainOnce, () => chainOnce(chain));
  // Events with metadata but no session id (the runner gives each its own): once 4–7x the no-op cost, from a key
  // added to an exact-shape (spread) copy on emit; see docs/benchmarks.md, stop 11. Since stop 12 such an event also
  // pays for its id's text (its session id), which an event with a session id no longer makes: target 1.5 (was 1.3).
  await pair('compare.dispatch_unsessioned_vs_noop', 1.5, () => runnerDispatchOnce(noop, 'noop'), () => runnerDispatchOnce(noop, 'noop', { priority: 'normal' }));
  // The same callbacks declared `async`: each point waits for a promise. A guard: a version that threw to leave the
  // route's synchronous lane cost ~7x the sync callbacks (separate runs), the route now ~2.6x. Measured last: once async callbacks have run through the
  // route, V8's feedback for it changes and the sync hooks line above read 1.54 in one run (docs/benchmarks.md, stop 14).
  await pair('compare.dispatch_async_hooks_vs_hooks', 4, () => runnerDispatchOnce(hooks, 'noop'), () => runnerDispatchOnce(asyncHooks, 'noop'));
  for (const r of [noop, hooks, asyncHooks, chain]) await r.stop();
  return out;
}

export { State };
