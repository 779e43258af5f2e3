/**
 * Building a runner from agentflow.toml ("configuration first").
 * @module
 */
import { dirname, resolve } from 'node:path';
import { BaseAgent, isAgent, type Agent, type AgentContext, type AgentHandler, type AgentHandlerFn, type AgentResultInit } from '../core/agent.js';
import type { TraceLogger } from '../core/trace.js';
import type { Event } from '../core/event.js';
import { createLogger, type Logger, type LogLevel } from '../core/logger.js';
import { State } from '../core/state.js';
import { createOrchestrator } from '../orchestration/index.js';
import { agentConcurrencyLimit, agentRateLimit } from '../reliability/limits.js';
import { circuitBreakerProvider } from '../providers/circuit-breaker.js';
import { circuitBreakerMiddleware, DeadLetterQueue, defaultRetrySettings, errorRouting, JsonlDeadLetterStore, retryPolicy, type CircuitBreaker, type RetrySettings } from '../reliability/index.js';
import type { AgentMiddleware, RunnerConfig } from '../runner/config.js';
import { Runner } from '../runner/runner.js';
import { createProvider } from '../providers/registry.js';
import type { LLMProvider, ProviderConfig } from '../providers/types.js';
import { unreachableAgents, unreachableMessage } from './reachability.js';
import { LLMAgent } from '../agents/llm-agent.js';
import { McpHub } from '../agents/mcp/index.js';
import type { Tool } from '../agents/tools/tool.js';
import { resolveAgentLlm } from './defaults.js';
import { providerConfig } from './provider-config.js';
import { memoryFor } from './memory.js';
import { loadConfig, validateConfigObject, validateLlmAgents, type LoadedConfig } from './load.js';
import type { AgentflowConfig, AgentflowConfigInput } from './schema.js';

/**
 * Options for {@link createRunnerFromConfig}.
 *
 * @example
 * ```ts
 * await createRunnerFromConfig('agentflow.toml', { agents: { data_processor: myHandler }, onToken: (t) => process.stdout.write(t) });
 * ```
 */
export interface CreateFromConfigOptions {
  /** Code handlers by agent name; a declared agent without one becomes an LLM agent. Undeclared names are registered too. */
  agents?: Record<string, AgentHandler | Agent | AgentHandlerFn>;
  /** Environment for `${VAR}`, `AGENTFLOW_*` and API keys. Default process.env. */
  env?: Record<string, string | undefined>;
  /** Unknown keys in the file are warnings, not errors (default: `AGENTFLOW_LENIENT_CONFIG=1`). */
  lenient?: boolean;
  /** Overrides the logger built from `[logging]`. */
  logger?: Logger;
  /** Streamed LLM tokens, as they arrive. */
  onToken?: (token: string, agent: string, eventId: string) => void;
  /** Runner options that win over the file. */
  overrides?: Partial<RunnerConfig>;
  /** Wraps every LLM provider the file declares (e.g. `metrics.wrapProvider` to count tokens). */
  wrapProvider?: (provider: LLMProvider) => LLMProvider;
  /** Tools LLM agents may name in `[agents.NAME] tools` (see `defineTool` in `agentflow/agents`). */
  tools?: readonly Tool<never, unknown>[];
}

/**
 * What the file declared, alongside the runner.
 *
 * @example
 * ```ts
 * const runner = await createRunnerFromConfig('agentflow.toml');
 * runner.flow.entryAgent; // the first declared agent
 * ```
 */
export interface FlowInfo {
  config: AgentflowConfig;
  warnings: LoadedConfig['warnings'];
  file?: string;
  /** The agent a plain input goes to: the first sequential/collaborative/loop agent, else the first declared agent. */
  entryAgent: string;
  /** Agents by kind. */
  codeAgents: string[];
  llmAgents: string[];
  deadLetters?: DeadLetterQueue;
  breakers?: Map<string, CircuitBreaker>;
  providers: LLMProvider[];
  /** The OpenTelemetry SDK agentflow registered (`[observability] endpoint`); `shutdown()` flushes it. */
  otel?: { forceFlush(): Promise<void>; shutdown(): Promise<void> };
}

/**
 * A runner built from a config, with {@link FlowInfo} attached.
 *
 * @example
 * ```ts
 * const runner: ConfiguredRunner = await createRunnerFromConfig('agentflow.toml');
 * ```
 */
export type ConfiguredRunner = Runner & { readonly flow: FlowInfo };

/** A code handler declared with `timeout_seconds`: a full agent carrying that timeout. */
class TimedHandler extends BaseAgent {
  private readonly call: (ctx: AgentContext, ev: Event, state: State) => ReturnType<AgentHandlerFn>;
  constructor(name: string, timeoutMs: number, handler: AgentHandler | AgentHandlerFn) {
    super({ name, timeoutMs });
    this.call = typeof handler === 'function' ? handler : (ctx, ev, st) => handler.run(ctx, ev, st);
  }
  run(_ctx: AgentContext, input: State): State {
    return input;
  }
  override async handleEvent(ctx: AgentContext, ev: Event, state: State): Promise<AgentResultInit> {
    const r = await this.call(ctx, ev, state);
    return r instanceof State ? { outputState: r } : r;
  }
}

class DisabledAgent extends BaseAgent {
  run(_ctx: AgentContext, input: State): State {
    return input;
  }
}

function retrySettings(p: { max_retries?: number; base_delay_ms?: number; max_delay_ms?: number; backoff_factor?: number; jitter?: boolean; enable_jitter?: boolean } | undefined): Partial<RetrySettings> {
  if (!p) return {};
  const out: Partial<RetrySettings> = {};
  if (p.max_retries !== undefined) out.maxRetries = p.max_retries;
  if (p.base_delay_ms !== undefined) out.baseDelayMs = p.base_delay_ms;
  if (p.max_delay_ms !== undefined) out.maxDelayMs = p.max_delay_ms;
  if (p.backoff_factor !== undefined) out.backoffFactor = p.backoff_factor;
  const j = p.jitter ?? p.enable_jitter;
  if (j !== undefined) out.jitter = j;
  return out;
}


/**
 * Builds and wires a runner from an agentflow.toml path or a config object:
 * `[runtime]` → concurrency, timeouts, queue size, hop limit; `[logging]` →
 * the logger; `[orchestration]` → the orchestrator; `[error_routing]` →
 * retries, circuit breakers and error routing; `[dead_letter]` → the
 * dead-letter queue (a JSONL file when `file` is set); `[agents.NAME]` →
 * agents: code handlers from `options.agents` under their declared names,
 * and an {@link LLMAgent} (system prompt + the event's input → the configured
 * model, reply and token usage in the output state) for every declared agent
 * without one. Agents that share LLM settings share one provider.
 * @throws {@link ConfigError} listing every problem, {@link ConfigNotFoundError}
 * @example
 * ```ts
 * const runner = await createRunnerFromConfig('examples/config/message-passing-system.toml', {
 *   agents: { data_processor: processor, data_analyzer: analyzer, report_generator: reporter },
 * });
 * await runner.start();
 * const { state } = await runner.run(newEvent(runner.flow.entryAgent, { input: 'hello' }));
 * ```
 */
export async function createRunnerFromConfig(pathOrObject: string | AgentflowConfigInput, options: CreateFromConfigOptions = {}): Promise<ConfiguredRunner> {
  const env = options.env ?? process.env;
  const lenient = options.lenient;
  const loaded = typeof pathOrObject === 'string' ? await loadConfig(pathOrObject, { env, lenient }) : validateConfigObject(pathOrObject, { env, lenient });
  const config = loaded.config;
  const baseDir = loaded.file ? dirname(resolve(loaded.file)) : process.cwd();
  const code = options.agents ?? {};
  const declared = config.agents;
  const codeTools = new Map((options.tools ?? []).map((t) => [t.name, t]));
  validateLlmAgents(loaded, Object.keys(code), [...codeTools.keys()]);
  const mcp = config.mcp;
  const servers = mcp.enabled ? mcp.servers.filter((s) => s.enabled) : [];
  const hub = servers.length === 0 ? undefined : new McpHub(servers.map((s) => ({ ...s, cwd: s.cwd === undefined ? baseDir : resolve(baseDir, s.cwd), connectTimeoutMs: mcp.connect_timeout_seconds * 1000, callTimeoutMs: mcp.call_timeout_seconds * 1000, maxRestarts: mcp.max_restarts })));

  const logging = config.logging;
  const logger =
    options.logger ??
    createLogger(logging.level satisfies LogLevel, {
      name: config.agent_flow.name,
      destination: logging.file ? resolve(baseDir, logging.file) : 2,
      pretty: logging.format === 'pretty',
    });
  const runtime = config.runtime;
  const orch = config.orchestration;
  const er = config.error_routing;

  // [observability] otel = true: spans through agentflow/otel (loaded only then), and an OTLP exporter when an endpoint is given.
  const ob = config.observability;
  const otelMod = ob.otel ? await import('../observability/otel/index.js') : undefined;
  const otel = otelMod && ob.endpoint ? await otelMod.setupOtel({ serviceName: ob.service_name ?? config.agent_flow.name ?? 'agentflow', endpoint: ob.endpoint }) : undefined;
  const otelOpts = { captureContent: ob.capture_content };
  const middleware: AgentMiddleware[] = [];
  let breakers: Map<string, CircuitBreaker> | undefined;
  if (er.enable_circuit_breaker) {
    const cb = er.circuit_breaker;
    const m = circuitBreakerMiddleware({
      failureThreshold: cb.failure_threshold,
      successThreshold: cb.success_threshold,
      resetTimeoutMs: cb.reset_timeout_ms,
      halfOpenMaxCalls: cb.half_open_max_calls,
      onStateChange: (c) => (logger.warn({ agent: c.name, from: c.from, to: c.to }, 'circuit breaker state changed'), otelMod?.recordCircuitChange(c)),
    });
    middleware.push(m.middleware);
    breakers = m.breakers;
  }
  const limits: Record<string, number> = {};
  for (const [name, a] of Object.entries(declared)) if (a.max_concurrency !== undefined) limits[name] = a.max_concurrency;
  if (Object.keys(limits).length) middleware.push(agentConcurrencyLimit(limits));
  const rates: Record<string, { requestsPerSecond: number; burst?: number }> = {};
  for (const [name, a] of Object.entries(declared)) {
    if (a.rate_limit?.requests_per_second !== undefined) rates[name] = { requestsPerSecond: a.rate_limit.requests_per_second, burst: a.rate_limit.burst_size };
  }
  if (Object.keys(rates).length) middleware.push(agentRateLimit(rates));

  // error_routing.retry holds the effective global settings (the loader folds max_retries / retry_delay_ms in).
  // A policy under [agents.NAME.retry_policy] applies to that agent only: without [error_routing] the others never retry.
  const globalOn = er.enabled === true;
  const globalRetry = retrySettings(er.retry);
  const perAgentRetry: Record<string, Partial<RetrySettings>> = {};
  for (const [name, a] of Object.entries(declared)) {
    if (a.retry_policy) perAgentRetry[name] = globalOn ? retrySettings(a.retry_policy) : { ...defaultRetrySettings(), ...retrySettings(a.retry_policy) };
  }
  const retryOn = globalOn || Object.keys(perAgentRetry).length > 0;

  const dl = config.dead_letter;
  const dlEnabled = dl.enabled;
  const sink: { q?: DeadLetterQueue } = {};

  const timeoutSeconds = orch.timeout_seconds ?? runtime.timeout_seconds;
  const tc = config.transport;
  // [transport] kind = "redis": the Redis Streams transport (loaded only then: `redis` is an optional dependency).
  const transport =
    tc.kind === 'redis' && options.overrides?.transport === undefined
      ? new (await import('../transport/redis/index.js')).RedisTransport({
          url: tc.url ?? env.AGENTFLOW_REDIS_URL ?? 'redis://127.0.0.1:6379',
          namespace: tc.namespace,
          partitions: tc.partitions,
          leaseMs: tc.lease_ms,
          maxDeliveries: tc.max_deliveries,
          capacity: tc.capacity,
          traceEntries: tc.trace_entries,
          onError: (err) => logger.warn({ err: err.message }, 'redis transport error'),
        })
      : undefined;
  const runner = new Runner({
    transport,
    logger,
    instrumentation: otelMod?.otelInstrumentation(otelOpts),
    concurrency: runtime.max_concurrent_agents,
    queueSize: runtime.queue_size,
    timeoutMs: timeoutSeconds * 1000,
    maxHops: runtime.max_hops,
    sessionOrdering: runtime.session_ordering,
    maxPayloadBytes: runtime.max_payload_bytes,
    stopTimeoutMs: runtime.stop_timeout_seconds * 1000,
    orchestrator: createOrchestrator(orch.mode, {
      sequentialAgents: orch.sequential_agents,
      collaborativeAgents: orch.collaborative_agents,
      loopAgent: orch.loop_agent,
      maxIterations: orch.max_iterations,
    }),
    retry: retryOn ? retryPolicy({ ...(globalOn ? globalRetry : { maxRetries: 0 }), perAgent: perAgentRetry }) : undefined,
    deadLetter: dlEnabled ? { add: (r) => sink.q!.add(r) } : undefined,
    middleware,
    ...options.overrides,
  });
  if (dlEnabled) {
    const forwardTo = 'dead_letter_handler' in declared || 'dead_letter_handler' in code;
    sink.q = new DeadLetterQueue({
      maxEntries: dl.max_entries,
      store: dl.file ? new JsonlDeadLetterStore(resolve(baseDir, dl.file), { maxFileBytes: dl.max_file_bytes }) : undefined,
      forward: forwardTo ? { runner } : undefined,
    });
  }

  const codeAgents: string[] = [];
  const llmAgents: string[] = [];
  const providers = new Map<string, Promise<LLMProvider>>();
  // One raw provider per distinct setting, shared by LLM agents and the embedder (a local model loads once).
  const raws = new Map<string, Promise<LLMProvider>>();
  const rawProvider = (pc: ProviderConfig): Promise<LLMProvider> => {
    const key = JSON.stringify({ ...pc, env: undefined });
    if (!raws.has(key)) raws.set(key, createProvider(pc));
    return raws.get(key)!;
  };
  // A Redis transport (from [transport] or passed in): trace entries also go to the namespace's trace stream.
  const shared = runner.getTransport() as { traces?: { logger(local: TraceLogger): TraceLogger } };
  const local = runner.getTraceLogger();
  if (tc.trace_stream && shared.traces !== undefined && local) runner.setTraceLogger(shared.traces.logger(local));
  const flowMemory = await memoryFor(config, baseDir, env, runner.getTransport(), rawProvider);
  for (const [name, a] of Object.entries(declared)) {
    if (!a.enabled) {
      runner.registerAgent(name, new DisabledAgent({ name, role: a.role, description: a.description, enabled: false }));
      continue;
    }
    const handler = code[name];
    if (handler !== undefined) {
      // A declared timeout_seconds applies to code agents too (not only to LLM agents).
      runner.registerAgent(name, a.timeout_seconds !== undefined && !isAgent(handler) ? new TimedHandler(name, a.timeout_seconds * 1000, handler) : handler);
      codeAgents.push(name);
      continue;
    }
    const llm = resolveAgentLlm(config, name);
    const pc = providerConfig(llm, baseDir, env);
    const key = JSON.stringify({ ...pc, env: undefined });
    if (!providers.has(key)) {
      const cb = er.circuit_breaker;
      providers.set(
        key,
        rawProvider(pc).then((raw) => {
          const traced = otelMod ? otelMod.instrumentProvider(raw, otelOpts) : raw;
          const p = options.wrapProvider ? options.wrapProvider(traced) : traced;
          return er.enable_circuit_breaker
            ? circuitBreakerProvider(p, {
                failureThreshold: cb.failure_threshold,
                successThreshold: cb.success_threshold,
                resetTimeoutMs: cb.reset_timeout_ms,
                halfOpenMaxCalls: cb.half_open_max_calls,
                onStateChange: (c) => (logger.warn({ provider: c.name, from: c.from, to: c.to }, 'provider circuit breaker state changed'), otelMod?.recordCircuitChange(c)),
              })
            : p;
        }),
      );
    }
    const provider = await providers.get(key)!;
    runner.registerAgent(
      name,
      new LLMAgent({
        name,
        role: a.role ?? name,
        description: a.description,
        capabilities: a.capabilities,
        systemPrompt: a.system_prompt!,
        timeoutMs: a.timeout_seconds !== undefined ? a.timeout_seconds * 1000 : undefined,
        next: a.next,
        tools: (a.tools ?? []).filter((t) => codeTools.has(t)).map((t) => codeTools.get(t)!),
        toolSets: hub && a.tools?.some((t) => !codeTools.has(t)) ? [hub.toolSet(a.tools.filter((t) => !codeTools.has(t)))] : undefined,
        handoffs: a.handoffs,
        maxToolRounds: a.max_tool_rounds,
        toolChoice: a.tool_choice,
        toolTimeoutMs: a.tool_timeout_seconds !== undefined ? a.tool_timeout_seconds * 1000 : undefined,
        memory: a.memory === false ? undefined : flowMemory.memory,
        knowledge: a.memory === false ? undefined : flowMemory.knowledge,
        provider,
        temperature: llm.temperature,
        maxTokens: llm.max_tokens,
        topP: llm.top_p,
        seed: llm.seed,
        onToken: options.onToken,
      }),
    );
    llmAgents.push(name);
  }
  for (const [name, handler] of Object.entries(code)) {
    if (!(name in declared)) {
      runner.registerAgent(name, handler);
      codeAgents.push(name);
    }
  }
  if (er.enabled) {
    errorRouting(runner, {
      errorHandlerName: er.error_handler_name,
      categoryHandlers: er.category_handlers as never,
      severityHandlers: er.severity_handlers as never,
    });
  }
  const firstDeclared = Object.entries(declared).find(([, a]) => a.enabled !== false)?.[0];
  const entryAgent = orch.sequential_agents?.[0] ?? orch.collaborative_agents?.[0] ?? orch.loop_agent ?? firstDeclared ?? Object.keys(code)[0] ?? '';
  const providerList = await Promise.all(providers.values());
  const flow: FlowInfo = { config, warnings: loaded.warnings, file: loaded.file, entryAgent, codeAgents, llmAgents, deadLetters: sink.q, breakers, providers: providerList, otel };
  for (const w of loaded.warnings) logger.warn({ file: w.file, line: w.line, key: w.key }, w.message);
  for (const name of unreachableAgents(config, Object.keys(code))) logger.warn({ key: `agents.${name}` }, unreachableMessage(name));
  return Object.assign(runner, { flow }) as ConfiguredRunner;
}
