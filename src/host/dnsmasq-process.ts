// One dnsmasq per network: write its files, start it (it daemonizes; the parent's exit status tells whether the
// configuration was accepted), find it again after a daemon restart, stop it by PID.

import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { NetworkDef } from '../model/network-def.js';
import { networkFileName } from '../model/safe-strings.js';
import { dnsmasqArgs, renderDnsmasqFiles } from '../render/dnsmasq-conf.js';
import { writeFileAtomic } from './atomic-file.js';
import { exec } from './exec.js';

export interface DnsmasqFilesPaths {
  conf: string;
  hostsFile: string;
  addnHostsFile: string;
  leaseFile: string;
  pidFile: string;
}

export function dnsmasqPaths(stateDir: string, runDir: string, network: string): DnsmasqFilesPaths {
  const d = join(stateDir, 'dnsmasq');
  // encoded: no '#', '"', ',' or space in a dnsmasq config line, no dot file, injective across networks
  const name = networkFileName(network);
  return {
    conf: join(d, `${name}.conf`),
    hostsFile: join(d, `${name}.hostsfile`),
    addnHostsFile: join(d, `${name}.addnhosts`),
    leaseFile: join(d, `${name}.leases`),
    pidFile: join(runDir, 'network', `${name}.pid`),
  };
}

export function writeDnsmasqFiles(def: NetworkDef, p: DnsmasqFilesPaths): void {
  // dnsmasq reads its hosts files after dropping root (as nobody): the directory must be traversable
  mkdirSync(join(p.conf, '..'), { recursive: true, mode: 0o755 });
  mkdirSync(join(p.pidFile, '..'), { recursive: true });
  const files = renderDnsmasqFiles(def, {
    pidFile: p.pidFile,
    hostsFile: p.hostsFile,
    addnHostsFile: p.addnHostsFile,
  });
  writeFileAtomic(p.conf, files.conf, 0o644);
  if (files.hostsfile !== undefined) writeFileAtomic(p.hostsFile, files.hostsfile, 0o644);
  if (files.addnhosts !== undefined) writeFileAtomic(p.addnHostsFile, files.addnhosts, 0o644);
}

export function removeDnsmasqFiles(p: DnsmasqFilesPaths): void {
  // the lease file stays, as libvirt keeps it: guests get their addresses back after a restart
  for (const f of [p.conf, p.hostsFile, p.addnHostsFile, p.pidFile]) rmSync(f, { force: true });
}

/** Starts dnsmasq and returns its PID; throws with dnsmasq's own message when it refuses the configuration. */
export async function startDnsmasq(binary: string, p: DnsmasqFilesPaths): Promise<number> {
  rmSync(p.pidFile, { force: true });
  let r = await exec({ argv: [binary, ...dnsmasqArgs(p.conf, p.leaseFile)] });
  // a dnsmasq we just stopped may still hold its sockets for a moment on a loaded host
  for (let i = 0; i < 5 && r.code !== 0 && /Address already in use/.test(r.stderr); i++) {
    await new Promise((res) => setTimeout(res, 300));
    r = await exec({ argv: [binary, ...dnsmasqArgs(p.conf, p.leaseFile)] });
  }
  if (r.code !== 0) {
    throw new Error(
      (r.stderr.trim() || r.stdout.trim() || `dnsmasq exited with status ${r.code}`).replace(/\n+/g, '; '),
    );
  }
  const pid = readPid(p.pidFile);
  if (pid === undefined) throw new Error(`dnsmasq started but wrote no pid file ${p.pidFile}`);
  return pid;
}

export function readPid(pidFile: string): number | undefined {
  try {
    const n = Number(readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** True when `pid` is a live dnsmasq started with our configuration file (not a reused PID). */
export function isOurDnsmasq(pid: number, conf: string): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.some((a) => a === `--conf-file=${conf}`) && !isZombie(pid);
  } catch {
    return false;
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

/** Stops our dnsmasq by PID and waits (briefly) until it is gone. */
export async function stopDnsmasq(pid: number | undefined, conf: string): Promise<void> {
  if (pid === undefined || !isOurDnsmasq(pid, conf)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 300 && existsSync(`/proc/${pid}`) && isOurDnsmasq(pid, conf); i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  if (isOurDnsmasq(pid, conf)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
    // its sockets are only released once it is really gone
    for (let i = 0; i < 100 && isOurDnsmasq(pid, conf); i++) await new Promise((r) => setTimeout(r, 10));
  }
}
