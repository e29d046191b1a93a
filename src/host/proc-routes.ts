// The namespace's routes as libvirt reads them for its collision check: /proc/net/route (IPv4 main table) and
// /proc/net/ipv6_route. Reading /proc costs no process, which keeps start fast with a thousand networks.

import { readFileSync } from 'node:fs';
import { netmaskToPrefix, type Subnet, subnetOf } from '../model/addr.js';

export interface HostRoute {
  dev: string;
  subnet: Subnet;
}

/** Parses /proc/net/route: hex little-endian destination and mask; the default route is left out. */
export function parseProcRoute(text: string): HostRoute[] {
  const out: HostRoute[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const dst = leHex32(f[1] as string);
    const mask = leHex32(f[7] as string);
    if (dst === undefined || mask === undefined) continue;
    const prefix = netmaskToPrefix({ family: 4, value: mask });
    if (prefix === undefined || prefix === 0) continue;
    out.push({ dev: f[0] as string, subnet: subnetOf({ family: 4, value: dst }, prefix) });
  }
  return out;
}

function leHex32(hex: string): bigint | undefined {
  if (!/^[0-9A-Fa-f]{8}$/.test(hex)) return undefined;
  const b = hex.match(/../g) as string[];
  return BigInt(`0x${b.reverse().join('')}`);
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
