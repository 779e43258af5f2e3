/**
 * `agentflow memory`: the knowledge base of `[agent_memory]` (documents
 * for retrieval): add files, search, clear.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { memoryFor } from '../config/memory.js';
import { AgentflowError, ErrorCodes } from '../core/errors.js';
import type { Knowledge } from '../agents/memory/knowledge.js';

async function knowledgeOf(config: string, lenient?: boolean): Promise<{ kb: Knowledge; base: string }> {
  const { config: c, file } = await loadConfig(config, { lenient });
  const base = file ? dirname(resolve(file)) : process.cwd();
  const { knowledge } = await memoryFor(c, base, process.env);
  if (knowledge === undefined) {
    throw new AgentflowError(ErrorCodes.CONFIG_INVALID, `${config} has no knowledge base: add an [agent_memory] section (enabled = true, enable_rag = true)`, { details: { file: config, key: 'agent_memory' } });
  }
  return { kb: knowledge, base };
}

/**
 * Adds `memory add`, `memory search` and `memory clear`.
 *
 * @example
 * ```ts
 * addMemoryCommand(program, io, (c) => (code = c), reportError);
 * ```
 */
export function addMemoryCommand(program: Command, io: { out(s: string): void; err(s: string): void }, setCode: (code: number) => void, reportError: (err: unknown) => number): void {
  const memory = program.command('memory').description('the documents LLM agents retrieve from ([agent_memory])');
  memory
    .command('add')
    .description('cut files into chunks, embed them with [agent_memory.embedding] (default: [llm]) and store them')
    .argument('<files...>', 'text or Markdown files')
    .option('-c, --config <file>', 'config file', 'agentflow.toml')
    .action(async (files: string[], opts: { config: string }) => {
      try {
        const { kb, base } = await knowledgeOf(opts.config);
        let chunks = 0;
        for (const f of files) {
          const text = await readFile(f, 'utf8');
          const n = await kb.add([{ source: relative(base, resolve(f)) || f, text }]);
          chunks += n;
          io.err(`${f}: ${n} chunk(s)\n`);
        }
        io.out(`added ${chunks} chunk(s) from ${files.length} file(s)\n`);
        await kb.close();
      } catch (err) {
        setCode(reportError(err));
      }
    });
  memory
    .command('search')
    .description('the chunks an agent would get for a query, with their similarity')
    .argument('<query>', 'the text to search for')
    .option('-c, --config <file>', 'config file', 'agentflow.toml')
    .option('-k, --top <n>', 'how many chunks', '4')
    .option('--json', 'print one JSON object')
    .action(async (query: string, opts: { config: string; top: string; json?: boolean }) => {
      try {
        const k = Number(opts.top);
        if (!Number.isInteger(k) || k < 1) throw new AgentflowError(ErrorCodes.INVALID_OPTION, `--top must be a positive integer, got "${opts.top}"`, { details: { key: '--top' } });
        const { kb } = await knowledgeOf(opts.config);
        const hits = await kb.search(query, k);
        await kb.close();
        if (opts.json) io.out(`${JSON.stringify({ hits: hits.map((h) => ({ score: h.score, source: h.chunk.source, text: h.chunk.text })) })}\n`);
        else if (hits.length === 0) io.out('no documents (add some with `agentflow memory add`)\n');
        else for (const h of hits) io.out(`${h.score.toFixed(3)}  ${h.chunk.source}  ${h.chunk.text.replace(/\s+/g, ' ').slice(0, 100)}\n`);
      } catch (err) {
        setCode(reportError(err));
      }
    });
  memory
    .command('clear')
    .description('remove every stored document')
    .option('-c, --config <file>', 'config file', 'agentflow.toml')
    .action(async (opts: { config: string }) => {
      try {
        const { kb } = await knowledgeOf(opts.config);
        await kb.clear();
        await kb.close();
        io.out('knowledge base cleared\n');
      } catch (err) {
        setCode(reportError(err));
      }
    });
}
