// A small Node process that runs the daemon's commands for it. fork() copies the page tables of the process that
// forks and blocks its event loop meanwhile: from virtnetd holding 170 MB (a thousand networks) a spawn took 15-20
// ms, from a fresh Node 3 ms. The helper holds almost nothing, so every `ip`, `ethtool`, `dnsmasq` costs the same
// at one network and at a thousand, and the daemon's loop keeps serving while they fork.

import { type ChildProcess, spawn } from 'node:child_process';
import type { Command, CommandResult } from './exec.js';

/** The helper's whole program (run with `node -e`: nothing to find on disk, bundled or not). */
const HELPER_SOURCE = `
'use strict';
const { spawn } = require('node:child_process');
process.on('disconnect', () => process.exit(0));
process.on('message', (m) => {
  const [file, ...args] = m.argv;
  let child;
  try {
    child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    process.send({ id: m.id, code: 127, stdout: '', stderr: String(e && e.message) });
    return;
  }
  const out = [];
  const err = [];
  let replied = false;
  const reply = (r) => {
    if (replied || !process.connected) return;
    replied = true;
    process.send({ id: m.id, ...r });
  };
  child.stdout.on('data', (b) => out.push(b));
  child.stderr.on('data', (b) => err.push(b));
  // a program that could not be started has no exit; one that ran has its close after the error
  child.on('error', (e) => { if (child.pid === undefined) reply({ code: 127, stdout: '', stderr: e.message }); });
  child.on('close', (code) => reply({ code: code === null ? 1 : code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  child.stdin.on('error', () => {});
  child.stdin.end(m.stdin || '');
});
`;

type Reply = CommandResult & { id: number };

export class SpawnHelper {
  private child: ChildProcess | undefined;
  private seq = 0;
  private readonly pending = new Map<number, (r: CommandResult) => void>();

  run(cmd: Command): Promise<CommandResult> {
    const child = this.child ?? this.launch();
    const id = ++this.seq;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      // the channel keeps the daemon's loop alive only while a command runs
      if (this.pending.size === 1) {
        child.ref();
        child.channel?.ref();
      }
      child.send({ id, argv: cmd.argv, stdin: cmd.stdin ?? '' }, (e) => {
        if (e) this.settle(id, { code: 127, stdout: '', stderr: `spawn helper: ${e.message}` });
      });
    });
  }

  private launch(): ChildProcess {
    // a small young generation: the helper's heap stays a few MB, so its own forks stay cheap
    const child = spawn(process.execPath, ['--max-semi-space-size=1', '-e', HELPER_SOURCE], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    child.unref();
    child.channel?.unref();
    child.on('message', (m: Reply) => this.settle(m.id, m));
    const gone = () => {
      if (this.child !== child) return;
      this.child = undefined;
      // what was asked of it is lost with it: each waiting command fails, the next one starts a new helper
      for (const id of [...this.pending.keys()])
        this.settle(id, { code: 127, stdout: '', stderr: 'the spawn helper process exited' });
    };
    child.on('exit', gone);
    child.on('disconnect', gone);
    child.on('error', gone);
    this.child = child;
    return child;
  }

  private settle(id: number, r: CommandResult): void {
    const resolve = this.pending.get(id);
    if (!resolve) return;
    this.pending.delete(id);
    if (this.pending.size === 0) {
      this.child?.unref();
      this.child?.channel?.unref();
    }
    resolve({ code: r.code, stdout: r.stdout, stderr: r.stderr });
  }

  /** Ends the helper (commands it is running finish on their own). */
  close(): void {
    this.child?.disconnect();
    this.child = undefined;
  }
}
