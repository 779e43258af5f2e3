/**
 * `agentflow/prometheus`: Prometheus metrics for a runner, through
 * `prom-client` (an optional peer dependency), with a `/metrics` and
 * `/healthz` HTTP handler you can mount in your own server or serve alone.
 * No series is labelled by session or event id.
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EventOutcome } from '../../core/outcome.js';
import { decorateProvider, type ChatOptions, type ChatRequest, type ChatResponse, type LLMProvider } from '../../providers/types.js';
import type { OutcomeBus } from '../../runner/outcomes.js';
import type { RunnerStats } from '../../runner/types.js';
import type { Transport, TransportMetrics } from '../../transport/types.js';

/**
 * What the metrics read from a runner (a `Runner` has all of it).
 *
 * @example
 * ```ts
 * const source: MetricsSource = runner;
 * ```
 */
export interface MetricsSource {
  onOutcome(fn: (o: EventOutcome) => void): () => void;
  getStatus(): string;
  stats(): RunnerStats;
  getOutcomeBus?(): OutcomeBus;
  getTransport?(): Transport;
}

/**
 * Options for {@link PrometheusMetrics}.
 *
 * @example
 * ```ts
 * new PrometheusMetrics({ prefix: 'flow_', defaultMetrics: true });
 * ```
 */
export interface PrometheusMetricsOptions {
  /** Register here instead of a new registry. */
  registry?: Registry;
  /** Prefix of every series. Default `agentflow_`. */
  prefix?: string;
  /** Duration buckets in seconds. Default 5 ms … 300 s (LLM-bound agents). */
  buckets?: number[];
  /** Also export prom-client's Node process metrics (CPU, heap, event loop lag). Default false (three of its gauges end in `_total`, which `promtool check metrics` flags). */
  defaultMetrics?: boolean;
  /** Distinct agent label values kept; later ones are counted as `(other)`. Default 200. */
  maxAgents?: number;
}

/** Circuit states as gauge values. */
const CIRCUIT: Record<string, number> = { closed: 0, half_open: 1, 'half-open': 1, open: 2 };

/**
 * A breaker whose state the metrics read (the runner's circuit breakers).
 *
 * @example
 * ```ts
 * metrics.watchBreakers(runner.flow.breakers ?? new Map());
 * ```
 */
export interface BreakerLike {
  readonly state: string;
}

/**
 * Prometheus metrics of a runner: events emitted and finished (by agent,
 * outcome, reason), event and agent-run durations, queue wait, in flight,
 * queue depth, retries, dead letters, callback errors, circuit state, LLM
 * tokens, and live workers on a shared transport.
 *
 * @example
 * ```ts
 * import { PrometheusMetrics, serveMetrics } from 'agentflow/prometheus';
 * const metrics = new PrometheusMetrics();
 * metrics.attach(runner);
 * const server = await serveMetrics(metrics, runner, { port: 9464 });
 * // curl http://127.0.0.1:9464/metrics
 * ```
 */
export class PrometheusMetrics {
  readonly registry: Registry;
  private source: MetricsSource | undefined;
  private readonly agents = new Set<string>();
  private readonly maxAgents: number;
  private readonly breakers: Array<ReadonlyMap<string, BreakerLike>> = [];
  private readonly emitted: Counter<'agent'>;
  private readonly finished: Counter<'agent' | 'outcome' | 'reason'>;
  private readonly eventDuration: Histogram<'agent' | 'outcome'>;
  private readonly agentDuration: Histogram<'agent'>;
  private readonly queueWait: Histogram<'agent'>;
  private readonly tokens: Counter<'provider' | 'model' | 'type'>;

  constructor(options: PrometheusMetricsOptions = {}) {
    const p = options.prefix ?? 'agentflow_';
    const buckets = options.buckets ?? [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
    const r = (this.registry = options.registry ?? new Registry());
    this.maxAgents = options.maxAgents ?? 200;
    if (options.defaultMetrics) collectDefaultMetrics({ register: r, prefix: p });
    const stat = (read: (s: RunnerStats) => number) => () => (this.source ? read(this.source.stats()) : 0);
    this.emitted = new Counter({ name: `${p}events_emitted_total`, help: 'Events published (emits, route hops, broadcast copies, ctx.emit children), by target agent.', labelNames: ['agent'], registers: [r] });
    this.finished = new Counter({ name: `${p}events_finished_total`, help: 'Events that reached their final outcome, by agent, outcome and failure reason.', labelNames: ['agent', 'outcome', 'reason'], registers: [r] });
    this.eventDuration = new Histogram({ name: `${p}event_duration_seconds`, help: 'Time from an event being taken for processing to its outcome.', labelNames: ['agent', 'outcome'], buckets, registers: [r] });
    this.agentDuration = new Histogram({ name: `${p}agent_run_duration_seconds`, help: 'Duration of the agent call that decided the outcome.', labelNames: ['agent'], buckets, registers: [r] });
    this.queueWait = new Histogram({ name: `${p}queue_wait_seconds`, help: 'Time from an event being created to its last attempt starting.', labelNames: ['agent'], buckets, registers: [r] });
    this.tokens = new Counter({ name: `${p}llm_tokens_total`, help: 'LLM tokens used, by provider, model and type (input, output).', labelNames: ['provider', 'model', 'type'], registers: [r] });
    const gauge = (name: string, help: string, read: () => number | Promise<number>) =>
      new Gauge({
        name: `${p}${name}`,
        help,
        registers: [r],
        async collect() {
          this.set(await read());
        },
      });
    const total = (name: string, help: string, read: () => number) =>
      new Counter({
        name: `${p}${name}`,
        help,
        registers: [r],
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    gauge('in_flight', 'Events being processed now.', stat((s) => s.inFlight));
    gauge('queue_depth', 'Events waiting in the local queue (0 for a shared transport).', stat((s) => s.queued));
    gauge('retry_pending', 'Retries waiting for their backoff delay.', stat((s) => s.retryPending));
    gauge('up', '1 while the runner is running.', () => (this.source?.getStatus() === 'running' ? 1 : 0));
    total('retries_total', 'Retry attempts scheduled.', stat((s) => s.retried));
    total('dead_letters_total', 'Events that ended dead-lettered.', stat((s) => s.deadLettered));
    total('callback_errors_total', 'Errors thrown by AgentError / AfterEventHandling callbacks.', stat((s) => s.callbackErrors));
    gauge('live_workers', 'Workers alive in the namespace (shared transports only; 1 for in-process).', async () => {
      const t = this.source?.getTransport?.();
      return t?.liveWorkers ? await t.liveWorkers().catch(() => 0) : this.source ? 1 : 0;
    });
    // Distributed mode: one transport.metrics() call per scrape, shared by its series.
    let cached: { at: number; value: Promise<TransportMetrics> } | undefined;
    const tm = (read: (m: TransportMetrics) => number | undefined) => async () => {
      const t = this.source?.getTransport?.();
      if (t?.metrics === undefined) return 0;
      if (cached === undefined || Date.now() - cached.at > 500) cached = { at: Date.now(), value: t.metrics().catch(() => ({})) };
      return read(await cached.value) ?? 0;
    };
    gauge('partitions_owned', 'Partitions of the namespace this worker owns (shared transports; 0 in-process).', tm((m) => m.partitionsOwned));
    gauge('pending_deliveries', 'Deliveries read and not settled yet in the partitions this worker owns.', tm((m) => m.pending));
    gauge('consumer_lag', 'Entries not read yet in the partitions this worker owns (consumer-group lag).', tm((m) => m.lag));
    const totalAsync = (name: string, help: string, read: () => Promise<number>) =>
      new Counter({
        name: `${p}${name}`,
        help,
        registers: [r],
        async collect() {
          this.reset();
          this.inc(await read());
        },
      });
    totalAsync('redeliveries_total', 'Deliveries that were redeliveries (claimed again after a consumer died or lost its lease).', tm((m) => m.redeliveries));
    totalAsync('lease_losses_total', 'Partition leases this worker lost (renewal refused, expired, settle refused).', tm((m) => m.leaseLosses));
    const breakers = this.breakers;
    new Gauge({
      name: `${p}circuit_state`,
      help: 'Circuit breaker state: 0 closed, 1 half-open, 2 open.',
      labelNames: ['name'],
      registers: [r],
      collect() {
        this.reset();
        for (const m of breakers) for (const [name, b] of m) this.set({ name }, CIRCUIT[b.state] ?? -1);
      },
    });
  }

  /** Starts counting `runner`'s events. Returns a function that stops. */
  attach(runner: MetricsSource): () => void {
    this.source = runner;
    const offOutcome = runner.onOutcome((o) => o.remote !== true && this.outcome(o)); // another process counts its own
    const bus = runner.getOutcomeBus?.();
    const offBus = bus?.subscribe((m) => {
      if (m.type !== 'published' || m.remote === true) return;
      for (const ev of m.events) this.emitted.inc({ agent: this.agentLabel(ev.getTargetAgentId()) });
    });
    return () => {
      offOutcome();
      offBus?.();
      if (this.source === runner) this.source = undefined;
    };
  }

  /** Exports the state of these circuit breakers (e.g. `runner.flow.breakers`). */
  watchBreakers(breakers: ReadonlyMap<string, BreakerLike>): void {
    this.breakers.push(breakers);
  }

  /** Wraps an LLM provider so its token usage is counted. */
  wrapProvider(provider: LLMProvider): LLMProvider {
    const tokens = this.tokens;
    return decorateProvider(provider, {
      async chat(req: ChatRequest, opts?: ChatOptions): Promise<ChatResponse> {
        const res = await provider.chat(req, opts);
        const labels = { provider: provider.name, model: req.model ?? provider.model };
        tokens.inc({ ...labels, type: 'input' }, res.usage.promptTokens);
        tokens.inc({ ...labels, type: 'output' }, res.usage.completionTokens);
        return res;
      },
      stream: (req: ChatRequest, opts?: Omit<ChatOptions, 'onToken'>) => provider.stream(req, opts),
    });
  }

  /** The exposition, in Prometheus text format. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** The exposition's content type. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * An HTTP handler for `GET /metrics` and `GET /healthz` (200 with the
   * runner's status and counters while it runs, 503 otherwise); anything
   * else is a 404. Mount it in your own server.
   */
  readonly handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      this.metrics().then(
        (body) => res.writeHead(200, { 'content-type': this.contentType }).end(body),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics collection failed: ${(err as Error).message}\n`),
      );
      return;
    }
    if (path === '/healthz') {
      const status = this.source?.getStatus() ?? 'detached';
      const body = JSON.stringify({ status, ...(this.source ? this.source.stats() : {}) });
      res.writeHead(status === 'running' ? 200 : 503, { 'content-type': 'application/json' }).end(`${body}\n`);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /healthz\n');
  };

  private outcome(o: EventOutcome): void {
    const agent = o.reason === 'no_such_agent' ? '(unknown)' : this.agentLabel(o.agentId);
    this.finished.inc({ agent, outcome: o.status, reason: o.reason ?? '' });
    this.eventDuration.observe({ agent, outcome: o.status }, o.durationMs / 1000);
    if (o.agentResult !== undefined) this.agentDuration.observe({ agent }, o.agentResult.duration / 1000);
    const started = o.agentResult?.startTime;
    if (started !== undefined) {
      const wait = started - o.event.getTimestampMs();
      if (wait >= 0) this.queueWait.observe({ agent }, wait / 1000);
    }
  }

  private agentLabel(name: string): string {
    if (name === '') return '(none)';
    if (this.agents.has(name)) return name;
    if (this.agents.size >= this.maxAgents) return '(other)';
    this.agents.add(name);
    return name;
  }
}

/**
 * A running metrics server.
 *
 * @example
 * ```ts
 * const s = await serveMetrics(metrics, { port: 0 });
 * console.log(s.url); // http://127.0.0.1:<port>
 * await s.close();
 * ```
 */
export interface MetricsServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `/metrics` and `/healthz` on `host:port` (default 127.0.0.1; port 0
 * picks a free one).
 *
 * @example
 * ```ts
 * const server = await serveMetrics(metrics, { port: 9464 });
 * ```
 */
export function serveMetrics(metrics: PrometheusMetrics, options: { port: number; host?: string }): Promise<MetricsServer> {
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer(metrics.handler);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
        port,
        close: () => new Promise<void>((ok) => server.close(() => ok())),
      });
    });
  });
}
