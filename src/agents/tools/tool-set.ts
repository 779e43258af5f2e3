/**
 * Tool sets: tools an agent gets only once the runner starts (an MCP
 * server's tools are known after connecting).
 * @module
 */
import type { Tool } from './tool.js';

/**
 * A source of tools opened on `runner.start()` (the agent's `initialize`)
 * and closed on `stop()` (its `shutdown`).
 *
 * @example
 * ```ts
 * const set: ToolSet = { label: 'static', open: async () => [weather], close: async () => undefined };
 * new LLMAgent({ name: 'a', systemPrompt: '…', provider, toolSets: [set] });
 * ```
 */
export interface ToolSet {
  /** Named in errors and logs. */
  readonly label: string;
  open(): Promise<readonly Tool<never, unknown>[]>;
  close(): Promise<void>;
}
