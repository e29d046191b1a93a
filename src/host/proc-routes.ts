// The namespace's routes as libvirt reads them for its collision check: /proc/net/route (IPv4 main table) and
// /proc/net/ipv6_route. Reading /proc costs no process, which keeps start fast with a thousand networks.

import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { type Subnet, subnetOf } from '../model/addr.js';

export interface HostRoute {
  dev: string;
  subnet: Subnet;
}

/** Parses /proc/net/route: hex little-endian destination and mask; the default route is left out. */
export function parseProcRoute(text: string): HostRoute[] {
  // plain numbers and string splits: with a thousand networks this runs on every start
  const out: HostRoute[] = [];
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const f = (lines[i] as string).split('\t');
    if (f.length < 8) continue;
    const dst = leHex32(f[1] as string);
    const mask = leHex32(f[7] as string);
    if (dst === undefined || mask === undefined || mask === 0) continue;
    const hostBits = ~mask >>> 0;
    if ((hostBits & (hostBits + 1)) !== 0) continue; // not a contiguous netmask
    const subnet: Subnet = { family: 4, network: BigInt((dst & mask) >>> 0), prefix: Math.clz32(hostBits) };
    out.push({ dev: (f[0] as string).trim(), subnet });
  }
  return out;
}

/** A little-endian 32-bit hex word (as /proc prints it) as an unsigned number. */
function leHex32(hex: string): number | undefined {
  if (hex.length !== 8) return undefined;
  const x = Number.parseInt(hex, 16);
  if (Number.isNaN(x)) return undefined;
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}

const RTF_LOCAL = 0x80000000;

/**
 * Parses /proc/net/ipv6_route, keeping routes that can collide with a network's subnet: not default, not the
 * host's own addresses (RTF_LOCAL), not link-local or multicast.
 */
export function parseProcIpv6Route(text: string): HostRoute[] {
  const out: HostRoute[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || !/^[0-9a-f]{32}$/.test(f[0] as string)) continue;
    const prefix = Number.parseInt(f[1] as string, 16);
    const flags = Number.parseInt(f[8] as string, 16);
    const dst = BigInt(`0x${f[0]}`);
    if (prefix === 0 || flags & RTF_LOCAL) continue;
    const top = Number(dst >> 112n);
    if ((top & 0xffc0) === 0xfe80 || (top & 0xff00) === 0xff00) continue;
    out.push({ dev: f[9] as string, subnet: subnetOf({ family: 6, value: dst }, prefix) });
  }
  return out;
}

/** The current namespace's routes of one family. */
export function readHostRoutes(family: 4 | 6): HostRoute[] {
  try {
    return family === 4
      ? parseProcRoute(readFileSync('/proc/net/route', 'utf8'))
      : parseProcIpv6Route(readFileSync('/proc/net/ipv6_route', 'utf8'));
  } catch {
    return [];
  }
}

/** The device of a default route among lines of /proc/net/route (header included), if one is there. */
export function defaultRouteIn(lines: string[]): string | undefined {
  for (const line of lines) {
    const f = line.split('\t');
    if (f[1] === '00000000' && f[7] === '00000000') return f[0];
  }
  return undefined;
}

/**
 * The device of the IPv4 default route (the uplink a NAT network leaves through), if there is one. Read piece by
 * piece until it is found: the kernel lists the main table in address order, so the default route comes first and
 * a thousand networks' routes after it are never read (this runs on every list request).
 */
export function defaultRouteDevice(): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync('/proc/net/route', 'r');
    const buf = Buffer.alloc(8192);
    let rest = '';
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) return defaultRouteIn([rest]);
      const lines = (rest + buf.toString('latin1', 0, n)).split('\n');
      rest = lines.pop() ?? '';
      const dev = defaultRouteIn(lines);
      if (dev !== undefined) return dev;
    }
  } catch {
    // no /proc: no uplink to name
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
