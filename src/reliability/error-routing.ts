/**
 * Error routing (AgenticGoKit's `[error_routing]`): failures become events
 * for an error-handling agent.
 * @module
 */
import { newEvent } from '../core/event.js';
import { deriveChild, isSystemEvent } from '../core/meta.js';
import type { RunnerHost } from '../runner/outcomes.js';
import type { EventOutcome } from '../runner/types.js';
import { classifyError, type ErrorCategory, type ErrorSeverity } from './classify.js';

/**
 * Options for {@link errorRouting}.
 *
 * @example
 * ```ts
 * errorRouting(runner, { errorHandlerName: 'error_handler', severityHandlers: { critical: 'pager' } });
 * ```
 */
export interface ErrorRoutingOptions {
  enabled?: boolean;
  /** Default handler agent. Default `error_handler`. */
  errorHandlerName?: string;
  categoryHandlers?: Partial<Record<ErrorCategory, string>>;
  severityHandlers?: Partial<Record<ErrorSeverity, string>>;
}

/**
 * Metadata key on error events; their own failures are never routed again.
 *
 * @example
 * ```ts
 * if (event.getMetadataValue(ERROR_EVENT) === 'true') console.log('this is an error report');
 * ```
 */
export const ERROR_EVENT = 'error_event';

/**
 * Sends one error event per failed (or dead-lettered) event to a handler
 * agent chosen by severity, then category, then the default name. The error
 * event keeps the ORIGINAL session and carries data `failed_agent`,
 * `error_message`, `error_code`, `error_category`, `severity`,
 * `failure_reason`, `retry_count`, `original_event_id` and `original_event`;
 * metadata `error_event = "true"`. A failing error event (for example when
 * no handler is registered) is recorded like any failure but never routed
 * again, and a system event (error-routed or dead-letter-forwarded, marked
 * `af_system`) never triggers either mechanism, so routing can never loop. Returns an unsubscribe function.
 *
 * @example
 * ```ts
 * runner.registerAgent('error_handler', (ctx, ev, state) => { console.error(ev.getData()); return state; });
 * const stop = errorRouting(runner);
 * ```
 */
export function errorRouting(runner: RunnerHost, options: ErrorRoutingOptions = {}): () => void {
  if (options.enabled === false) return () => undefined;
  const fallback = options.errorHandlerName ?? 'error_handler';
  return runner.onOutcome((o: EventOutcome) => {
    // Only outcomes this process produced: the process that ran a failed event routes its error, once.
    if (o.status === 'completed' || o.remote === true || o.event.getMetadataValue(ERROR_EVENT) === 'true' || isSystemEvent(o.event)) return;
    if (o.reason === 'shutdown') return;
    const c = classifyError(o.error);
    const handler = options.severityHandlers?.[c.severity] ?? options.categoryHandlers?.[c.category] ?? fallback;
    const ev = newEvent(
      handler,
      {
        failed_agent: o.agentId,
        error_message: o.error?.message ?? 'unknown error',
        error_code: o.error?.code ?? 'UNKNOWN',
        error_category: c.category,
        severity: c.severity,
        failure_reason: o.reason ?? 'agent_error',
        retry_count: o.attempts - 1,
        original_event_id: o.eventId,
        original_event: o.event.toJSON().data,
      },
      { session_id: o.sessionId, route: handler, [ERROR_EVENT]: 'true', status: 'error' },
    );
    // A system child of the failed event: same session, chain and trace context; never routed again.
    deriveChild(o.event, 'system', ev, o.agentId, 'error_routing');
    if (runner.getStatus() === 'running') {
      try {
        runner.emit(ev);
      } catch {
        // Queue full: the original failure is recorded anyway.
      }
    }
  });
}
