/**
 * Regression test for the install footprint (the hardening issue): a
 * checkout's `npm install` was 839 MB, mostly CUDA and Vulkan builds of
 * node-llama-cpp that the tests never load (they run the tiny model on the
 * CPU build). The root package.json now maps those builds to an empty stub;
 * npm applies overrides only at the root, so users still get every build.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const readJson = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

test('defect: a checkout installed 677 MB of GPU builds of node-llama-cpp the tests never load', () => {
  const pkg = readJson(join(root, 'package.json'));
  const llama = readJson(join(root, 'node_modules/node-llama-cpp/package.json'));
  const optional = Object.keys((llama.optionalDependencies ?? {}) as Record<string, string>);
  const gpuBuilds = optional.filter((name) => /^@node-llama-cpp\/linux-x64-(cuda|vulkan)/.test(name));
  assert.ok(gpuBuilds.length >= 3, `expected node-llama-cpp to list its linux GPU builds, got ${optional.join(', ')}`);
  const overrides = (pkg.overrides ?? {}) as Record<string, string>;
  const stub = realpathSync(join(root, 'scripts/no-gpu-binary'));
  for (const name of gpuBuilds) {
    assert.equal(overrides[name], `$${name}`, `${name} is not overridden in package.json`);
    assert.equal(realpathSync(join(root, 'node_modules', name)), stub, `${name} is installed for real`);
  }
  // The published package: only small runtime dependencies; every heavy
  // integration is an optional peer.
  const runtime = Object.keys((pkg.dependencies ?? {}) as Record<string, string>);
  assert.deepEqual(runtime.sort(), ['@opentelemetry/api', 'commander', 'pino', 'smol-toml', 'zod']);
  const peers = (pkg.peerDependenciesMeta ?? {}) as Record<string, { optional?: boolean }>;
  for (const heavy of ['node-llama-cpp', 'redis', '@modelcontextprotocol/sdk', 'prom-client']) {
    assert.equal(peers[heavy]?.optional, true, `${heavy} must be an optional peer`);
  }
});
