/**
 * [agent_memory]: conversation memory per session and agent (files that
 * survive a restart, a window, summaries by the real model, no duplicate on
 * redelivery) and retrieval from documents embedded by the real model.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newEvent, silentLogger } from '../../src/index.js';
import { createRunnerFromConfig } from '../../src/config/index.js';
import { ConversationMemory, FileConversationStore, FileVectorStore, Knowledge, chunkText } from '../../src/agents/index.js';
import { LlamaCppProvider } from '../../src/providers/llama-cpp.js';
import { startProtocolServer, requireModel, type ProtocolServer } from '../support/protocol-server.js';
import { cli } from '../support/cli.js';

let llm: ProtocolServer;
before(async () => {
  llm = await startProtocolServer();
});
after(async () => {
  await llm.close();
});

type Sent = { messages: { role: string; content: string }[] };
const lastSent = () => llm.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!.body as Sent;

function flow(memory: string, dir = mkdtempSync(join(tmpdir(), 'af-mem-'))): { file: string; dir: string } {
  const file = join(dir, 'agentflow.toml');
  writeFileSync(file, `[llm]\nprovider = "openai"\nmodel = "gemma3:1b"\nbase_url = "${llm.url}"\ntemperature = 0\nseed = 1\nmax_tokens = 12\n\n[agents.chat]\nsystem_prompt = "You chat."\n\n[agent_memory]\n${memory}\n`);
  return { file, dir };
}

async function say(file: string, session: string, input: string): Promise<string> {
  const runner = await createRunnerFromConfig(file, { logger: silentLogger() });
  await runner.start();
  try {
    const { state } = await runner.run(newEvent('chat', { input }, { session_id: session }));
    return String(state.get('response'));
  } finally {
    await runner.stop();
  }
}

test('conversation memory: the session’s earlier turns come before the input, across a restart; other sessions see nothing', async () => {
  const { file, dir } = flow('enable_rag = false');
  const first = await say(file, 's1', 'My name is Ada.');
  await say(file, 's1', 'What is my name?'); // a new runner: the memory came from the files
  const sent = lastSent().messages;
  assert.deepEqual(sent.map((m) => m.role), ['system', 'user', 'assistant', 'user']);
  assert.equal(sent[1]!.content, 'My name is Ada.');
  assert.equal(sent[2]!.content, first, 'the reply the model gave is remembered');
  await say(file, 's2', 'Hello');
  assert.deepEqual(lastSent().messages.map((m) => m.role), ['system', 'user'], 'another session starts empty');
  assert.equal(readdirSync(join(dir, '.agentflow/memory/conversations')).length, 2);

  const runner = await createRunnerFromConfig(file, { logger: silentLogger() });
  await runner.start();
  const { sessionId } = await runner.run(newEvent('chat', { input: 'again' }, { session_id: 's1' }));
  await runner.stop();
  const mem = runner.dumpTrace(sessionId).filter((e) => e.type === 'memory');
  assert.deepEqual(mem.map((e) => [e.detail?.op, e.detail?.items]), [['load', 4], ['save', 2]]);
});

test('conversation memory: the window keeps the newest turns (max_turns, max_tokens)', async () => {
  const { file } = flow('enable_rag = false\nmax_turns = 2');
  for (const t of ['one', 'two', 'three']) await say(file, 'w', t);
  await say(file, 'w', 'four');
  const sent = lastSent().messages;
  assert.deepEqual(sent.map((m) => [m.role, m.role === 'user' ? m.content : '']), [['system', ''], ['user', 'three'], ['assistant', ''], ['user', 'four']]);
  const { file: tiny } = flow('enable_rag = false\nmax_tokens = 3'); // 12 characters
  await say(tiny, 't', 'a long first message');
  await say(tiny, 't', 'x');
  assert.deepEqual(lastSent().messages.map((m) => m.role), ['system', 'user'], 'a turn over the token budget is left out');
});

test('conversation memory: summarize folds turns past the window into a summary written by the model', async () => {
  const { file, dir } = flow('enable_rag = false\nmax_turns = 2\nstrategy = "summarize"');
  await say(file, 'sum', 'My dog is called Rex.');
  await say(file, 'sum', 'He likes the park.');
  await say(file, 'sum', 'Where does Rex like to go?');
  // The last request may be the summary of this exchange: take the one that asked the question.
  const sent = llm.requests.map((r) => r.body as Sent).filter((b) => b.messages?.at(-1)?.content === 'Where does Rex like to go?').at(-1)!.messages;
  assert.equal(sent[0]!.role, 'system');
  assert.equal(sent[1]!.role, 'system');
  assert.match(sent[1]!.content, /^Summary of the earlier conversation: \S/);
  assert.deepEqual(sent.slice(2).map((m) => m.role), ['user', 'assistant', 'user']);
  const summarised = llm.requests.filter((r) => (r.body as Sent).messages?.[0]?.content.startsWith('Summarize this conversation'));
  assert.ok(summarised.length >= 1 && (summarised[0]!.body as Sent).messages[1]!.content.includes('My dog is called Rex.'), 'the model summarised the turns that left the window');
  const stored = readdirSync(join(dir, '.agentflow/memory/conversations')).map((f) => readFileSync(join(dir, '.agentflow/memory/conversations', f), 'utf8').trim().split('\n'));
  assert.ok(stored[0]!.length <= 1 + 2 + 2, 'the file was compacted to the summary and the window');
});

test('conversation memory: a redelivered event replaces its turns instead of adding them twice', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'af-mem-'));
  const memory = new ConversationMemory({ store: new FileConversationStore(dir) });
  await memory.record('s', 'a', 'e1', 'hi', 'hello');
  await memory.record('s', 'a', 'e2', 'how are you', 'fine');
  await memory.record('s', 'a', 'e2', 'how are you', 'fine, again'); // the same event delivered again
  const h = await memory.history('s', 'a');
  assert.deepEqual(h.messages.map((m) => m.content), ['hi', 'hello', 'how are you', 'fine, again']);
  assert.deepEqual((await memory.history('s', 'a', 'e2')).messages.map((m) => m.content), ['hi', 'hello'], 'an event does not see its own earlier attempt');
  writeFileSync(join(dir, readdirSync(dir)[0]!), '{"eventId":"e3","role":"user","content":"torn', { flag: 'a' });
  assert.equal((await memory.history('s', 'a')).turns, 4, 'a torn last line is skipped');
});

test('retrieval: agentflow memory add embeds files with the model, search ranks them, the agent gets the best chunks in its prompt, bounded', async () => {
  const { file, dir } = flow(`[agent_memory.embedding]\nprovider = "ollama"\nmodel = "gemma3:1b"\nbase_url = "${llm.url}"`);
  writeFileSync(join(dir, 'cats.md'), 'The cat sat on the mat. Cats sleep most of the day.');
  writeFileSync(join(dir, 'rockets.md'), 'Rockets burn fuel to reach orbit around the earth.');
  const added = await cli(['memory', 'add', '-c', file, join(dir, 'cats.md'), join(dir, 'rockets.md')]);
  assert.equal(added.code, 0, added.err);
  assert.match(added.out, /added 2 chunk\(s\) from 2 file\(s\)/);
  const found = await cli(['memory', 'search', '-c', file, 'The cat sat on a mat.', '--json']);
  const hits = (JSON.parse(found.out) as { hits: { score: number; source: string }[] }).hits;
  assert.deepEqual(hits.map((h) => h.source), ['cats.md', 'rockets.md'], 'the nearer document ranks first');
  assert.ok(hits[0]!.score > hits[1]!.score);
  const runner = await createRunnerFromConfig(file, { logger: silentLogger() });
  await runner.start();
  // (The tiny model's embeddings are crude: the query shares the document's words.)
  const { sessionId } = await runner.run(newEvent('chat', { input: 'The cat sat on a mat.' }, { session_id: 'rag' }));
  await runner.stop();
  const system = llm.requests.map((r) => r.body as Sent).filter((b) => b.messages?.at(-1)?.content === 'The cat sat on a mat.').at(-1)!.messages[0]!.content;
  assert.match(system, /^You chat\.\n\nRelevant documents:\n\[1\] \(cats\.md\) The cat sat on the mat\./);
  const search = runner.dumpTrace(sessionId).find((e) => e.type === 'memory' && e.detail?.op === 'search');
  assert.equal(search?.detail?.items, system.match(/^\[\d+\] /gm)!.length, 'the trace counts the chunks the prompt got');
  const cleared = await cli(['memory', 'clear', '-c', file]);
  assert.equal(cleared.code, 0);
  const none = await cli(['memory', 'search', '-c', file, 'cat']);
  assert.match(none.out, /no documents/);
  const noMemory = await cli(['memory', 'search', '-c', flow('enabled = false').file, 'cat']);
  assert.equal(noMemory.code, 2);
  assert.match(noMemory.err, /has no knowledge base: add an \[agent_memory\] section/);
});

test('retrieval offline: llama-cpp embeddings of the local model, the exact store, chunking and the context bound', async () => {
  const provider = new LlamaCppProvider({ model: 'stories', modelPath: requireModel(), threads: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'af-kb-'));
  const kb = new Knowledge({ store: new FileVectorStore(join(dir, 'kb.jsonl')), embedder: provider, topK: 2, maxChars: 60 });
  assert.equal(await kb.add([{ source: 'a', text: 'Lily played in the garden with her dog.' }, { source: 'b', text: 'The spaceship flew to the moon.' }]), 2);
  const hits = await kb.search('Lily and her dog played in the garden.');
  assert.equal(hits[0]!.chunk.source, 'a');
  const ctx = await kb.context('Lily and her dog played in the garden.');
  assert.ok(ctx.text.length <= 80 && ctx.hits === 1, ctx.text);
  await kb.close();
  const chunks = chunkText('word '.repeat(500), 200, 50);
  assert.ok(chunks.length > 10 && chunks.every((c) => c.length <= 200));
});
