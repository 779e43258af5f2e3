import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flowToMermaid, validateConfigObject } from '../../src/config/index.js';

test('graph: a sequential flow, a collaborative flow, a loop, error routing and the dead-letter handler as Mermaid', () => {
  const seq = validateConfigObject({
    orchestration: { mode: 'sequential', sequential_agents: ['a', 'b', 'c'] },
    agents: { a: { system_prompt: 'x' }, b: { role: 'checker' }, c: { system_prompt: 'y', enabled: false }, fixer: { system_prompt: 'z' }, dead_letter_handler: { role: 'dlq' } },
    error_routing: { enabled: true, error_handler_name: 'fixer' },
  }).config;
  const g = flowToMermaid(seq, ['b', 'dead_letter_handler']).split('\n');
  assert.equal(g[0], 'flowchart LR');
  assert.ok(g.includes('  input --> a_a'));
  assert.ok(g.includes('  a_a --> a_b'));
  assert.ok(g.includes('  a_b --> a_c'));
  assert.ok(g.includes('  a_a{{"a<br/><small>llm</small>"}}'), g.join('\n'));
  assert.ok(g.includes('  a_b["b<br/><small>code · checker</small>"]'));
  assert.ok(g.some((l) => l.startsWith('  style a_c stroke-dasharray')), 'disabled agents are dashed');
  assert.ok(g.includes('  errors[/"failed events"/] -.->|error routing| a_fixer'));
  assert.ok(g.includes('  dlq[("dead letters")] -.->|forwarded| a_dead_letter_handler'));

  const col = validateConfigObject({ orchestration: { mode: 'collaborative', collaborative_agents: ['x', 'y'] }, agents: { x: { system_prompt: 'x' }, y: { system_prompt: 'y' } } }).config;
  const c = flowToMermaid(col).split('\n');
  for (const a of ['x', 'y']) {
    assert.ok(c.includes(`  input -->|fan-out| a_${a}`));
    assert.ok(c.includes(`  a_${a} --> merge`));
  }
  const loop = validateConfigObject({ orchestration: { mode: 'loop', loop_agent: 'r', max_iterations: 4 }, agents: { r: { system_prompt: 'r' } } }).config;
  assert.ok(flowToMermaid(loop).includes('a_r -->|"until done, ≤ 4"| a_r'));
});
