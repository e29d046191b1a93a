// The netlink groups each rtnetlink socket of a process listens to: its socket inodes (from /proc/PID/fd) matched
// with the rows of /proc/PID/net/netlink (protocol 0 is NETLINK_ROUTE), each as a bit mask.

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export function routeGroups(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
    if (m) inodes.add(m[1] as string);
  }
  return readFileSync(`/proc/${pid}/net/netlink`, 'utf8')
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[1] === '0' && inodes.has(f[9] ?? ''))
    .map((f) => Number.parseInt(f[3] as string, 16));
}
