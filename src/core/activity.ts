/**
 * Agent activity: what an agent reports while it runs (streamed tokens,
 * tool calls and their results, handoffs). Tool calls, results and handoffs
 * are written to the session trace; every kind reaches `runner.stream()`
 * callers and `runner.onActivity()` listeners, across processes on a shared
 * transport when the chain is being streamed.
 * @module
 */
import type { TraceError } from './trace.js';

/**
 * One thing an agent did while handling an event.
 * - `token`: a piece of streamed model output (never traced: too many).
 * - `tool_call`: the model asked for a tool (`arguments` is the raw JSON text; its size is traced, not the text).
 * - `tool_result`: a tool call finished (`ok`, `durationMs`, result size, the error's code when it failed).
 * - `handoff`: the model chose the next agent (`accepted` false when it named one it may not hand off to).
 * - `memory`: conversation memory read or written, or documents retrieved (counts and sizes).
 *
 * @example
 * ```ts
 * ctx.report({ kind: 'token', text: 'Once' });
 * ctx.report({ kind: 'tool_call', tool: 'weather', callId: 'call_1', arguments: '{"city":"Oslo"}' });
 * ```
 */
export type AgentActivity =
  | { readonly kind: 'token'; readonly text: string }
  | { readonly kind: 'tool_call'; readonly tool: string; readonly callId: string; readonly arguments: string; readonly round: number }
  | {
      readonly kind: 'tool_result';
      readonly tool: string;
      readonly callId: string;
      readonly ok: boolean;
      readonly durationMs: number;
      /** Size of the result text sent back to the model, in characters. */
      readonly resultChars: number;
      /** The result text (bounded), for streaming; not written to the trace. */
      readonly result?: string;
      readonly error?: TraceError;
    }
  | { readonly kind: 'handoff'; readonly to: string; readonly accepted: boolean; readonly reason?: string }
  | {
      readonly kind: 'memory';
      /** `load`: conversation turns read; `save`: turns written; `search`: documents retrieved. */
      readonly op: 'load' | 'save' | 'search';
      readonly items: number;
      readonly chars: number;
    };

/**
 * Kinds of {@link AgentActivity}.
 *
 * @example
 * ```ts
 * const k: AgentActivityKind = 'tool_result';
 * ```
 */
export type AgentActivityKind = AgentActivity['kind'];

/**
 * An activity with where it happened: the message `runner.onActivity`
 * listeners receive and the outcome bus carries.
 *
 * @example
 * ```ts
 * runner.onActivity((m) => { if (m.activity.kind === 'token') process.stdout.write(m.activity.text) });
 * ```
 */
export interface ActivityMessage {
  readonly activity: AgentActivity;
  readonly eventId: string;
  readonly sessionId: string;
  /** The chain the event belongs to (the id of the event that started it). */
  readonly chainId: string;
  readonly agentId: string;
  readonly attempt: number;
  /** Epoch ms. */
  readonly timestamp: number;
}

/**
 * The trace `detail` of an activity (sizes and codes, never content).
 *
 * @example
 * ```ts
 * activityDetail({ kind: 'handoff', to: 'billing', accepted: true }); // { to: 'billing', accepted: true }
 * ```
 */
export function activityDetail(a: AgentActivity): Record<string, string | number | boolean | null> {
  switch (a.kind) {
    case 'tool_call':
      return { tool: a.tool, callId: a.callId, argumentsChars: a.arguments.length, round: a.round };
    case 'tool_result':
      return { tool: a.tool, callId: a.callId, ok: a.ok, resultChars: a.resultChars };
    case 'handoff':
      return a.reason === undefined ? { to: a.to, accepted: a.accepted } : { to: a.to, accepted: a.accepted, reason: a.reason };
    case 'memory':
      return { op: a.op, items: a.items, chars: a.chars };
    case 'token':
      return { chars: a.text.length };
  }
}
