// The layering of src/ and web/src/, checked over the import graph (type-only imports included: they couple
// folders as much as any). Fails (exit 1) on an import between the project's folders that runs the wrong way,
// on OS code (node:* modules, /sys, /proc) outside the folders allowed to touch the host, and on import cycles.
// Usage: node scripts/check-layers.mjs [ROOT]   (ROOT defaults to the repository; tests point it at fixtures)

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** Which folders each folder may import from (itself always). */
const ALLOWED = {
  'src/base': [],
  'src/model': ['src/base'],
  'src/render': ['src/model', 'src/base'],
  'src/plan': ['src/render', 'src/model', 'src/base'],
  'src/api': ['src/model', 'src/base'],
  'src/doctor': ['src/model', 'src/base'],
  'src/host': ['src/plan', 'src/render', 'src/model', 'src/doctor', 'src/base'],
  'src/daemon': ['src/host', 'src/plan', 'src/render', 'src/model', 'src/api', 'src/doctor', 'src/base'],
  // the CLI runs `virtnet doctor` without a daemon: it may gather the host's facts itself
  'src/cli': ['src/api', 'src/model', 'src/doctor', 'src/host', 'src/base'],
  'src/sandbox': ['src/base'],
  'web/src': ['src/model', 'src/api', 'src/base'],
};

/** Folders whose code may run commands and read the kernel's files (node:child_process, /sys, /proc). */
const OS_CODE = new Set(['src/host', 'src/daemon', 'src/cli', 'src/sandbox']);
/** Pure folders: no node:* module at all (they run in the browser too, or must stay testable as data). */
const PURE = new Set(['src/base', 'src/model', 'src/render', 'src/plan', 'src/api', 'src/doctor', 'web/src']);
/** Cycles known and being removed (matched exactly; any other cycle, or a change of one, fails). None today. */
const KNOWN_CYCLES = [];

/** Outside host/ only these may start processes: the CLI its editor, the sandbox (a demo) its namespaces. */
const COMMANDS = new Set(['src/host', 'src/cli', 'src/sandbox']);

const root = resolve(process.argv[2] ?? join(import.meta.dirname, '..'));
const files = [];
const walk = (dir) => {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (/\.(ts|tsx)$/.test(name) && !name.endsWith('.d.ts')) files.push(path);
  }
};
walk(join(root, 'src'));
walk(join(root, 'web/src'));

const folderOf = (file) => {
  const rel = relative(root, file);
  if (rel.startsWith('web/src/')) return 'web/src';
  const m = /^src\/([^/]+)\//.exec(rel);
  return m ? `src/${m[1]}` : undefined;
};

/** Import specifiers of a file: static, `export … from`, `import type`, dynamic import(). */
function imports(text) {
  const out = [];
  const re =
    /(?:^|[;\s])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|[;\s])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const m of text.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

/** A relative specifier as the file it names (.js in source names the .ts/.tsx file). */
function resolveSpec(from, spec) {
  const base = resolve(dirname(from), spec);
  const candidates = [
    base,
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.js$/, '.tsx'),
    `${base}.ts`,
    `${base}.tsx`,
    join(base, 'index.ts'),
  ];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

const problems = [];
const graph = new Map();
for (const file of files) {
  const from = folderOf(file);
  const rel = relative(root, file);
  const text = readFileSync(file, 'utf8');
  const edges = [];
  graph.set(file, edges);
  if (!from) continue;
  for (const spec of imports(text)) {
    if (spec.startsWith('node:') || /^(fs|child_process|net|http|os|path|crypto)(\/|$)/.test(spec)) {
      if (PURE.has(from)) problems.push(`${rel}: imports ${spec}, but ${from}/ is pure (no node:* modules)`);
      if (/child_process/.test(spec) && !COMMANDS.has(from))
        problems.push(`${rel}: imports ${spec}: only src/host/ runs commands`);
      continue;
    }
    if (!spec.startsWith('.')) continue;
    const target = resolveSpec(file, spec);
    if (!target) {
      problems.push(`${rel}: cannot resolve import '${spec}'`);
      continue;
    }
    edges.push(target);
    const to = folderOf(target);
    if (!to || to === from) continue;
    if (!(ALLOWED[from] ?? []).includes(to))
      problems.push(`${rel}: imports ${relative(root, target)}, but ${from}/ may not import from ${to}/`);
  }
  // the kernel's files are read in host/ (behind a probe), never elsewhere
  if (!OS_CODE.has(from) || from === 'src/daemon' || from === 'src/cli') {
    for (const m of text.matchAll(/['"`](\/(?:sys|proc)\/[^'"`]*)/g)) {
      const line = text.slice(0, m.index).split('\n').length;
      const lineText = text.split('\n')[line - 1] ?? '';
      // comments may name the files they are about
      if (/^\s*(\/\/|\*)/.test(lineText)) continue;
      problems.push(`${rel}:${line}: reads ${m[1]}: only src/host/ reads the kernel's files`);
    }
  }
}

// cycles: Tarjan's strongly connected components over the file graph
let index = 0;
const stack = [];
const meta = new Map();
const cycles = [];
const visit = (v) => {
  meta.set(v, { index, low: index, onStack: true });
  index++;
  stack.push(v);
  for (const w of graph.get(v) ?? []) {
    if (!meta.has(w)) {
      visit(w);
      meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).low);
    } else if (meta.get(w).onStack) meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).index);
  }
  if (meta.get(v).low === meta.get(v).index) {
    const scc = [];
    let w;
    do {
      w = stack.pop();
      meta.get(w).onStack = false;
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(scc);
  }
};
for (const f of graph.keys()) if (!meta.has(f)) visit(f);
for (const c of cycles) {
  const names = c.map((f) => relative(root, f)).sort();
  if (KNOWN_CYCLES.includes(names.join(' '))) {
    console.warn(`layering: known cycle (being removed): ${names.join(' <-> ')}`);
    continue;
  }
  problems.push(`import cycle: ${names.join(' <-> ')}`);
}

if (problems.length) {
  console.error(`layering: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(
  `layering: ${files.length} files, no wrong-way imports, no OS code outside its folders, no new cycles`,
);
