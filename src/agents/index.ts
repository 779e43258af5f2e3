/**
 * `agentflow/agents`: LLM agents that act: tools (`defineTool`), the tool
 * loop, handoffs between agents, streamed tokens.
 *
 * @example
 * ```ts
 * import { LLMAgent, defineTool } from 'agentflow/agents';
 * import { z } from 'zod';
 * const add = defineTool({ name: 'add', description: 'Adds two numbers', input: z.object({ a: z.number(), b: z.number() }), run: ({ a, b }) => a + b });
 * runner.registerAgent('calc', new LLMAgent({ name: 'calc', systemPrompt: 'You add numbers.', provider, tools: [add] }));
 * ```
 * @module
 */
export * from './llm-agent.js';
export * from './tools/tool.js';
export type { ToolSet } from './tools/tool-set.js';
export { runToolRound, type ToolRoundOptions } from './tools/run.js';
export * from './memory/conversation.js';
export * from './memory/knowledge.js';
