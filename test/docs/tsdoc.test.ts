/**
 * Every exported declaration in src/ carries TSDoc with an @example.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const root = new URL('../../', import.meta.url).pathname;

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function isExported(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

function docOf(node: ts.Node, sf: ts.SourceFile): string {
  const ranges = ts.getLeadingCommentRanges(sf.text, node.getFullStart()) ?? [];
  return ranges.map((r) => sf.text.slice(r.pos, r.end)).filter((c) => c.startsWith('/**')).join('\n');
}

test('every export in src/ has TSDoc with an @example', () => {
  const missing: string[] = [];
  for (const file of files(join(root, 'src'))) {
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    for (const stmt of sf.statements) {
      if (!isExported(stmt)) continue;
      let name = '';
      if (ts.isFunctionDeclaration(stmt) || ts.isClassDeclaration(stmt) || ts.isInterfaceDeclaration(stmt) || ts.isTypeAliasDeclaration(stmt) || ts.isEnumDeclaration(stmt)) {
        name = stmt.name?.text ?? '(anonymous)';
      } else if (ts.isVariableStatement(stmt)) {
        name = stmt.declarationList.declarations.map((d) => d.name.getText(sf)).join(',');
      } else continue;
      const doc = docOf(stmt, sf);
      if (!doc.includes('@example')) missing.push(`${relative(root, file)}: ${name}`);
    }
  }
  assert.deepEqual(missing, [], `exports without TSDoc @example:\n${missing.join('\n')}`);
});
