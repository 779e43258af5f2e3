import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { newEvent } from '../../src/core/event.js';
import type { DeadLetterRecord } from '../../src/core/outcome.js';
import { DeadLetterQueue, JsonlDeadLetterStore, inspectDeadLetters, purgeDeadLetters, tryLock } from '../../src/reliability/index.js';

const dir = () => mkdtempSync(join(tmpdir(), 'af-dlqs-'));
function rec(id: string, agentId = 'a', rev?: string, pad = 0): DeadLetterRecord {
  const ev = newEvent(agentId, pad ? { pad: 'x'.repeat(pad) } : {});
  return { id, event: { ...ev.toJSON(), id }, reason: 'agent_error', error: { code: 'AF_ERR_AGENT_FAILED', message: 'boom' }, attempts: 1, agentId, sessionId: 's', at: Date.now(), ...(rev ? { rev } : {}) };
}

test('dead-letter file: a torn last line does not swallow the next record, and is reported as corrupt', () => {
  const path = join(dir(), 'dl.jsonl');
  const store = new JsonlDeadLetterStore(path);
  store.append(rec('one', 'a', 'r1'));
  appendFileSync(path, '{"id":"torn","event":{"id"'); // a writer crashed mid-line
  store.append(rec('two', 'a', 'r2'));
  const r = store.inspect();
  assert.deepEqual(r.records.map((x) => x.id), ['one', 'two']);
  assert.equal(r.corruptCount, 1);
  assert.equal(r.corrupt[0]!.line, 2);
  assert.match(r.corrupt[0]!.reason, /not JSON/);
});

test('dead-letter file: a null line or a non-record is a reported corrupt line, not a crash', () => {
  const path = join(dir(), 'dl.jsonl');
  writeFileSync(path, `null\n[1,2]\n{"id":"x"}\n${JSON.stringify(rec('ok'))}\n`);
  const r = inspectDeadLetters(path);
  assert.deepEqual(r.records.map((x) => x.id), ['ok']);
  assert.equal(r.corruptCount, 3);
  assert.deepEqual(r.corrupt.map((c) => c.line), [1, 2, 3]);
  assert.match(r.corrupt[0]!.reason, /null/);
  assert.match(r.corrupt[2]!.reason, /event/);
});

test('dead-letter file: corrupt lines are moved to <file>.corrupt by compaction, never dropped', () => {
  const path = join(dir(), 'dl.jsonl');
  writeFileSync(path, `garbage one\n${JSON.stringify(rec('ok', 'a', 'r'))}\n{"half":\n`);
  const c = new JsonlDeadLetterStore(path).compact();
  assert.ok(c);
  assert.equal(c.corruptMoved, 2);
  assert.equal(readFileSync(`${path}.corrupt`, 'utf8'), 'garbage one\n{"half":\n');
  const after = inspectDeadLetters(path);
  assert.deepEqual(after.records.map((x) => x.id), ['ok']);
  assert.equal(after.corruptCount, 0);
});

test('dead-letter file: removing one write of an id keeps a later write of the same id, in either line order', () => {
  const path = join(dir(), 'dl.jsonl');
  const store = new JsonlDeadLetterStore(path);
  store.append(rec('e', 'a', 'first'));
  store.remove([rec('e', 'a', 'first')]);
  store.append(rec('e', 'b', 'second'));
  assert.deepEqual(store.load().map((r) => [r.id, r.agentId]), [['e', 'b']]);
  // A tombstone written before the record it removes (a write redone after a compaction).
  const p2 = join(dir(), 'dl.jsonl');
  writeFileSync(p2, `${JSON.stringify({ af_tombstone: 'z', rev: 'r1', t: Date.now() })}\n${JSON.stringify(rec('z', 'a', 'r1'))}\n${JSON.stringify(rec('z', 'a', 'r1'))}\n`);
  assert.equal(new JsonlDeadLetterStore(p2).load().length, 0);
});

test('dead-letter file: a line over maxLineBytes is corrupt without being buffered; records around it survive', () => {
  const path = join(dir(), 'dl.jsonl');
  const store = new JsonlDeadLetterStore(path, { maxLineBytes: 4096 });
  store.append(rec('before', 'a', 'r1'));
  store.append(rec('huge', 'a', 'r2', 3 * 1024 * 1024));
  store.append(rec('after', 'a', 'r3'));
  const r = store.inspect();
  assert.deepEqual(r.records.map((x) => x.id), ['before', 'after']);
  assert.match(r.corrupt[0]!.reason, /longer than 4096/);
});

test('dead-letter file: it is compacted at its configured size and stays bounded; live records past half the bound are archived, not dropped', () => {
  const d = dir();
  const path = join(d, 'dl.jsonl');
  const max = 64 * 1024;
  const q = new DeadLetterQueue({ maxEntries: 10, store: new JsonlDeadLetterStore(path, { maxFileBytes: max }) });
  let peak = 0;
  for (let i = 0; i < 400; i++) {
    q.add(rec(`gone-${i}`, 'a', undefined, 500));
    q.purge({ id: `gone-${i}` });
    peak = Math.max(peak, statSync(path).size);
  }
  assert.ok(peak <= max + 4096, `file peaked at ${peak} bytes`);
  for (let i = 0; i < 300; i++) q.add(rec(`kept-${i}`, 'a', undefined, 500));
  assert.ok(statSync(path).size <= max + 4096);
  const archives = readdirSync(d).filter((f) => f.includes('.archive-'));
  assert.ok(archives.length > 0);
  const ids = new Set<string>(new JsonlDeadLetterStore(path).load().map((r) => r.id));
  for (const a of archives) for (const r of new JsonlDeadLetterStore(join(d, a)).load()) ids.add(r.id);
  for (let i = 0; i < 300; i++) assert.ok(ids.has(`kept-${i}`), `kept-${i} lost`);
  for (const id of ids) assert.ok(!id.startsWith('gone-'), `${id} came back`);
});

test('dead-letter file: new files are private (0600)', () => {
  const path = join(dir(), 'dl.jsonl');
  new JsonlDeadLetterStore(path).append(rec('x'));
  assert.equal(statSync(path).mode & 0o777, 0o600);
});

test('dead-letter file lock: one holder at a time; a dead holder\'s lock is taken over', () => {
  const path = join(dir(), 'dl.jsonl');
  const a = tryLock(path);
  assert.ok(a);
  assert.equal(tryLock(path), undefined);
  a.release();
  writeFileSync(`${path}.lock`, '999999999 deadbeef\n'); // no such pid
  const b = tryLock(path);
  assert.ok(b?.held());
  b!.release();
  assert.equal(existsSync(`${path}.lock`), false);
});

function run(args: string[]): Promise<string> {
  const script = resolve(new URL('../support/dlq-actor.ts', import.meta.url).pathname);
  return new Promise((ok, fail) => {
    const p = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.on('exit', (code) => (code === 0 ? ok(out) : fail(new Error(`dlq-actor ${args[0]} exited ${code}`))));
  });
}

test('dead-letter file: concurrent writers, purgers, replayers and compactions in separate processes lose nothing and replay nothing twice', async () => {
  const d = dir();
  const path = join(d, 'dl.jsonl');
  const log = join(d, 'replayed.log');
  writeFileSync(log, '');
  const perWriter = 900;
  const outs = await Promise.all([
    run(['writer', path, 'w1', String(perWriter), String(8 * 1024 * 1024)]),
    run(['writer', path, 'w2', String(perWriter), String(8 * 1024 * 1024)]),
    run(['writer', path, 'w3', String(perWriter), String(8 * 1024 * 1024)]),
    run(['purger', path, '1800']),
    run(['replayer', path, '1800', log]),
    run(['replayer', path, '1800', log]),
  ]);
  // Finish what the actors may not have reached.
  purgeDeadLetters(path, { agentId: 'doomed' });
  new DeadLetterQueue({ maxEntries: 1_000_000, store: new JsonlDeadLetterStore(path) }).replay({ emit: (ev) => appendFileSync(log, `${ev.getId()}\n`) }, { agentId: 'replayme' });

  const ids = new Set<string>();
  assert.deepEqual(readdirSync(d).filter((f) => f.includes('.archive-')), [], 'the bound is far enough that nothing is archived');
  const files = ['dl.jsonl'];
  let corrupt = 0;
  for (const f of files) {
    const r = new JsonlDeadLetterStore(join(d, f)).inspect();
    corrupt += r.corruptCount;
    for (const x of r.records) ids.add(x.id);
  }
  assert.equal(corrupt, 0);
  const replayed = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  const counts = new Map<string, number>();
  for (const id of replayed) counts.set(id, (counts.get(id) ?? 0) + 1);
  for (const w of ['w1', 'w2', 'w3']) {
    for (let i = 0; i < perWriter; i++) {
      const agent = ['keep', 'doomed', 'replayme'][i % 3]!;
      const id = `${w}-${agent}-${i}`;
      if (agent === 'keep') assert.ok(ids.has(id), `${id} was lost`);
      if (agent === 'doomed') assert.ok(!ids.has(id), `${id} survived its purge`);
      if (agent === 'replayme') {
        assert.ok(!ids.has(id), `${id} is still in the file after its replay`);
        assert.equal(counts.get(id), 1, `${id} replayed ${counts.get(id) ?? 0} times`);
      }
    }
  }
  assert.match(outs[3]!, /compactions [1-9]/);
});
