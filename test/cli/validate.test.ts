import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../support/cli.js';

test('defect: validate imported and ran the agents module beside the config; it only finds it, says so, and runs it with --load-agents', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'af-validate-'));
  const cfg = join(dir, 'agentflow.toml');
  const marker = join(dir, 'module-ran');
  writeFileSync(cfg, '[agents.greeter]\nrole = "greets"\n[agents.writer]\nsystem_prompt = "You write."\n');
  writeFileSync(join(dir, 'agents.mjs'), `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'side effect');\nexport const greeter = (ctx, ev, state) => state;\n`);

  const plain = await cli(['validate', cfg]);
  assert.equal(plain.code, 0, plain.err);
  assert.equal(existsSync(marker), false, 'validating did not run the module');
  assert.match(plain.out, /valid .*agents module not loaded/);
  assert.match(plain.err, /agent "greeter" has no system_prompt: it must be a handler exported by .*agents\.mjs \(not loaded; pass --load-agents to check\)/);

  const loaded = await cli(['validate', cfg, '--load-agents']);
  assert.equal(loaded.code, 0, loaded.err);
  assert.equal(existsSync(marker), true, '--load-agents runs it');
  assert.doesNotMatch(loaded.out, /not loaded/);

  // Loaded, a missing handler is an error again.
  writeFileSync(join(dir, 'agents.mjs'), 'export const somebodyElse = (ctx, ev, state) => state;\n');
  const missing = await cli(['validate', cfg, '--load-agents']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /agents\.greeter\.system_prompt/);
});

test('validate warns about LLM agents that never run in route mode, and not once `next` reaches them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'af-validate-'));
  const cfg = join(dir, 'agentflow.toml');
  writeFileSync(cfg, '[agents.first]\nsystem_prompt = "a"\n[agents.second]\nsystem_prompt = "b"\n');
  const r = await cli(['validate', cfg]);
  assert.equal(r.code, 0);
  assert.match(r.err, /warning agents\.second: agent "second" never runs in route mode/);
  writeFileSync(cfg, '[agents.first]\nsystem_prompt = "a"\nnext = "second"\n[agents.second]\nsystem_prompt = "b"\n');
  assert.doesNotMatch((await cli(['validate', cfg])).err, /never runs/);
});
