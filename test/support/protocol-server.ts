/**
 * A real HTTP server on 127.0.0.1 that speaks Ollama's API (/api/chat,
 * /api/generate, /api/tags) and the OpenAI-compatible one
 * (/v1/chat/completions, /v1/models), answering from a real local model
 * (../shared/models/stories260K.gguf through node-llama-cpp) under the name
 * `gemma3:1b`. Faults can be injected for the next request(s).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { LlamaCppProvider } from '../../src/providers/llama-cpp.js';
import type { ChatMessage, ToolChoice, ToolSpec } from '../../src/providers/types.js';

export const MODEL_PATH = resolve(new URL('../../', import.meta.url).pathname, '../shared/models/stories260K.gguf');

export type Fault = 'slow' | 'malformed' | 'midstream-error' | 'status-500' | 'status-429' | 'hang';

export interface ProtocolServer {
  url: string;
  /** The next request (or the next `times` requests) gets this fault. */
  injectFault(fault: Fault, times?: number): void;
  /**
   * The next `times` chat requests are answered with this tool call instead
   * of the model's output (a misbehaving model: a missing tool, bad
   * arguments, endless calls).
   */
  forceToolCall(name: string, args: string, times?: number): void;
  /** The next chat request with tools is answered with this text (no tool call), in order with forced calls. */
  forceAnswer(text: string): void;
  /** Drops forced calls and answers not used yet. */
  clearForced(): void;
  /** Requests seen, by path. */
  requests: { path: string; body: unknown }[];
  close(): Promise<void>;
}

export function requireModel(): string {
  if (!existsSync(MODEL_PATH)) throw new Error(`test model missing: ${MODEL_PATH} (the tests need ../shared/models/stories260K.gguf beside the project)`);
  return MODEL_PATH;
}

export async function startProtocolServer(options: { modelName?: string } = {}): Promise<ProtocolServer> {
  const modelName = options.modelName ?? 'gemma3:1b';
  const llm = new LlamaCppProvider({ model: modelName, modelPath: requireModel(), threads: 1, contextSize: 512 });
  const faults: Fault[] = [];
  const forced: ({ name: string; args: string } | { answer: string })[] = [];
  let forcedIds = 0;
  const requests: { path: string; body: unknown }[] = [];
  const sockets = new Set<import('node:net').Socket>();

  const readBody = (req: IncomingMessage) =>
    new Promise<string>((res, rej) => {
      let s = '';
      req.setEncoding('utf8');
      req.on('data', (c) => (s += c));
      req.on('end', () => res(s));
      req.on('error', rej);
    });
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  async function generate(messages: ChatMessage[], opts: { temperature?: number; maxTokens?: number; seed?: number; topP?: number; tools?: ToolSpec[]; toolChoice?: ToolChoice }, onPiece: (t: string) => Promise<void> | void, signal: AbortSignal) {
    const f = opts.tools?.length ? forced.shift() : undefined;
    if (f !== undefined && 'answer' in f) {
      await onPiece(f.answer);
      return { content: f.answer, promptTokens: 1, completionTokens: 1, finish: 'stop', toolCalls: [] };
    }
    if (f !== undefined) return { content: '', promptTokens: 1, completionTokens: 1, finish: 'tool_calls', toolCalls: [{ id: `forced_${++forcedIds}`, name: f.name, arguments: f.args }] };
    const res = await llm.chat(
      { messages, temperature: opts.temperature ?? 0.8, maxTokens: opts.maxTokens ?? 64, seed: opts.seed, topP: opts.topP, tools: opts.tools, toolChoice: opts.toolChoice },
      { signal, onToken: (t) => void onPiece(t) },
    );
    return { content: res.content, promptTokens: res.usage.promptTokens, completionTokens: res.usage.completionTokens, finish: res.finishReason, toolCalls: res.toolCalls ?? [] };
  }
  /** Tools as both wire formats send them (`{type:'function', function:{...}}`). */
  const toolsOf = (body: Record<string, unknown>): ToolSpec[] | undefined =>
    Array.isArray(body.tools) ? (body.tools as { function: { name: string; description?: string; parameters?: Record<string, unknown> } }[]).map((t) => ({ name: t.function.name, description: t.function.description ?? '', parameters: t.function.parameters ?? {} })) : undefined;
  /** Messages of either wire format as ChatMessages (tool calls and results included). */
  const messagesOf = (raw: unknown): ChatMessage[] => {
    const names = new Map<string, string>();
    return ((raw as Record<string, unknown>[] | undefined) ?? []).map((m) => {
      const calls = m.tool_calls as { id?: string; function: { name: string; arguments: unknown } }[] | undefined;
      if (m.role === 'assistant' && Array.isArray(calls)) {
        const toolCalls = calls.map((c, i) => ({ id: c.id ?? `call_${i + 1}`, name: c.function.name, arguments: typeof c.function.arguments === 'string' ? c.function.arguments : JSON.stringify(c.function.arguments) }));
        for (const c of toolCalls) names.set(c.id, c.name);
        return { role: 'assistant', content: String(m.content ?? ''), toolCalls };
      }
      if (m.role === 'tool') return { role: 'tool', content: String(m.content ?? ''), toolCallId: m.tool_call_id as string | undefined, toolName: (m.tool_name as string | undefined) ?? names.get(String(m.tool_call_id)) };
      return { role: m.role as ChatMessage['role'], content: String(m.content ?? '') };
    });
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const raw = req.method === 'POST' ? await readBody(req) : '';
    let body: Record<string, unknown> = {};
    try {
      body = raw ? JSON.parse(raw) : {};
    } catch {
      return json(res, 400, { error: 'invalid JSON body' });
    }
    requests.push({ path: url.pathname, body });
    const fault = faults.shift();
    const abort = new AbortController();
    res.on('close', () => abort.abort(new Error('client went away')));
    if (fault === 'hang') return; // never answer; the client must time out
    if (fault === 'status-500') return json(res, 500, url.pathname.startsWith('/v1') ? { error: { message: 'internal error', type: 'server_error' } } : { error: 'internal error' });
    if (fault === 'status-429') {
      res.setHeader('retry-after', '0');
      return json(res, 429, { error: 'rate limited' });
    }

    try {
      if (req.method === 'GET' && url.pathname === '/api/tags') {
        return json(res, 200, { models: [{ name: modelName, model: modelName, size: 1185376, digest: 'stories260K', details: { family: 'llama', parameter_size: '260K', quantization_level: 'F32' } }] });
      }
      if (req.method === 'GET' && url.pathname === '/v1/models') {
        return json(res, 200, { object: 'list', data: [{ id: modelName, object: 'model', owned_by: 'local' }] });
      }
      if (req.method === 'POST' && (url.pathname === '/api/chat' || url.pathname === '/api/generate')) {
        const model = String(body.model ?? '');
        if (model !== modelName) return json(res, 404, { error: `model "${model}" not found, try pulling it first` });
        const isChat = url.pathname === '/api/chat';
        const messages: ChatMessage[] = isChat ? messagesOf(body.messages) : [{ role: 'user', content: String(body.prompt ?? '') }];
        const tools = isChat ? toolsOf(body) : undefined;
        const o = (body.options ?? {}) as { temperature?: number; num_predict?: number; seed?: number; top_p?: number };
        const stream = body.stream !== false;
        const started = process.hrtime.bigint();
        const piece = (text: string, done: boolean, extra: Record<string, unknown> = {}) =>
          JSON.stringify({ model: modelName, created_at: new Date().toISOString(), ...(isChat ? { message: { role: 'assistant', content: text } } : { response: text }), done, ...extra }) + '\n';
        if (!stream) {
          const r = await generate(messages, { temperature: o.temperature, maxTokens: o.num_predict, seed: o.seed, topP: o.top_p }, () => undefined, abort.signal);
          return json(res, 200, JSON.parse(piece(r.content, true, { done_reason: r.finish === 'length' ? 'length' : 'stop', prompt_eval_count: r.promptTokens, eval_count: r.completionTokens, total_duration: Number(process.hrtime.bigint() - started) })));
        }
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        let n = 0;
        const r = await generate(messages, { temperature: o.temperature, maxTokens: o.num_predict, seed: o.seed, topP: o.top_p, tools }, async (t) => {
          n++;
          if (fault === 'malformed' && n === 2) res.write('{"model": "gemma3:1b", "message": {oops\n');
          if (fault === 'midstream-error' && n === 3) {
            res.write(JSON.stringify({ error: 'model runner crashed mid-stream' }) + '\n');
            res.end();
            abort.abort();
            return;
          }
          if (!res.writableEnded) res.write(piece(t, false));
        }, abort.signal).catch((e) => {
          if (abort.signal.aborted) return undefined;
          throw e;
        });
        if (!r || res.writableEnded) return;
        if (r.toolCalls.length !== 0) {
          // Ollama sends a call whole, with its arguments as an object.
          res.write(JSON.stringify({ model: modelName, created_at: new Date().toISOString(), message: { role: 'assistant', content: '', tool_calls: r.toolCalls.map((c) => ({ function: { name: c.name, arguments: JSON.parse(c.arguments) } })) }, done: false }) + '\n');
        }
        if (fault === 'slow') await sleep(300);
        res.end(piece('', true, { done_reason: r.finish === 'length' ? 'length' : 'stop', prompt_eval_count: r.promptTokens, eval_count: r.completionTokens, total_duration: Number(process.hrtime.bigint() - started), eval_duration: Number(process.hrtime.bigint() - started) }));
        return;
      }
      if (req.method === 'POST' && (url.pathname === '/api/embed' || url.pathname === '/v1/embeddings')) {
        // Real embeddings of the tiny model (llama.cpp, mean-pooled).
        const model = String(body.model ?? '');
        if (model !== modelName) return json(res, 404, url.pathname === '/api/embed' ? { error: `model "${model}" not found, try pulling it first` } : { error: { message: `The model \`${model}\` does not exist` } });
        const input = Array.isArray(body.input) ? (body.input as string[]) : [String(body.input ?? '')];
        const vectors = await llm.embed(input);
        if (url.pathname === '/api/embed') return json(res, 200, { model: modelName, embeddings: vectors });
        return json(res, 200, { object: 'list', model: modelName, data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })), usage: { prompt_tokens: 0, total_tokens: 0 } });
      }
      if (req.method === 'POST' && url.pathname === '/v1/chat/completions') {
        const model = String(body.model ?? '');
        if (model !== modelName) return json(res, 404, { error: { message: `The model \`${model}\` does not exist`, type: 'invalid_request_error', code: 'model_not_found' } });
        const messages = messagesOf(body.messages);
        const tc = body.tool_choice as string | { function: { name: string } } | undefined;
        const opts = {
          temperature: body.temperature as number | undefined,
          maxTokens: body.max_tokens as number | undefined,
          seed: body.seed as number | undefined,
          topP: body.top_p as number | undefined,
          tools: toolsOf(body),
          toolChoice: (tc === undefined ? undefined : typeof tc === 'string' ? tc : { name: tc.function.name }) as ToolChoice | undefined,
        };
        const id = `chatcmpl-${Date.now()}`;
        const created = Math.floor(Date.now() / 1000);
        if (body.stream !== true) {
          const r = await generate(messages, opts, () => undefined, abort.signal);
          return json(res, 200, {
            id,
            object: 'chat.completion',
            created,
            model: modelName,
            choices: [{ index: 0, message: { role: 'assistant', content: r.content, ...(r.toolCalls.length ? { tool_calls: r.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })) } : {}) }, finish_reason: r.finish }],
            usage: { prompt_tokens: r.promptTokens, completion_tokens: r.completionTokens, total_tokens: r.promptTokens + r.completionTokens },
          });
        }
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        const sse = (o: unknown) => res.write(`data: ${JSON.stringify(o)}\n\n`);
        sse({ id, object: 'chat.completion.chunk', created, model: modelName, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
        let n = 0;
        const r = await generate(messages, opts, (t) => {
          n++;
          if (fault === 'malformed' && n === 2) res.write('data: {not json\n\n');
          if (fault === 'midstream-error' && n === 3) {
            sse({ error: { message: 'model runner crashed mid-stream' } });
            res.end();
            abort.abort();
            return;
          }
          if (!res.writableEnded) sse({ id, object: 'chat.completion.chunk', created, model: modelName, choices: [{ index: 0, delta: { content: t }, finish_reason: null }] });
        }, abort.signal).catch((e) => {
          if (abort.signal.aborted) return undefined;
          throw e;
        });
        if (!r || res.writableEnded) return;
        r.toolCalls.forEach((c, index) => {
          // OpenAI streams a call as deltas: id and name first, then the arguments in fragments.
          sse({ id, object: 'chat.completion.chunk', created, model: modelName, choices: [{ index: 0, delta: { tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] }, finish_reason: null }] });
          const cut = Math.ceil(c.arguments.length / 3);
          for (let i = 0; i < c.arguments.length; i += cut) {
            sse({ id, object: 'chat.completion.chunk', created, model: modelName, choices: [{ index: 0, delta: { tool_calls: [{ index, function: { arguments: c.arguments.slice(i, i + cut) } }] }, finish_reason: null }] });
          }
        });
        sse({ id, object: 'chat.completion.chunk', created, model: modelName, choices: [{ index: 0, delta: {}, finish_reason: r.finish }] });
        if ((body.stream_options as { include_usage?: boolean } | undefined)?.include_usage) {
          sse({ id, object: 'chat.completion.chunk', created, model: modelName, choices: [], usage: { prompt_tokens: r.promptTokens, completion_tokens: r.completionTokens, total_tokens: r.promptTokens + r.completionTokens } });
        }
        res.end('data: [DONE]\n\n');
        return;
      }
      json(res, 404, { error: `no route ${req.method} ${url.pathname}` });
    } catch (err) {
      if (!res.headersSent) json(res, 500, { error: (err as Error).message });
      else res.end();
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    forceToolCall(name, args, times = 1) {
      for (let i = 0; i < times; i++) forced.push({ name, args });
    },
    forceAnswer(text) {
      forced.push({ answer: text });
    },
    clearForced() {
      forced.length = 0;
    },
    injectFault(fault, times = 1) {
      for (let i = 0; i < times; i++) faults.push(fault);
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      await llm.close();
    },
  };
}
