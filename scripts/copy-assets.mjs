#!/usr/bin/env node
// Copies the viewer's static assets (src/ui/assets) next to the compiled
// code (dist/ui/assets): tsc copies only TypeScript output.
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const from = join(root, 'src', 'ui', 'assets');
if (existsSync(join(root, 'dist'))) cpSync(from, join(root, 'dist', 'ui', 'assets'), { recursive: true });
