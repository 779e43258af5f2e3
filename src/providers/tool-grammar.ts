/**
 * Tool calling for models without a native tool-call format (the offline
 * llama-cpp provider): the model's output is constrained by a JSON-schema
 * grammar to either a call of one of the tools, with arguments that match
 * the tool's schema, or an answer. Even a tiny model then emits well-formed
 * calls.
 * @module
 */
import type { ChatMessage, ToolChoice, ToolSpec } from './types.js';

type Schema = Record<string, unknown>;

const IMMUTABLE = new Set(['string', 'number', 'integer', 'boolean', 'null']);
/** Bounds put on a grammar where the tool's schema sets none, so a call always fits in the token budget. */
const STRING_MAX = 48;
const ARRAY_MAX = 4;
const ANSWER_MAX = 400;
const MAX_DEPTH = 8;

/**
 * A tool's JSON Schema reduced to what a grammar can enforce (types,
 * properties, required, enums, consts, unions, bounded strings and arrays);
 * strings and arrays without a bound get a small one so the output is
 * bounded. Keywords a grammar cannot express (patterns, numeric ranges) are
 * dropped here and checked by the tool's own validation afterwards.
 *
 * @example
 * ```ts
 * grammarSchemaOf({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] });
 * // { type: 'object', properties: { city: { type: 'string', maxLength: 48 } }, required: ['city'], additionalProperties: false }
 * ```
 */
export function grammarSchemaOf(s: unknown, depth = 0): Schema {
  if (typeof s !== 'object' || s === null || depth > MAX_DEPTH) return { type: 'string', maxLength: STRING_MAX };
  const o = s as Schema;
  if (o.const !== undefined) return { const: o.const };
  if (Array.isArray(o.enum)) return { enum: o.enum };
  const union = (o.oneOf ?? o.anyOf) as unknown[] | undefined;
  if (Array.isArray(union) && union.length !== 0) return { oneOf: union.map((x) => grammarSchemaOf(x, depth + 1)) };
  const type = o.type;
  if (Array.isArray(type)) {
    if (type.every((t) => IMMUTABLE.has(t as string)) && !type.includes('string')) return { type };
    return { oneOf: type.map((t) => grammarSchemaOf({ ...o, type: t }, depth + 1)) };
  }
  switch (type) {
    case 'string': {
      const max = typeof o.maxLength === 'number' ? Math.min(o.maxLength, 1000) : STRING_MAX;
      const out: Schema = { type: 'string', maxLength: max };
      if (typeof o.minLength === 'number' && o.minLength <= max) out.minLength = o.minLength;
      return out;
    }
    case 'number':
    case 'integer':
    case 'boolean':
    case 'null':
      return { type };
    case 'array': {
      const max = typeof o.maxItems === 'number' ? Math.min(o.maxItems, 16) : ARRAY_MAX;
      const out: Schema = { type: 'array', items: grammarSchemaOf(o.items ?? { type: 'string' }, depth + 1), maxItems: max };
      if (typeof o.minItems === 'number' && o.minItems <= max) out.minItems = o.minItems;
      return out;
    }
    default: {
      const props = (typeof o.properties === 'object' && o.properties !== null ? o.properties : {}) as Record<string, unknown>;
      const properties: Record<string, Schema> = {};
      for (const k of Object.keys(props)) properties[k] = grammarSchemaOf(props[k], depth + 1);
      const required = Array.isArray(o.required) ? (o.required as string[]).filter((k) => k in properties) : [];
      return { type: 'object', properties, required, additionalProperties: false };
    }
  }
}

/**
 * The schema a tool-mode completion must match: `{"tool": name,
 * "arguments": {...}}` for each allowed tool and, unless a call is required,
 * `{"answer": text}`.
 *
 * @example
 * ```ts
 * const schema = toolCallSchema(tools, 'auto');
 * ```
 */
export function toolCallSchema(tools: readonly ToolSpec[], choice: ToolChoice = 'auto'): Schema {
  const allowed = typeof choice === 'object' ? tools.filter((t) => t.name === choice.name) : tools;
  const options: Schema[] = allowed.map((t) => ({
    type: 'object',
    properties: { tool: { const: t.name }, arguments: grammarSchemaOf(t.parameters) },
    required: ['tool', 'arguments'],
    additionalProperties: false,
  }));
  if (choice === 'auto' || options.length === 0) {
    options.push({ type: 'object', properties: { answer: { type: 'string', maxLength: ANSWER_MAX } }, required: ['answer'], additionalProperties: false });
  }
  return options.length === 1 ? options[0]! : { oneOf: options };
}

/**
 * The prompt of a tool-mode completion: the tools and the answer format,
 * then the conversation with earlier calls and results written out.
 *
 * @example
 * ```ts
 * const prompt = toolPrompt(messages, tools);
 * ```
 */
export function toolPrompt(messages: readonly ChatMessage[], tools: readonly ToolSpec[]): string {
  const list = tools.map((t) => `- ${t.name}: ${t.description} Input: ${JSON.stringify(t.parameters)}`).join('\n');
  const head = `Tools:\n${list}\nReply with JSON: {"tool": name, "arguments": {...}} to call a tool, or {"answer": text}.`;
  return [head, ...messages.map(renderMessage)].filter((s) => s.trim() !== '').join('\n\n');
}

function renderMessage(m: ChatMessage): string {
  if (m.role === 'tool') return `Result of ${m.toolName ?? 'tool'}: ${m.content}`;
  if (m.role === 'assistant' && m.toolCalls && m.toolCalls.length !== 0) {
    return m.toolCalls.map((c) => `Call ${c.name} ${c.arguments}`).join('\n');
  }
  return m.content;
}

/**
 * Reads a tool-mode completion: a call (`tool`, `arguments`) or an answer.
 * `undefined` when the text is not complete JSON of either shape (the
 * token budget ran out mid-call).
 *
 * @example
 * ```ts
 * parseToolOutput('{"tool":"weather","arguments":{"city":"Oslo"}}'); // { call: { name: 'weather', arguments: '{"city":"Oslo"}' } }
 * ```
 */
export function parseToolOutput(text: string): { call: { name: string; arguments: string } } | { answer: string } | undefined {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof j !== 'object' || j === null) return undefined;
  const o = j as Record<string, unknown>;
  if (typeof o.tool === 'string') return { call: { name: o.tool, arguments: JSON.stringify(o.arguments ?? {}) } };
  if (typeof o.answer === 'string') return { answer: o.answer };
  return undefined;
}
