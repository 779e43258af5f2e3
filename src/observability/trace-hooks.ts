/**
 * Hook-based tracing, as the seed's `core.RegisterTraceHooks` does it.
 * @module
 */
import { HookPoint, type CallbackRegistry } from '../core/hooks.js';
import { toTraceError, type TraceLogger } from '../core/trace.js';

const NAME = 'agentflow:trace';

/**
 * Registers callbacks that write one `hook` trace entry per hook invocation
 * (with the hook name, agent, and the agent's duration and error when
 * known). The runner already traces events and agent runs natively; this
 * adds hook-level detail, for example to a second logger.
 * Calling it twice on the same registry is a no-op the second time.
 *
 * @returns a function that removes the callbacks
 * @example
 * ```ts
 * const traceLogger = new InMemoryTraceLogger();
 * runner.setTraceLogger(traceLogger);
 * registerTraceHooks(runner.getCallbackRegistry(), traceLogger);
 * ```
 */
export function registerTraceHooks(registry: CallbackRegistry, logger: TraceLogger): () => void {
  const points = [HookPoint.BeforeEventHandling, HookPoint.BeforeAgentRun, HookPoint.AfterAgentRun, HookPoint.AgentError, HookPoint.AfterEventHandling] as const;
  const added: HookPoint[] = [];
  for (const hook of points) {
    if (registry.list(hook).includes(NAME)) continue;
    registry.register(hook, NAME, (_ctx, args) => {
      const ev = args.event;
      logger.log({
        timestamp: Date.now(),
        type: 'hook',
        hook,
        eventId: ev.getId(),
        sessionId: ev.getSessionId(),
        agentId: args.agentId,
        parentEventId: ev.getMetadataValue('parent_event'),
        targetAgentId: ev.getMetadataValue('route') || ev.getTargetAgentId(),
        sourceAgentId: ev.getSourceAgentId() || undefined,
        durationMs: args.agentResult?.duration,
        error: args.error ? toTraceError(args.error) : undefined,
      });
      return undefined;
    });
    added.push(hook);
  }
  return () => {
    for (const h of added) registry.unregister(h, NAME);
  };
}
