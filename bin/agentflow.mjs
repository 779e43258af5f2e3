#!/usr/bin/env node
// The agentflow CLI. Runs the compiled CLI from dist/ when present (an
// installed package); in a source checkout without a build, or whose src/
// changed after the last build, it runs the TypeScript sources through tsx
// (never a stale dist/).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'cli', 'main.js');
const src = join(root, 'src');
const newest = (dir) => {
  let m = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    m = Math.max(m, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return m;
};
const fresh = existsSync(built) && (!existsSync(src) || newest(src) <= statSync(built).mtimeMs);
let main;
if (fresh) {
  ({ main } = await import(pathToFileURL(built).href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(pathToFileURL(join(root, 'src', 'cli', 'main.ts')).href));
}
process.exitCode = await main(process.argv.slice(2));
