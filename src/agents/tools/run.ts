/**
 * Running one round of tool calls: in parallel, each validated, bounded by
 * its timeout, reported to the trace, and answered with a tool message.
 * @module
 */
import type { AgentContext } from '../../core/agent.js';
import { AgentflowError, ErrorCodes, ToolFailedError, ToolTimeoutError, messageOf } from '../../core/errors.js';
import { classifyError } from '../../reliability/classify.js';
import type { ChatMessage, ToolCall } from '../../providers/types.js';
import type { Tool, ToolContext } from './tool.js';

/**
 * Bounds of a round of tool calls.
 *
 * @example
 * ```ts
 * const o: ToolRoundOptions = { round: 1, timeoutMs: 30_000, maxResultChars: 16_384 };
 * ```
 */
export interface ToolRoundOptions {
  round: number;
  /** Default timeout of a call (a tool's own `timeoutMs` wins). */
  timeoutMs: number;
  /** Longer results are cut, with a note saying so, before they go back to the model. */
  maxResultChars: number;
  /** Every tool name the model was offered (named when it calls one that does not exist); default the tools' names. */
  offered?: readonly string[];
}

type Outcome = { message: ChatMessage } | { fatal: unknown };

/**
 * Runs the calls of one model turn in parallel and returns the tool
 * messages, in call order. What the model can fix comes back to it as the
 * tool's result: an unknown tool, arguments that are not JSON or fail the
 * schema, a tool error not worth retrying, a result that is not JSON.
 * What it cannot fix fails the agent so the event's retry policy applies: a
 * timeout ({@link ToolTimeoutError}), a retryable error
 * ({@link ToolFailedError}), the event's own abort.
 *
 * @example
 * ```ts
 * const messages = await runToolRound(ctx, res.toolCalls, tools, { round: 1, timeoutMs: 30_000, maxResultChars: 16_384 });
 * ```
 */
export async function runToolRound(ctx: AgentContext, calls: readonly ToolCall[], tools: ReadonlyMap<string, Tool<never, unknown>>, o: ToolRoundOptions): Promise<ChatMessage[]> {
  const round = new AbortController();
  const outcomes = await Promise.all(calls.map((c) => runOne(ctx, c, tools, o, round)));
  for (const r of outcomes) if ('fatal' in r) throw r.fatal;
  return outcomes.map((r) => (r as { message: ChatMessage }).message);
}

async function runOne(ctx: AgentContext, call: ToolCall, tools: ReadonlyMap<string, Tool<never, unknown>>, o: ToolRoundOptions, round: AbortController): Promise<Outcome> {
  const tool = tools.get(call.name);
  const named = tool?.name ?? call.name; // reports name the tool as defined (`server.tool`), not its wire name
  ctx.report({ kind: 'tool_call', tool: named, callId: call.id, arguments: call.arguments, round: o.round });
  const started = Date.now();
  const answer = (content: string, ok: boolean, code?: string): Outcome => {
    const text = cap(content, o.maxResultChars);
    ctx.report({ kind: 'tool_result', tool: named, callId: call.id, ok, durationMs: Date.now() - started, resultChars: text.length, result: text.slice(0, 2000), error: code === undefined ? undefined : { code, message: text.slice(0, 300) } });
    return { message: { role: 'tool', content: text, toolCallId: call.id, toolName: call.name } };
  };
  const fail = (err: AgentflowError): Outcome => {
    ctx.report({ kind: 'tool_result', tool: named, callId: call.id, ok: false, durationMs: Date.now() - started, resultChars: 0, error: { code: err.code, message: err.message } });
    round.abort(err);
    return { fatal: err };
  };
  if (tool === undefined) return answer(`Error: there is no tool "${call.name}". Available tools: ${(o.offered ?? [...tools.keys()]).join(', ') || '(none)'}.`, false, ErrorCodes.TOOL_INVALID);
  let args: unknown;
  try {
    args = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
  } catch (err) {
    return answer(`Error: the arguments of ${call.name} are not valid JSON (${messageOf(err)}). Call it again with a JSON object.`, false, ErrorCodes.TOOL_INVALID);
  }
  const parsed = tool.parse(args);
  if (!parsed.ok) return answer(`Error: invalid arguments for ${call.name}: ${parsed.error}. Call it again with arguments that match its schema.`, false, ErrorCodes.TOOL_INVALID);

  const timeoutMs = tool.timeoutMs ?? o.timeoutMs;
  const own = new AbortController();
  const signal = AbortSignal.any([ctx.signal, round.signal, own.signal]);
  let timer: NodeJS.Timeout | undefined;
  const stop = new Promise<never>((_, reject) => {
    if (timeoutMs > 0) timer = setTimeout(() => own.abort(new ToolTimeoutError(tool.name, call.id, timeoutMs)), timeoutMs);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  stop.catch(() => undefined);
  const tctx = toolContext(ctx, signal, call.id, tool.name);
  try {
    const value = await Promise.race([Promise.resolve().then(() => tool.run(parsed.value, tctx)), stop]);
    let text: string | undefined;
    try {
      text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
    } catch (err) {
      return answer(`Error: ${tool.name} returned a value that is not JSON (${messageOf(err)}).`, false, ErrorCodes.TOOL_INVALID);
    }
    if (text === undefined) return answer(`Error: ${tool.name} returned a value that is not JSON (${typeof value}).`, false, ErrorCodes.TOOL_INVALID);
    return answer(text, true);
  } catch (err) {
    if (ctx.signal.aborted) return { fatal: ctx.signal.reason };
    if (round.signal.aborted && !own.signal.aborted) return { fatal: round.signal.reason };
    if (err instanceof ToolTimeoutError) return fail(err);
    if (classifyError(err).retryable) return fail(new ToolFailedError(tool.name, call.id, err, ctx.agentId));
    return answer(`Error: ${tool.name} failed: ${messageOf(err)}`, false, err instanceof AgentflowError ? err.code : 'TOOL_ERROR');
  } finally {
    clearTimeout(timer);
  }
}

function cap(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}\n…[truncated: ${text.length - max} more characters]`;
}

function toolContext(ctx: AgentContext, signal: AbortSignal, toolCallId: string, toolName: string): ToolContext {
  return {
    signal,
    toolCallId,
    toolName,
    get logger() {
      return ctx.logger;
    },
    agentId: ctx.agentId,
    eventId: ctx.eventId,
    sessionId: ctx.sessionId,
    attempt: ctx.attempt,
    idempotencyKey: ctx.idempotencyKey,
    emit: (e) => ctx.emit(e),
    once: (step, fn) => ctx.once(step, fn),
    report: (a) => ctx.report(a),
  };
}
