// The bundles `npm run build` makes (dist/virtnet.cjs, dist/virtnetd.cjs): self-contained (no node_modules, no
// dist/src), run from a copy elsewhere, together, and the CLI's code cache is one this node accepts.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import Module, { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Script } from 'node:vm';

const ROOT = join(import.meta.dirname, '../../../..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('the bundled CLI and daemon', () => {
  // a tree with only what the Debian package ships: bin/, the bundles, share/ (no node_modules, no dist/src)
  const tree = mkdtempSync(join(tmpdir(), 'virtnet-bundle-'));
  mkdirSync(join(tree, 'dist'));
  for (const f of [
    'bin/virtnet',
    'bin/virtnetd',
    'bin/package.json',
    'dist/virtnet.cjs',
    'dist/virtnet.cache',
    'dist/virtnetd.cjs',
  ])
    cpSync(join(ROOT, f), join(tree, f));
  cpSync(join(ROOT, 'share'), join(tree, 'share'), { recursive: true });
  after(() => rmSync(tree, { recursive: true, force: true }));

  test('they require nothing but Node built-ins', () => {
    for (const f of ['virtnet.cjs', 'virtnetd.cjs']) {
      const text = readFileSync(join(ROOT, 'dist', f), 'utf8');
      const required = [...text.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1] as string);
      assert.ok(required.length > 0, f);
      assert.deepEqual(
        required.filter((r) => !isBuiltin(r)),
        [],
        f,
      );
    }
  });

  test('bin/virtnet runs the bundle from a copy of the tree', () => {
    const v = (...args: string[]) =>
      spawnSync(process.execPath, [join(tree, 'bin/virtnet'), ...args], { encoding: 'utf8' });
    assert.deepEqual([v('--version').stdout, v('--version').status], [`${VERSION}\n`, 0]);
    assert.equal(
      v('help', 'net-list').stdout,
      readFileSync(join(ROOT, 'share/virsh-help/net-list.txt'), 'utf8'),
    );
    assert.ok(!existsSync(join(tree, 'node_modules')));
  });

  test('the code cache belongs to this build and this node accepts it', () => {
    const source = readFileSync(join(ROOT, 'dist/virtnet.cjs'), 'utf8');
    const cache = readFileSync(join(ROOT, 'dist/virtnet.cache'));
    const id = /^\/\/ build (\w+)$/m.exec(source)?.[1] ?? '';
    assert.match(id, /^[0-9a-f]{16}$/);
    assert.equal(cache.toString('latin1', 0, id.length + 1), `${id}\n`);
    const script = new Script(Module.wrap(source), {
      filename: 'virtnet.cjs',
      cachedData: cache.subarray(id.length + 1),
    });
    assert.equal(script.cachedDataRejected, false);
  });

  test('the bundled daemon serves the bundled CLI', async () => {
    const run = join(tree, 'run');
    const daemon = spawn(
      process.execPath,
      [
        join(tree, 'bin/virtnetd'),
        '--runtime',
        'memory',
        '--config-dir',
        join(tree, 'etc'),
        '--state-dir',
        join(tree, 'lib'),
        '--run-dir',
        run,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    daemon.stderr.on('data', (b) => {
      log += b;
    });
    try {
      for (let i = 0; i < 200 && !log.includes('listening on'); i++)
        await new Promise((r) => setTimeout(r, 25));
      assert.match(log, /listening on/);
      const r = spawnSync(
        process.execPath,
        [join(tree, 'bin/virtnet'), '-c', `unix:${run}/virtnet.sock`, 'net-list', '--all'],
        {
          encoding: 'utf8',
        },
      );
      const empty = readFileSync(join(ROOT, 'test/unit/cli/expected/net-list-empty.txt'), 'utf8');
      assert.deepEqual([r.stdout, r.stderr, r.status], [empty, '', 0]);
    } finally {
      daemon.kill('SIGKILL');
    }
  });
});
