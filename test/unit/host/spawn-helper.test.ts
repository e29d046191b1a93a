// The spawn helper runs commands exactly as a direct spawn does (exit codes, stdout, stderr, stdin, a missing
// program), many at once, in a process of its own that is not the test's; a helper killed midway fails what it was
// running and the next command starts a new one.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { spawnCommand } from '../../../src/host/exec.js';
import { SpawnHelper } from '../../../src/host/spawn-helper.js';

const helper = new SpawnHelper();
after(() => helper.close());

describe('spawn helper', () => {
  it('gives what a direct spawn gives', async () => {
    const cases = [
      { argv: ['sh', '-c', 'echo out; echo err >&2; exit 3'] },
      { argv: ['cat'], stdin: 'through stdin\n' },
      { argv: ['/nonexistent/program', 'x'] },
      { argv: ['true'] },
    ];
    for (const c of cases) {
      const direct = await spawnCommand(c);
      const helped = await helper.run(c);
      assert.deepEqual(
        { code: helped.code, stdout: helped.stdout },
        { code: direct.code, stdout: direct.stdout },
        c.argv.join(' '),
      );
      if (direct.code !== 127) assert.equal(helped.stderr, direct.stderr, c.argv.join(' '));
    }
    const missing = await helper.run({ argv: ['/nonexistent/program'] });
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /ENOENT/);
  });

  it('runs commands in its own process, many at once', async () => {
    const pids = await Promise.all(
      Array.from({ length: 20 }, (_, k) => helper.run({ argv: ['sh', '-c', `echo $PPID ${k}`] })),
    );
    const parents = new Set(pids.map((r) => r.stdout.split(' ')[0]));
    assert.equal(parents.size, 1);
    assert.notEqual([...parents][0], String(process.pid));
    assert.deepEqual(
      pids.map((r) => Number(r.stdout.trim().split(' ')[1])),
      Array.from({ length: 20 }, (_, k) => k),
    );
  });

  it('fails what a killed helper was running, then starts a new one', async () => {
    const parent = (await helper.run({ argv: ['sh', '-c', 'echo $PPID'] })).stdout.trim();
    const running = helper.run({ argv: ['sleep', '2'] });
    process.kill(Number(parent), 'SIGKILL');
    const r = await running;
    assert.equal(r.code, 127);
    assert.match(r.stderr, /spawn helper process exited/);
    const again = (await helper.run({ argv: ['sh', '-c', 'echo $PPID'] })).stdout.trim();
    assert.notEqual(again, parent);
  });
});
