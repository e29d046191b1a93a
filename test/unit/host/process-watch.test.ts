// watchProcess, the supervisor's look at a process through its /proc stat file kept open: alive while it runs,
// dead once it exits (reaped or left a zombie by a parent that never waits), and never ours when the command
// line does not match.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { watchProcess } from '../../../src/host/processes.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('watchProcess', () => {
  it('is alive while the process runs and dead once it exited and was reaped', async () => {
    const child = spawn('sleep', ['30']);
    await once(child, 'spawn');
    const w = watchProcess(child.pid as number, '30');
    try {
      assert.equal(w.alive(), true);
      child.kill('SIGKILL');
      await once(child, 'exit');
      assert.equal(w.alive(), false);
      assert.equal(w.alive(), false, 'stays dead');
    } finally {
      w.close();
      child.kill('SIGKILL');
    }
  });

  it('calls a zombie dead (a daemon whose parent never waits for it)', async () => {
    // the backgrounded sleep's parent becomes `sleep 30`, which never reaps it
    const sh = spawn('sh', ['-c', 'sleep 0.3 & echo $!; exec sleep 30'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const [line] = (await once(sh.stdout, 'data')) as [Buffer];
    const pid = Number(line.toString().trim());
    const w = watchProcess(pid, '0.3');
    try {
      assert.equal(w.alive(), true);
      for (let i = 0; i < 50 && w.alive(); i++) await sleep(50);
      assert.equal(w.alive(), false);
    } finally {
      w.close();
      sh.kill('SIGKILL');
    }
  });

  it('is not ours when the command line lacks the match, nor when the PID does not exist', async () => {
    const child = spawn('sleep', ['30']);
    await once(child, 'spawn');
    try {
      assert.equal(watchProcess(child.pid as number, '--conf-file=/x/n1.conf').alive(), false);
      assert.equal(watchProcess(2 ** 22 + 1, '30').alive(), false);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
