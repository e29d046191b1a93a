// The layering checker (scripts/check-layers.mjs) on small trees of its own: it must fail on a wrong-way import,
// on OS code in a pure folder, on /sys read outside host/, on a cycle — and pass on a tree that keeps the rules.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';

const ROOT = join(import.meta.dirname, '../../../..');
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function check(tree: Record<string, string>): { code: number; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vnt-layers-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(tree)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/check-layers.mjs'), dir], { encoding: 'utf8' });
  return { code: r.status ?? 1, out: `${r.stdout}${r.stderr}` };
}

const ok = {
  'src/model/a.ts': 'export const a = 1;\n',
  'src/plan/p.ts': "import { a } from '../model/a.js';\nexport const p = a;\n",
  'src/host/h.ts':
    "import { readFileSync } from 'node:fs';\nimport type { p } from '../plan/p.js';\nexport const h = () => readFileSync('/sys/class/net');\n",
  'src/daemon/d.ts': "import { h } from '../host/h.js';\nexport const d = h;\n",
  'web/src/w.tsx': "import { a } from '../../src/model/a';\nexport const w = a;\n",
};

describe('layering checker', () => {
  it('passes a tree that keeps the rules', () => {
    const r = check(ok);
    assert.equal(r.code, 0, r.out);
  });

  it('fails on an import running the wrong way (model -> host, host -> daemon, web -> daemon)', () => {
    for (const [file, text, msg] of [
      [
        'src/model/b.ts',
        "import { h } from '../host/h.js';\n",
        /src\/model\/ may not import from src\/host\//,
      ],
      [
        'src/host/x.ts',
        "import type { d } from '../daemon/d.js';\n",
        /src\/host\/ may not import from src\/daemon\//,
      ],
      [
        'web/src/x.ts',
        "import { d } from '../../src/daemon/d';\n",
        /web\/src\/ may not import from src\/daemon\//,
      ],
      [
        'src/plan/x.ts',
        "import type { Z } from '../api/types.js';\n",
        /src\/plan\/ may not import from src\/api\//,
      ],
    ] as const) {
      const r = check({ ...ok, 'src/api/types.ts': 'export type Z = 1;\n', [file]: text });
      assert.equal(r.code, 1, `${file}: ${r.out}`);
      assert.match(r.out, msg);
    }
  });

  it('fails on node:* in a pure folder, a command outside host/, /sys read outside host/', () => {
    const fs = check({ ...ok, 'src/render/r.ts': "import { readFileSync } from 'node:fs';\n" });
    assert.equal(fs.code, 1);
    assert.match(fs.out, /src\/render\/r\.ts: imports node:fs, but src\/render\/ is pure/);
    const cmd = check({ ...ok, 'src/daemon/c.ts': "import { execFile } from 'node:child_process';\n" });
    assert.equal(cmd.code, 1);
    assert.match(cmd.out, /only src\/host\/ runs commands/);
    const sys = check({
      ...ok,
      'src/daemon/s.ts':
        "import { existsSync } from 'node:fs';\nexport const s = existsSync(`/sys/class/net/x`);\n",
    });
    assert.equal(sys.code, 1);
    assert.match(sys.out, /src\/daemon\/s\.ts:2: reads \/sys\/class\/net\/x/);
  });

  it('fails on an import cycle, type-only imports included', () => {
    const r = check({
      ...ok,
      'src/plan/x.ts': "import type { Y } from './y.js';\nexport type X = Y;\n",
      'src/plan/y.ts': "import type { X } from './x.js';\nexport type Y = { x?: X };\n",
    });
    assert.equal(r.code, 1);
    assert.match(r.out, /import cycle: src\/plan\/x\.ts <-> src\/plan\/y\.ts/);
  });
});
