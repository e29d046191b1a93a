// virtnetd for a benchmark: run in the benchmark's namespace with every path under its directory, its log kept
// (for the figures that read it and for the error a failed run prints), stopped by PID.

import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../../..');

export class BenchDaemon {
  readonly child: ChildProcess;
  /** What the daemon wrote to stderr so far. */
  log = '';

  /** `node`: the node command line (e.g. with --cpu-prof); `args`: flags after the paths (default --resolv-conf). */
  constructor(ns: string, dir: string, opts: { node?: string[]; args?: string[] } = {}) {
    const paths = ['--config-dir', join(dir, 'config'), '--state-dir', join(dir, 'state')];
    this.child = spawn(
      'ip',
      [
        ...['netns', 'exec', ns, ...(opts.node ?? [process.execPath]), join(ROOT, 'bin/virtnetd')],
        ...[...paths, '--run-dir', join(dir, 'run')],
        ...(opts.args ?? ['--resolv-conf', join(dir, 'resolv.conf')]),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child.stderr?.on('data', (b: Buffer) => {
      this.log += b;
    });
  }

  /** Resolves once it listens (load, adoption and autostart done); throws if it exits first. */
  async listening(): Promise<void> {
    for (;;) {
      if (this.log.includes('listening on')) return;
      if (this.child.exitCode !== null) throw new Error(`virtnetd exited: ${this.log}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** SIGTERM, then waits for its exit. */
  async stop(): Promise<void> {
    const d = this.child;
    if (d.exitCode !== null) return;
    const gone = new Promise((r) => d.once('exit', r));
    d.kill('SIGTERM');
    await gone;
  }
}
