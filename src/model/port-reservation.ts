// DHCP reservations of ports: a <host mac ip name> entry in the network's DHCP block, added when a port is made
// with an address and again at every start of the network (ports outlive stops). Pure.

import { parseIPv4, subnetContains } from './addr.js';
import { VirtError } from './errors.js';
import type { NetworkDef } from './network-def.js';
import { ipSubnet } from './network-ip.js';

export interface Reservation {
  mac: string;
  ip: string;
  /** The guest's name, when it is a valid host name (dnsmasq hands it out). */
  name?: string;
}

const HOSTNAME_RE = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const invalid = (msg: string) => new VirtError('INVALID_ARG', msg);

/** The owner's name if dnsmasq may use it as the host name of the reservation. */
export function reservationName(owner: string): string | undefined {
  return HOSTNAME_RE.test(owner) ? owner : undefined;
}

/** A copy of the definition with a DHCP host entry reserving `r.ip` for `r.mac`; refuses what cannot work. */
export function withReservation(def: NetworkDef, r: Reservation): NetworkDef {
  const addr = parseIPv4(r.ip);
  if (!addr) throw invalid(`'${r.ip}' is not an IPv4 address`);
  const next = structuredClone(def);
  const block = next.ips.find((x) => {
    const s = ipSubnet(x);
    return s?.family === 4 && subnetContains(s, addr);
  });
  if (!block?.dhcp) throw invalid(`${r.ip} is not inside a subnet of network '${def.name}' that has DHCP`);
  const s = ipSubnet(block);
  const offset = s ? addr.value - s.network : 0n;
  if (!s || offset === 0n || offset === (1n << BigInt(32 - s.prefix)) - 1n || block.address === r.ip) {
    throw invalid(`${r.ip} is not a guest address of network '${def.name}'`);
  }
  const same = block.dhcp.hosts.find((h) => h.ip === r.ip);
  if (same && same.mac === r.mac) return next;
  if (same) throw invalid(`${r.ip} is already reserved for ${same.mac ?? same.name ?? 'another host'}`);
  block.dhcp.hosts.push({ mac: r.mac, ip: r.ip, ...(r.name ? { name: r.name } : {}) });
  return next;
}

/** A copy without the reservation of `ip` for `mac`. */
export function withoutReservation(def: NetworkDef, mac: string, ip: string): NetworkDef {
  const next = structuredClone(def);
  for (const x of next.ips)
    if (x.dhcp) x.dhcp.hosts = x.dhcp.hosts.filter((h) => !(h.mac === mac && h.ip === ip));
  return next;
}
