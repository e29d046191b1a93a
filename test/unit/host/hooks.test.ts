// Hook scripts for real (sh scripts in a temp dir): found in libvirt's order, run with libvirt's argv, stdin,
// environment and cwd, every script run even after one fails, a script that hangs killed with its children,
// and what a failure says.

import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { findHookScripts, hookEnvironment, runHookScript, runHookScripts } from '../../../src/host/hooks.js';

const dir = mkdtempSync(join(tmpdir(), 'virtnet-hooks-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function script(path: string, body: string, mode = 0o755): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, mode);
  return path;
}

/** Alive and not a zombie (an orphan's zombie waits for PID 1, which may never reap it here). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

describe('finding hook scripts', () => {
  it('main script first, then network.d in byte order; non-executable ones are listed as such', () => {
    const hooks = join(dir, 'find');
    script(join(hooks, 'network'), 'exit 0');
    script(join(hooks, 'network.d', 'b-second'), 'exit 0');
    script(join(hooks, 'network.d', 'B-first'), 'exit 0');
    script(join(hooks, 'network.d', 'c-off'), 'exit 0', 0o644);
    mkdirSync(join(hooks, 'network.d', 'a-directory'));
    assert.deepEqual(findHookScripts(hooks), [
      { path: join(hooks, 'network'), executable: true },
      { path: join(hooks, 'network.d', 'B-first'), executable: true },
      { path: join(hooks, 'network.d', 'b-second'), executable: true },
      { path: join(hooks, 'network.d', 'c-off'), executable: false },
    ]);
  });

  it('no hooks directory: no scripts', () => {
    assert.deepEqual(findHookScripts(join(dir, 'absent')), []);
  });
});

describe('running hook scripts', () => {
  it("passes libvirt's arguments, the stdin, LC_ALL=C with PATH and HOME only, in /", async () => {
    const out = join(dir, 'seen');
    const s = script(
      join(dir, 'run', 'record'),
      `{ echo "$*"; pwd; env | grep -v '^PWD=\\|^SHLVL=\\|^_=' | sort; } > ${out}.args; cat > ${out}.stdin`,
    );
    const why = await runHookScript(s, ['net1', 'start', 'begin', '-'], '<hookData>\n</hookData>', 5000, {
      ...hookEnvironment({ PATH: '/usr/bin:/bin', HOME: '/root', SECRET: 'x' }),
    });
    assert.equal(why, undefined);
    assert.equal(
      readFileSync(`${out}.args`, 'utf8'),
      'net1 start begin -\n/\nHOME=/root\nLC_ALL=C\nPATH=/usr/bin:/bin\n',
    );
    assert.equal(readFileSync(`${out}.stdin`, 'utf8'), '<hookData>\n</hookData>');
  });

  it('a failure names the script and status and quotes stderr (stdout when stderr is empty)', async () => {
    const s = script(join(dir, 'run', 'fail'), 'echo "to stdout"; echo "not today" >&2; exit 3');
    assert.equal(
      await runHookScript(s, ['n', 'start', 'begin', '-'], '', 5000),
      `hook script ${s} exited with status 3: not today`,
    );
    const quiet = script(join(dir, 'run', 'fail-stdout'), 'echo "only stdout"; exit 1');
    assert.equal(
      await runHookScript(quiet, [], '', 5000),
      `hook script ${quiet} exited with status 1: only stdout`,
    );
  });

  it('every script runs even after one failed; all failures are returned', async () => {
    const mark = join(dir, 'ran-after-failure');
    const a = script(join(dir, 'all', 'a'), 'exit 2');
    const b = script(join(dir, 'all', 'b'), `touch ${mark}`);
    const failures = await runHookScripts([a, b], ['n', 'started', 'begin', '-'], '', 5000);
    assert.deepEqual(failures, [`hook script ${a} exited with status 2`]);
    assert.equal(readFileSync(mark, 'utf8'), '');
  });

  it('a script that hangs is killed after the timeout, with the children it started', async () => {
    const pidFile = join(dir, 'child.pid');
    const s = script(join(dir, 'run', 'hang'), `sleep 60 & echo $! > ${pidFile}; wait`);
    const t0 = Date.now();
    const why = await runHookScript(s, ['n', 'start', 'begin', '-'], '', 400);
    assert.equal(why, `hook script ${s} did not finish within 0.4 s and was killed`);
    assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
    const child = Number(readFileSync(pidFile, 'utf8'));
    for (let i = 0; i < 50 && alive(child); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(alive(child), false, 'the sleep the hook started is gone too');
  });

  it('a script that exits leaves its background helper running and is not waited for', async () => {
    const pidFile = join(dir, 'helper.pid');
    const s = script(join(dir, 'run', 'helper'), `sleep 30 & echo $! > ${pidFile}; exit 0`);
    const t0 = Date.now();
    assert.equal(await runHookScript(s, [], '', 10_000), undefined);
    assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
    const helper = Number(readFileSync(pidFile, 'utf8'));
    assert.equal(alive(helper), true);
    process.kill(helper, 'SIGKILL');
  });
});
