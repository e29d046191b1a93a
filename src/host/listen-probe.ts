// The sockets this network namespace listens on, from /proc/net/{tcp,tcp6,udp,udp6} (no process, no ss): TCP in
// state LISTEN, UDP bound and unconnected. For the warning about forwards that would shadow a host service.

import { readFileSync } from 'node:fs';
import type { ListenSocket } from '../model/listen-sockets.js';

const TCP_LISTEN = '0A';
const UDP_UNCONNECTED = '07';

/** One /proc/net/{tcp,udp}[6] table; addresses are hex words in host (little-endian) order, ports big-endian. */
export function parseProcNetSockets(text: string, proto: 'tcp' | 'udp'): ListenSocket[] {
  const out: ListenSocket[] = [];
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const f = (lines[i] as string).trim().split(/\s+/);
    if (f.length < 4) continue;
    const st = f[3] as string;
    if (st !== (proto === 'tcp' ? TCP_LISTEN : UDP_UNCONNECTED)) continue;
    const [addrHex, portHex] = (f[1] as string).split(':');
    const address = addrHex ? hexAddress(addrHex) : undefined;
    const port = portHex ? Number.parseInt(portHex, 16) : Number.NaN;
    if (address === undefined || !Number.isInteger(port) || port <= 0) continue;
    out.push({ proto, address, port });
  }
  return out;
}

function hexAddress(hex: string): string | undefined {
  if (!/^[0-9A-Fa-f]+$/.test(hex)) return undefined;
  if (hex.length === 8) return leWord(hex).join('.');
  if (hex.length !== 32) return undefined;
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) bytes.push(...leWord(hex.slice(w * 8, w * 8 + 8)));
  const groups: string[] = [];
  for (let g = 0; g < 8; g++)
    groups.push(((bytes[2 * g] as number) * 256 + (bytes[2 * g + 1] as number)).toString(16));
  // an IPv4-mapped address (::ffff:a.b.c.d) is the IPv4 listener it is
  if (groups.slice(0, 5).every((x) => x === '0') && groups[5] === 'ffff') return bytes.slice(12).join('.');
  return compressIpv6(groups);
}

/** The four bytes of a 32-bit word printed little-endian, in network order. */
function leWord(hex: string): number[] {
  const b = [0, 2, 4, 6].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  return b.reverse();
}

function compressIpv6(groups: string[]): string {
  let best = -1;
  let len = 0;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > len) {
      best = i;
      len = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  if (len < 2) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + len).join(':')}`;
}

/** Every listener of the daemon's network namespace; a table that cannot be read counts as empty. */
export function readListenSockets(): ListenSocket[] {
  const out: ListenSocket[] = [];
  for (const [file, proto] of [
    ['tcp', 'tcp'],
    ['tcp6', 'tcp'],
    ['udp', 'udp'],
    ['udp6', 'udp'],
  ] as const) {
    try {
      out.push(...parseProcNetSockets(readFileSync(`/proc/net/${file}`, 'utf8'), proto));
    } catch {
      // no IPv6 in this kernel, or /proc not mounted: nothing to warn about from this table
    }
  }
  return out;
}
