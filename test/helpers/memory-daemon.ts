// Starts the real virtnetd (memory runtime: no host changes) in temporary directories, for API and CLI tests
// and benchmarks; stop() kills it by PID and removes the directories.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../../..');

export interface MemoryDaemon {
  dir: string;
  socket: string;
  process: ChildProcess;
  /** Everything the daemon wrote to stderr so far. */
  log: () => string;
  stop: () => void;
}

/** A `--runtime memory` daemon; `extra` are more virtnetd arguments (e.g. --memory-host-bridge br0). */
export async function startMemoryDaemon(
  prefix = 'virtnet-test-',
  extra: string[] = [],
): Promise<MemoryDaemon> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const socket = join(dir, 'r', 'virtnet.sock');
  const args = [
    '--runtime',
    'memory',
    '--config-dir',
    join(dir, 'c'),
    '--state-dir',
    join(dir, 's'),
    ...extra,
  ];
  const child = spawn(process.execPath, [join(ROOT, 'bin/virtnetd'), ...args, '--run-dir', join(dir, 'r')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (b) => {
    log += b;
  });
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 400 && !(log.includes('listening on') && existsSync(socket)); i++) {
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  if (!existsSync(socket)) {
    stop();
    throw new Error(`virtnetd did not start: ${log}`);
  }
  return { dir, socket, process: child, log: () => log, stop };
}
