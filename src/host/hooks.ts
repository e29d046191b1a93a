// Network hook scripts on the host: finding them (hooks/network, then hooks/network.d/* in byte order, as libvirt
// 6.5+ does) and running them with libvirt's arguments, stdin and environment, each in a process group of its own
// so that a script that hangs is killed together with whatever it started (what a script that exits leaves running
// in the background stays: hooks that start helpers are common).

import { spawn } from 'node:child_process';
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { HookScript } from '../plan/hook-steps.js';

/** Output kept of a hook (its error message quotes it); the rest is dropped. */
const MAX_OUTPUT = 16 * 1024;
/** After a script exits, how long its output may still arrive (a background child may hold the pipe). */
const DRAIN_MS = 500;

function script(path: string): HookScript | undefined {
  try {
    if (!statSync(path).isFile()) return undefined;
  } catch {
    return undefined;
  }
  try {
    accessSync(path, constants.X_OK);
    return { path, executable: true };
  } catch {
    return { path, executable: false };
  }
}

/** The network hook scripts under `dir` (e.g. /etc/virtnet/hooks), in the order libvirt runs them. */
export function findHookScripts(dir: string): HookScript[] {
  const out: HookScript[] = [];
  const main = script(join(dir, 'network'));
  if (main) out.push(main);
  let names: string[] = [];
  try {
    names = readdirSync(join(dir, 'network.d'));
  } catch {
    // no network.d
  }
  // byte order, as libvirt sorts them (not the locale's order)
  for (const name of names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const s = script(join(dir, 'network.d', name));
    if (s) out.push(s);
  }
  return out;
}

/** libvirt's environment for hooks: LC_ALL=C, the daemon's PATH and HOME, nothing else; the cwd is /. */
export function hookEnvironment(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return {
    LC_ALL: 'C',
    PATH: env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: env.HOME ?? '/root',
  };
}

function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

/** Runs one script; resolves with why it failed, or undefined when it exited 0. */
export function runHookScript(
  path: string,
  args: string[],
  stdin: string,
  timeoutMs: number,
  env: Record<string, string> = hookEnvironment(),
): Promise<string | undefined> {
  const label = `hook script ${path}`;
  return new Promise((resolve) => {
    let out = '';
    let timedOut = false;
    let settled = false;
    const finish = (why: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(drain);
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve(why);
    };
    const child = spawn(path, args, { cwd: '/', env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const keep = (b: Buffer) => {
      if (out.length < MAX_OUTPUT) out += b.toString().slice(0, MAX_OUTPUT - out.length);
    };
    // stderr is what libvirt reports; stdout only when there is nothing else
    let err = '';
    child.stdout?.on('data', keep);
    child.stderr?.on('data', (b: Buffer) => {
      if (err.length < MAX_OUTPUT) err += b.toString().slice(0, MAX_OUTPUT - err.length);
    });
    let drain: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);
    child.once('error', (e) => finish(`could not run ${label}: ${e.message}`));
    const verdict = (code: number | null, signal: NodeJS.Signals | null): string | undefined => {
      if (timedOut) return `${label} did not finish within ${timeoutMs / 1000} s and was killed`;
      if (code === 0) return undefined;
      const text = (err.trim() || out.trim()).replace(/\s*\n\s*/g, ' ');
      const status = signal ? `was killed by ${signal}` : `exited with status ${code}`;
      return `${label} ${status}${text ? `: ${text}` : ''}`;
    };
    child.once('exit', (code, signal) => {
      // a child it left running in the background may hold our pipes: stop waiting for them soon
      drain = setTimeout(() => finish(verdict(code, signal)), DRAIN_MS);
      child.once('close', () => finish(verdict(code, signal)));
    });
    child.stdin?.on('error', () => {});
    child.stdin?.end(stdin);
  });
}

/** Runs every script in order (all of them, as libvirt does); returns the failures. */
export async function runHookScripts(
  scripts: string[],
  args: string[],
  stdin: string,
  timeoutMs: number,
): Promise<string[]> {
  const failures: string[] = [];
  for (const s of scripts) {
    const why = await runHookScript(s, args, stdin, timeoutMs);
    if (why) failures.push(why);
  }
  return failures;
}
