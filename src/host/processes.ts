// Processes virtnet starts and finds again by PID: a PID file plus an argument of /proc/PID/cmdline that proves
// the PID is still ours (not reused by another program); stopping by PID with SIGTERM, then SIGKILL.

import { closeSync, existsSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { exec } from './exec.js';

export function readPid(pidFile: string): number | undefined {
  try {
    const n = Number(readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** True when `pid` is live, not a zombie, and its command line holds `match` as one argument. */
export function isOurProcess(pid: number, match: string, program?: string): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (program !== undefined && !(argv[0] === program || argv[0]?.endsWith(`/${program}`))) return false;
    return argv.includes(match) && !isZombie(pid);
  } catch {
    return false;
  }
}

/** Whether a process watched since it was known to be ours still runs; close() when done with it. */
export interface ProcessWatch {
  alive(): boolean;
  close(): void;
}

const statBuf = Buffer.alloc(1024);
const CLOSE_PAREN = 0x29;
const ZOMBIE = 0x5a;
const DEAD = 0x58;

/**
 * Watches our process `pid` through an open /proc/PID/stat: the descriptor is bound to that very process, so a
 * check is one pread (no path lookup, no string): it fails once the process is reaped, and a reused PID cannot
 * pass for it (like a pidfd, which Node lacks). Where no descriptor can be had, each check reads /proc by path.
 */
export function watchProcess(pid: number, match: string): ProcessWatch {
  let fd: number | undefined;
  try {
    fd = openSync(`/proc/${pid}/stat`, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return { alive: () => false, close: () => undefined };
  }
  // opened first, checked second: a PID reused before the open fails the check of its command line
  let dead = !isOurProcess(pid, match);
  const close = () => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  };
  if (dead) close();
  return {
    alive: () => {
      if (dead) return false;
      if (fd === undefined) return isOurProcess(pid, match);
      try {
        const n = readSync(fd, statBuf, 0, statBuf.length, 0);
        // "pid (comm) S ...": the state follows the last ')' (comm may hold one)
        const end = statBuf.lastIndexOf(CLOSE_PAREN, n - 1);
        const state = end >= 0 ? statBuf[end + 2] : undefined;
        dead = state === ZOMBIE || state === DEAD;
      } catch {
        dead = true;
      }
      if (dead) close();
      return !dead;
    },
    close,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stops our process by PID and waits (up to 3 s, then SIGKILL) until it is gone; its sockets go with it. */
export async function stopProcess(pid: number | undefined, match: string): Promise<void> {
  if (pid === undefined || !isOurProcess(pid, match)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 300 && existsSync(`/proc/${pid}`) && isOurProcess(pid, match); i++) await sleep(10);
  if (isOurProcess(pid, match)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
    for (let i = 0; i < 100 && isOurProcess(pid, match); i++) await sleep(10);
  }
}

/**
 * Runs a program that daemonizes (dnsmasq without --keep-in-foreground): the parent's exit status is a synchronous
 * verdict on its configuration, the child writes `pidFile`. A process of ours that was just stopped may still hold
 * its sockets for a moment on a loaded host: "Address already in use" is retried briefly.
 */
export async function startDaemonizing(argv: string[], pidFile: string): Promise<number> {
  rmSync(pidFile, { force: true });
  let r = await exec({ argv });
  for (let i = 0; i < 5 && r.code !== 0 && /Address already in use/.test(r.stderr); i++) {
    await sleep(300);
    r = await exec({ argv });
  }
  if (r.code !== 0) {
    throw new Error(
      (r.stderr.trim() || r.stdout.trim() || `${argv[0]} exited with status ${r.code}`).replace(/\n+/g, '; '),
    );
  }
  // dnsmasq writes it before its parent exits; FRR's daemons may write it a moment after
  let pid = readPid(pidFile);
  for (let i = 0; i < 60 && pid === undefined; i++) {
    await sleep(50);
    pid = readPid(pidFile);
  }
  if (pid === undefined) throw new Error(`${argv[0]} started but wrote no pid file ${pidFile}`);
  return pid;
}
