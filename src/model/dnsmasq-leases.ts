// dnsmasq lease files → Lease records (net-dhcp-leases). Pure.

import { parseIp, subnetContains } from './addr.js';
import type { NetworkDef } from './network-def.js';
import { ipSubnet } from './network-ip.js';

/** One DHCP lease as dnsmasq wrote it (net-dhcp-leases). */
export interface Lease {
  /** Seconds since epoch; 0 for infinite. */
  expiryTime: number;
  mac: string;
  protocol: 'ipv4' | 'ipv6';
  ipaddr: string;
  prefix: number;
  hostname?: string;
  clientid?: string;
  iaid?: string;
}

/**
 * The MAC inside a DHCPv6 client DUID of type LLT (1) or LL (3) with hardware type Ethernet (1), else ''.
 * dnsmasq's lease file has no MAC for IPv6 leases; most guests use one of these DUID types.
 */
export function macFromDuid(duid: string): string {
  const b = duid.split(':').map((x) => Number.parseInt(x, 16));
  if (b.some((x) => Number.isNaN(x) || x > 255) || b[0] !== 0 || b[2] !== 0 || b[3] !== 1) return '';
  const macStart = b[1] === 1 ? 8 : b[1] === 3 ? 4 : -1;
  if (macStart < 0 || b.length !== macStart + 6) return '';
  return b
    .slice(macStart)
    .map((x) => x.toString(16).padStart(2, '0'))
    .join(':');
}

/**
 * Parses dnsmasq's lease file: IPv4 lines `expiry mac ip hostname clientid`; after a `duid SERVER-DUID` line,
 * IPv6 lines `expiry iaid ip hostname client-duid`. '*' means absent; expiry 0 means an infinite lease.
 * `prefix` comes from the network's <ip> whose subnet holds the address (24 / 64 when none does).
 * Malformed lines are skipped: dnsmasq rewrites the file while we may be reading it.
 */
export function parseDnsmasqLeases(text: string, def: NetworkDef): Lease[] {
  const leases: Lease[] = [];
  const subnets = def.ips.map(ipSubnet).filter((s) => s !== undefined);
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || f[0] === 'duid') continue;
    const [expiry, second, ipText, hostname, client] = f as [
      string,
      string,
      string,
      string,
      string | undefined,
    ];
    const ip = parseIp(ipText);
    if (!ip || !/^\d+$/.test(expiry)) continue;
    const v4 = ip.family === 4;
    const clientid = client !== undefined && client !== '*' ? client : undefined;
    const subnet = subnets.find((s) => subnetContains(s, ip));
    const lease: Lease = {
      expiryTime: Number(expiry),
      mac: v4 ? second.toLowerCase() : clientid ? macFromDuid(clientid) : '',
      protocol: v4 ? 'ipv4' : 'ipv6',
      ipaddr: ipText,
      prefix: subnet?.prefix ?? (v4 ? 24 : 64),
    };
    if (hostname !== '*') lease.hostname = hostname;
    if (clientid !== undefined) lease.clientid = clientid;
    if (!v4) lease.iaid = second;
    leases.push(lease);
  }
  return leases;
}
