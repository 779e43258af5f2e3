/**
 * Errors of acting agents: tools, MCP servers, handoffs and cancelled chains.
 * @module
 */
import { AgentflowError } from './base.js';
import { ErrorCodes } from './codes.js';

/**
 * The chain was cancelled: a `runner.stream()` caller stopped reading, or
 * `runner.cancel(chainId)` was called. Its running events are aborted and
 * its queued ones end with reason `cancelled`.
 *
 * @example
 * ```ts
 * for await (const part of runner.stream(ev)) { if (part.kind === 'token') break } // the chain ends `cancelled`
 * ```
 */
export class ChainCancelledError extends AgentflowError {
  constructor(chainId: string, why: string, eventId?: string) {
    super(ErrorCodes.CANCELLED, `chain ${chainId} was cancelled: ${why}`, { details: { chainId, eventId } });
  }
}

/**
 * A tool definition is invalid, or an agent names a tool nobody registered.
 * `details.tool` names the tool, `details.where` where it was named.
 *
 * @example
 * ```ts
 * defineTool({ name: 'bad name!', description: 'x', input: z.object({}), run: () => 1 }); // throws ToolDefinitionError
 * ```
 */
export class ToolDefinitionError extends AgentflowError {
  constructor(tool: string, problem: string, where?: string) {
    super(ErrorCodes.TOOL_INVALID, `tool "${tool}"${where ? ` (${where})` : ''}: ${problem}`, { details: { tool, where } });
  }
}

/**
 * A tool failed with an error worth retrying (a network failure, a rate
 * limit, a transport error): the agent fails so the event's retry policy
 * applies. Errors not worth retrying are returned to the model instead.
 *
 * @example
 * ```ts
 * if (err instanceof ToolFailedError) console.log(err.details.tool, err.cause);
 * ```
 */
export class ToolFailedError extends AgentflowError {
  constructor(tool: string, callId: string, cause: unknown, agentId?: string) {
    super(ErrorCodes.TOOL_FAILED, `tool "${tool}" (call ${callId}) failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause, retryable: true, details: { tool, callId, agentId } });
  }
}

/**
 * A tool call outlived its timeout (the tool's own `timeoutMs`, else the
 * agent's `toolTimeoutMs`). The tool's signal is aborted; the agent fails
 * and the retry policy applies.
 *
 * @example
 * ```ts
 * defineTool({ name: 'slow', description: 'x', input: z.object({}), timeoutMs: 500, run: (_, ctx) => wait(ctx.signal) });
 * ```
 */
export class ToolTimeoutError extends AgentflowError {
  constructor(tool: string, callId: string, timeoutMs: number) {
    super(ErrorCodes.TOOL_TIMEOUT, `tool "${tool}" (call ${callId}) timed out after ${timeoutMs} ms`, { retryable: true, details: { tool, callId, timeoutMs } });
  }
}

/**
 * The model kept calling tools for more than `maxToolRounds` rounds (or kept
 * naming agents it may not hand off to): the loop is cut instead of running
 * forever.
 *
 * @example
 * ```ts
 * new LLMAgent({ name: 'a', systemPrompt: '…', provider, tools, maxToolRounds: 4 }); // a fifth round of calls fails with this
 * ```
 */
export class ToolRoundsExceededError extends AgentflowError {
  constructor(agentId: string, rounds: number, what = 'tool-call rounds') {
    super(ErrorCodes.TOOL_ROUNDS_EXCEEDED, `agent "${agentId}" exceeded ${rounds} ${what}; the model did not produce an answer`, { details: { agentId, rounds } });
  }
}

/**
 * An MCP server could not be started, reached or used: `details.server`
 * names it. Retryable (a restarted server may answer).
 *
 * @example
 * ```ts
 * if (err instanceof McpError) console.error(`MCP server ${err.details.server}: ${err.message}`);
 * ```
 */
export class McpError extends AgentflowError {
  constructor(server: string, problem: string, cause?: unknown) {
    super(ErrorCodes.MCP, `MCP server "${server}": ${problem}`, { cause, retryable: true, details: { server } });
  }
}
