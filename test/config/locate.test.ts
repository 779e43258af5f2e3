import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyLines, locateKeys } from '../../src/config/index.js';

const TEXT = [
  '# a comment with key = "value" and [fake.table]', // 1
  'top = 1', // 2
  '[agent_flow]', // 3
  'name = "x" # trailing = comment', // 4
  '', // 5
  '[agents.writer]', // 6
  '  system_prompt = """', // 7
  'a multi-line string', // 8
  'temperature = 9', // 9  (inside the string: not a key)
  '[not.a.table]', // 10 (inside the string)
  '"""', // 11
  '  "quoted.key" = 1', // 12
  "  'literal' = 'it''s'", // 13 (invalid TOML: the scanner skips what it cannot read and goes on)
  '[agents.writer.llm]', // 14
  'model = "m"', // 15
  'retry.max = 3', // 16 (dotted key)
  '[orchestration]', // 17
  'sequential_agents = [', // 18
  '  "a", # first', // 19
  '  "b",', // 20
  ']', // 21
  'collaborative_agents = ["c", "d"]', // 22
  'point = { x = 1, nested = { y = 2 }, list = [1, 2] }', // 23
  '[[mcp.servers]]', // 24
  'name = "one"', // 25
  '[[mcp.servers]]', // 26
  'name = "two"', // 27
  '[mcp.servers.cache]', // 28
  'ttl = 5', // 29
  'when = 1979-05-27 07:32:00Z', // 30
  'after = true', // 31
].join('\n');

test('the locator finds tables, keys, dotted and quoted keys, but nothing inside strings or comments', () => {
  const loc = locateKeys(TEXT);
  const line = (p: string) => loc.get(p)?.line;
  assert.equal(line('top'), 2);
  assert.equal(line('agent_flow'), 3);
  assert.equal(line('agent_flow.name'), 4);
  assert.equal(line('agents'), 6, 'a parent table points at the first header that creates it');
  assert.equal(line('agents.writer'), 6);
  assert.deepEqual(loc.get('agents.writer.system_prompt'), { line: 7, column: 3 });
  assert.equal(line('agents.writer.temperature'), undefined, 'text inside a multi-line string is not a key');
  assert.equal(line('not.a.table'), undefined);
  assert.equal(line('fake.table'), undefined, 'comments are skipped');
  assert.equal(line('agents.writer.quoted.key'), 12);
  assert.equal(line('agents.writer.literal'), 13);
  assert.equal(line('agents.writer.s'), undefined, 'the rest of a line it cannot read is skipped');
  assert.equal(line('agents.writer.llm.model'), 15);
  assert.equal(line('agents.writer.llm.retry'), 16);
  assert.equal(line('agents.writer.llm.retry.max'), 16);
});

test('array elements, inline tables and arrays of tables get their own paths and columns', () => {
  const loc = locateKeys(TEXT);
  assert.deepEqual(loc.get('orchestration.sequential_agents'), { line: 18, column: 1 });
  assert.deepEqual(loc.get('orchestration.sequential_agents.0'), { line: 19, column: 3 });
  assert.deepEqual(loc.get('orchestration.sequential_agents.1'), { line: 20, column: 3 });
  assert.deepEqual(loc.get('orchestration.collaborative_agents.1'), { line: 22, column: 30 });
  assert.deepEqual(loc.get('orchestration.point.x'), { line: 23, column: 11 });
  assert.deepEqual(loc.get('orchestration.point.nested.y'), { line: 23, column: 29 });
  assert.deepEqual(loc.get('orchestration.point.list.1'), { line: 23, column: 49 });
  assert.equal(loc.get('mcp.servers.0.name')?.line, 25);
  assert.equal(loc.get('mcp.servers.1.name')?.line, 27);
  assert.equal(loc.get('mcp.servers.1.cache.ttl')?.line, 29, 'a sub-table belongs to the last array entry');
  assert.equal(loc.get('mcp.servers.1.cache.after')?.line, 31, 'a date-time with a space is one value');
});

test('nearest() falls back to the enclosing table; startsLine() tells whether the line alone is enough', () => {
  const loc = locateKeys(TEXT);
  assert.deepEqual(loc.nearest('agents.writer.llm.temperature'), { line: 14, column: 1 });
  assert.equal(loc.nearest('orchestration.mode')?.line, 17);
  assert.equal(loc.nearest('nothing.here'), undefined);
  assert.equal(loc.startsLine(loc.get('orchestration.sequential_agents.0')!), true);
  assert.equal(loc.startsLine(loc.get('orchestration.collaborative_agents.1')!), false);
});

test('CRLF line endings, an empty text, and keyLines()', () => {
  const crlf = locateKeys('[llm]\r\nmodel = "m"\r\n\r\n[agents.a]\r\nrole = "r"\r\n');
  assert.deepEqual(crlf.get('agents.a.role'), { line: 5, column: 1 });
  assert.deepEqual(locateKeys('').paths(), []);
  const lines = keyLines('[a]\nx = 1\n[a.b]\ny = 2\n');
  assert.deepEqual([...lines], [
    ['a', 1],
    ['a.x', 2],
    ['a.b', 3],
    ['a.b.y', 4],
  ]);
});
