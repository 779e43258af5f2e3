/**
 * Tools: typed functions an LLM agent's model may call. The input schema is
 * a zod schema or a JSON Schema; arguments are validated before the tool
 * runs.
 * @module
 */
import { z } from 'zod';
import type { AgentContext } from '../../core/agent.js';
import { ToolDefinitionError } from '../../core/errors.js';
import type { ToolSpec } from '../../providers/types.js';

/**
 * What a tool's function gets besides its input: the agent's context, with
 * a signal that also fires on the tool's own timeout, and the call's id.
 *
 * @example
 * ```ts
 * run: async ({ city }, ctx) => (await fetch(`https://wttr.in/${city}?format=j1`, { signal: ctx.signal })).json()
 * ```
 */
export interface ToolContext extends AgentContext {
  /** The id of this call (the model's, or one agentflow made up). */
  readonly toolCallId: string;
  /** The tool's name. */
  readonly toolName: string;
}

/**
 * Whether arguments passed a tool's validation.
 *
 * @example
 * ```ts
 * const r = tool.parse({ city: 'Oslo' });
 * if (!r.ok) console.log(r.error);
 * ```
 */
export type ToolParse<I> = { ok: true; value: I } | { ok: false; error: string };

/**
 * A tool, as {@link defineTool} makes it.
 *
 * @example
 * ```ts
 * const t: Tool = defineTool({ name: 'now', description: 'The current time', input: z.object({}), run: () => new Date().toISOString() });
 * ```
 */
export interface Tool<I = unknown, O = unknown> {
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the input, as sent to the model. */
  readonly parameters: Record<string, unknown>;
  /** Per-call timeout; default the agent's `toolTimeoutMs`. */
  readonly timeoutMs?: number;
  /** Validates arguments against the input schema. */
  parse(args: unknown): ToolParse<I>;
  run(input: I, ctx: ToolContext): O | Promise<O>;
}

/**
 * What {@link defineTool} takes. `input` is a zod schema (the function's
 * input is then typed) or a JSON Schema object.
 *
 * @example
 * ```ts
 * const d: ToolDefinition<z.ZodObject<{ city: z.ZodString }>, string> = { name: 'weather', description: 'Weather in a city', input: z.object({ city: z.string() }), run: ({ city }) => `sunny in ${city}` };
 * ```
 */
export interface ToolDefinition<S, O> {
  /** 1–64 letters, digits, `_`, `-` or `.`. */
  name: string;
  /** What the tool does, for the model. */
  description: string;
  input: S;
  timeoutMs?: number;
  run(input: S extends z.ZodType ? z.output<S> : unknown, ctx: ToolContext): O | Promise<O>;
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

function isZod(s: unknown): s is z.ZodType {
  return typeof s === 'object' && s !== null && '_zod' in s && typeof (s as { safeParse?: unknown }).safeParse === 'function';
}

/**
 * Defines a tool. Throws {@link ToolDefinitionError} for a bad name, a
 * missing description or function, or an input that is neither a zod
 * schema nor a JSON Schema object.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * const weather = defineTool({
 *   name: 'weather',
 *   description: 'Current temperature in a city, in °C',
 *   input: z.object({ city: z.string() }),
 *   timeoutMs: 5_000,
 *   run: async ({ city }, ctx) => ({ city, celsius: await lookup(city, ctx.signal) }),
 * });
 * ```
 */
export function defineTool<S extends z.ZodType | Record<string, unknown>, O>(def: ToolDefinition<S, O>): Tool<S extends z.ZodType ? z.output<S> : unknown, O> {
  const name = typeof def?.name === 'string' ? def.name : String(def?.name);
  if (!NAME.test(name)) throw new ToolDefinitionError(name, 'a tool name is 1–64 letters, digits, "_", "-" or "."');
  if (typeof def.description !== 'string' || def.description.trim() === '') throw new ToolDefinitionError(name, 'needs a description (the model reads it to decide when to call the tool)');
  if (typeof def.run !== 'function') throw new ToolDefinitionError(name, 'needs a run(input, ctx) function');
  if (def.timeoutMs !== undefined && !(Number.isFinite(def.timeoutMs) && def.timeoutMs > 0)) throw new ToolDefinitionError(name, `timeoutMs must be a positive number (got ${String(def.timeoutMs)})`);
  let schema: z.ZodType;
  let parameters: Record<string, unknown>;
  if (isZod(def.input)) {
    schema = def.input;
    try {
      parameters = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    } catch (err) {
      throw new ToolDefinitionError(name, `its zod input cannot be described as JSON Schema: ${(err as Error).message}`);
    }
  } else if (typeof def.input === 'object' && def.input !== null && !Array.isArray(def.input)) {
    parameters = def.input as Record<string, unknown>;
    try {
      schema = z.fromJSONSchema(parameters as Parameters<typeof z.fromJSONSchema>[0]);
    } catch (err) {
      throw new ToolDefinitionError(name, `its input JSON Schema is not usable: ${(err as Error).message}`);
    }
  } else {
    throw new ToolDefinitionError(name, 'input must be a zod schema or a JSON Schema object');
  }
  const { $schema: _drop, ...wire } = parameters;
  return {
    name,
    description: def.description,
    parameters: wire,
    timeoutMs: def.timeoutMs,
    parse(args: unknown) {
      const r = schema.safeParse(args);
      if (r.success) return { ok: true, value: r.data as never };
      return { ok: false, error: r.error.issues.slice(0, 10).map((i) => `${i.path.length ? i.path.join('.') : '(input)'}: ${i.message}`).join('; ') };
    },
    run: def.run as Tool<never, O>['run'],
  };
}

/**
 * The name a tool has on the wire: OpenAI accepts only letters, digits,
 * `_` and `-` (an MCP tool `server.tool` becomes `server_tool`).
 *
 * @example
 * ```ts
 * wireName('files.read'); // 'files_read'
 * ```
 */
export function wireName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_');
}

/**
 * A tool as providers send it.
 *
 * @example
 * ```ts
 * provider.chat({ messages, tools: tools.map(specOf) });
 * ```
 */
export function specOf(t: Tool<never, unknown>): ToolSpec {
  return { name: wireName(t.name), description: t.description, parameters: t.parameters };
}
