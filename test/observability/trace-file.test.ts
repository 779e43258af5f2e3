/**
 * Saved traces: the JSON-lines trace file (rotated, bounded, drops counted,
 * never blocking), `agentflow run --trace-file` and `agentflow trace`
 * (tree, list, --json, --mermaid).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cli } from '../support/cli.js';
import type { TraceEntry } from '../../src/core/trace.js';
import { FileTraceLogger, readTraceFile } from '../../src/observability/index.js';

const dir = () => mkdtempSync(join(tmpdir(), 'af-tracefile-'));
const entry = (i: number, sessionId = 's'): TraceEntry => ({ timestamp: 1_000 + i, type: 'event_end', eventId: `e${i}`, sessionId, agentId: 'a', status: 'completed', durationMs: 1, detail: { pad: 'x'.repeat(200) } });

test('trace file: rotated by size and bounded in files; reading follows the rotation oldest first', () => {
  const d = dir();
  const path = join(d, 't.jsonl');
  const f = new FileTraceLogger(path, { maxFileBytes: 4096, maxFiles: 3 });
  for (let i = 0; i < 500; i++) {
    f.log(entry(i));
    if (i % 10 === 9) f.flush();
  }
  f.flush();
  const files = readdirSync(d).sort();
  assert.ok(files.length >= 2 && files.every((x) => ['t.jsonl', 't.jsonl.1', 't.jsonl.2'].includes(x)), `at most 3 files: ${files.join(', ')}`);
  for (const x of files) assert.ok(statSync(join(d, x)).size <= 4096 + 10 * 300, `${x} is ${statSync(join(d, x)).size} bytes`);
  const { entries, skipped } = readTraceFile(path);
  assert.equal(skipped, 0);
  assert.equal(entries.at(-1)!.eventId, 'e499');
  const ids = entries.map((e) => Number(e.eventId.slice(1)));
  assert.ok(ids.every((v, i) => i === 0 || v === ids[i - 1]! + 1), 'contiguous, oldest first');
  assert.equal(f.getTrace('s').length > 0, true, 'recent entries stay in memory for dumpTrace');
});

test('trace file: when the writer cannot keep up, entries are dropped and counted, never blocking; the drop is reported once', () => {
  const path = join(dir(), 't.jsonl');
  let reports = 0;
  const f = new FileTraceLogger(path, { maxBuffered: 3, onDrop: () => reports++ });
  for (let i = 0; i < 10; i++) f.log(entry(i));
  assert.equal(f.dropped, 7);
  assert.equal(reports, 1);
  f.flush();
  assert.equal(readTraceFile(path).entries.length, 3);
});

test('agentflow run --trace-file then agentflow trace: the session as a tree, a list, JSON and a Mermaid diagram; a failure shows its code', async () => {
  const d = dir();
  const cfg = join(d, 'agentflow.toml');
  writeFileSync(cfg, '[agent_flow]\nname = "traced"\n[agents.echo]\nrole = "echo"\n');
  const agents = resolve(new URL('../support/cli-redis-agents.ts', import.meta.url).pathname);
  const file = join(d, 'traces.jsonl');
  assert.equal((await cli(['run', '-c', cfg, '-a', agents, '--input', 'hi', '--session', 'ok-1', '--quiet', '--trace-file', file])).code, 0);
  assert.equal((await cli(['run', '-c', cfg, '-a', agents, '--input', 'fail', '--session', 'bad-1', '--quiet', '--trace-file', file])).code, 1);

  const list = await cli(['trace', '--file', file]);
  assert.equal(list.code, 0);
  assert.match(list.out, /^ok-1 .* 1 events {2}0 failed/m);
  assert.match(list.out, /^bad-1 .* 1 events {2}1 failed/m);

  const ok = await cli(['trace', 'ok-1', '--file', file]);
  assert.match(ok.out, /└ echo {2}completed {2}\d+ms/);
  const bad = await cli(['trace', 'bad-1', '--file', file]);
  assert.match(bad.out, /echo {2}(failed|dead_lettered) \(.*AF_ERR_UNRECOVERABLE\)/);
  assert.match(bad.out, /echo refuses "fail"/);

  const mermaid = await cli(['trace', 'bad-1', '--file', file, '--mermaid']);
  assert.match(mermaid.out, /^sequenceDiagram\n/);
  assert.match(mermaid.out, /participant echo as echo/);
  assert.match(mermaid.out, /caller->>echo/);
  assert.match(mermaid.out, /echo--xecho: (failed|dead_lettered)/);

  const json = JSON.parse((await cli(['trace', 'ok-1', '--file', file, '--json'])).out) as TraceEntry[];
  assert.ok(json.every((e) => e.sessionId === 'ok-1'));
  assert.equal((await cli(['trace', 'nope', '--file', file])).code, 1);
});
