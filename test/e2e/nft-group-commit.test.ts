// Scripts that reach the nft session together go to the kernel as one transaction; when that one fails (one bad
// script), nothing of it is applied and each script is tried alone: the good ones are applied, the bad one gets
// its own error. Proven with nft in a namespace of the test's own.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const isRoot = process.getuid?.() === 0;

describe('nft session group commit', { skip: !isRoot && 'needs root' }, () => {
  const ns = `vnt-nftg-${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'vnt-nftg-'));
  after(() => {
    spawnSync('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits waiting scripts together and keeps a verdict per script', () => {
    execFileSync('ip', ['netns', 'add', ns]);
    const r = spawnSync(
      'ip',
      ['netns', 'exec', ns, process.execPath, join(import.meta.dirname, 'helpers/nft-group-driver.js'), dir],
      { encoding: 'utf8', timeout: 30000 },
    );
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      first: { ok: boolean };
      mixed: Array<{ ok: boolean; stderr: string }>;
      clean: Array<{ ok: boolean }>;
      afterMixed: number;
      commits: number;
    };
    assert.equal(out.first.ok, true);
    assert.deepEqual(
      out.mixed.map((m) => m.ok),
      Array.from({ length: 12 }, (_, k) => k !== 5),
    );
    assert.match(out.mixed[5]?.stderr ?? '', /nosuchchain/);
    for (const [k, m] of out.mixed.entries()) if (k !== 5) assert.equal(m.stderr, '');
    // the table alone, the 12 together (refused), then each alone
    assert.equal(out.afterMixed, 1 + 1 + 12);
    assert.deepEqual(
      out.clean.map((c) => c.ok),
      Array.from({ length: 12 }, () => true),
    );
    assert.equal(out.commits, out.afterMixed + 1, 'twelve good scripts at once: one transaction');
    const chains = execFileSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'table', 'inet', 'vntgroup'], {
      encoding: 'utf8',
    });
    const names = [...chains.matchAll(/chain (\w+) \{/g)].map((m) => m[1]).sort();
    const want = [
      ...Array.from({ length: 12 }, (_, k) => k)
        .filter((k) => k !== 5)
        .map((k) => `a${k}`),
      ...Array.from({ length: 12 }, (_, k) => `b${k}`),
    ].sort();
    assert.deepEqual(names, want);
    assert.equal((chains.match(/\baccept\b/g) ?? []).length, 12);
  });
});
