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
  // this runs on every start, over a thousand lines with a thousand networks: fields are found with indexOf
  // rather than by splitting every line into strings (which was most of the read's cost, and its garbage)
  const out: HostRoute[] = [];
  let at = text.indexOf('\n') + 1;
  while (at > 0 && at < text.length) {
    const end = text.indexOf('\n', at);
    const stop = end < 0 ? text.length : end;
    const f1 = text.indexOf('\t', at);
    let f7 = f1;
    for (let i = 0; i < 6 && f7 >= 0 && f7 < stop; i++) f7 = text.indexOf('\t', f7 + 1);
    if (f1 >= 0 && f7 >= 0 && f7 < stop) {
      const dst = leHex32(text.slice(f1 + 1, f1 + 9), text.charCodeAt(f1 + 9));
      const mask = leHex32(text.slice(f7 + 1, f7 + 9), text.charCodeAt(f7 + 9));
      const hostBits = mask === undefined ? 0 : ~mask >>> 0;
      // (not a contiguous netmask: skipped)
      if (dst !== undefined && mask !== undefined && mask !== 0 && (hostBits & (hostBits + 1)) === 0) {
        const subnet: Subnet = {
          family: 4,
          network: BigInt((dst & mask) >>> 0),
          prefix: Math.clz32(hostBits),
        };
        out.push({ dev: text.slice(at, f1).trim(), subnet });
      }
    }
    at = end + 1;
  }
  return out;
}

/** A little-endian 32-bit hex word (as /proc prints it) as an unsigned number; `after`: the code that follows it. */
function leHex32(hex: string, after: number): number | undefined {
  if (hex.length !== 8 || after !== 9 /* tab */) return undefined;
  const x = Number(`0x${hex}`);
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

/**
 * The device of a default route among lines of /proc/net/route (header included): a name when found, `null` once
 * a route to any other destination shows that none can follow, `undefined` when these lines do not tell yet.
 */
export function defaultRouteIn(lines: string[]): string | null | undefined {
  for (const line of lines) {
    const f = line.split('\t');
    if (f.length < 8 || f[0] === 'Iface') continue;
    if (f[1] === '00000000' && f[7] === '00000000') return f[0];
    // destination 0.0.0.0 sorts first: a default route comes before every other
    if (f[1] !== '00000000') return null;
  }
  return undefined;
}

/**
 * The device of the IPv4 default route (the uplink a NAT network leaves through), if there is one. Read piece by
 * piece until it is known: the kernel lists the main table in address order, so the default route comes first and
 * a thousand networks' routes after it are never read, also when there is none (this runs on every list request
 * and every start).
 */
export function defaultRouteDevice(): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync('/proc/net/route', 'r');
    const buf = Buffer.alloc(8192);
    let rest = '';
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) return defaultRouteIn([rest]) ?? undefined;
      const lines = (rest + buf.toString('latin1', 0, n)).split('\n');
      rest = lines.pop() ?? '';
      const dev = defaultRouteIn(lines);
      if (dev !== undefined) return dev ?? undefined;
    }
  } catch {
    // no /proc: no uplink to name
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
