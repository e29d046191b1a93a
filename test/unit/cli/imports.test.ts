// cli/ has no import cycles (static, type-only and dynamic imports all count), and command modules never import
// the dispatcher: they see only the types, the helpers, the formats and the API types.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = join(import.meta.dirname, '../../../..');
const CLI = join(ROOT, 'src/cli');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : n.endsWith('.ts') ? [p] : [];
  });
}

/** Every module of src/cli a file imports, by path relative to src/cli. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)].map((m) => m[1] as string);
  return specs
    .map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')))
    .filter((p) => p.startsWith(`${CLI}/`))
    .map((p) => relative(CLI, p));
}

const graph = new Map(files(CLI).map((f) => [relative(CLI, f), importsOf(f)]));

test('src/cli has no import cycles', () => {
  assert.ok(graph.size > 20);
  const state = new Map<string, 'open' | 'done'>();
  const visit = (node: string, path: string[]): void => {
    if (state.get(node) === 'done') return;
    assert.notEqual(state.get(node), 'open', `import cycle: ${[...path, node].join(' -> ')}`);
    state.set(node, 'open');
    for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
    state.set(node, 'done');
  };
  for (const node of graph.keys()) visit(node, []);
});

test('command modules do not import the dispatcher or each other', () => {
  const dispatcher = ['main.ts', 'run-command.ts', 'load-command.ts', 'registry.ts'];
  for (const [file, deps] of graph) {
    if (!file.startsWith('commands/')) continue;
    for (const d of deps) {
      assert.ok(!dispatcher.includes(d), `${file} imports ${d}`);
      assert.ok(!d.startsWith('commands/'), `${file} imports ${d}`);
    }
  }
  // and the loader reaches every module under commands/
  const loaded = new Set(graph.get('load-command.ts'));
  for (const f of graph.keys())
    if (f.startsWith('commands/')) assert.ok(loaded.has(f), `${f} is never loaded`);
});
