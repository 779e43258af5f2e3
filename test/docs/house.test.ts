import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const src = new URL('../../src', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('house rule: no file under src/ is over 400 lines', () => {
  const over = files(src)
    .map((f) => [f.slice(src.length + 1), readFileSync(f, 'utf8').split('\n').length - 1] as const)
    .filter(([, n]) => n > 400);
  assert.deepEqual(over, []);
});
