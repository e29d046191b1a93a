// dnsmasq lease files → Lease records (net-dhcp-leases). Pure.

import type { Lease } from '../api/types.js';
import { parseIp, subnetContains } from './addr.js';
import type { NetworkDef } from './network-def.js';
import { ipSubnet } from './network-ip.js';

/**
 * Parses dnsmasq's lease file: IPv4 lines `expiry mac ip hostname clientid`; after a `duid SERVER-DUID` line,
 * IPv6 lines `expiry iaid ip hostname client-duid`. '*' means absent.
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
    const subnet = subnets.find((s) => subnetContains(s, ip));
    const lease: Lease = {
      expiryTime: Number(expiry),
      mac: ip.family === 4 ? second : '',
      protocol: ip.family === 4 ? 'ipv4' : 'ipv6',
      ipaddr: ipText,
      prefix: subnet?.prefix ?? (ip.family === 4 ? 24 : 64),
    };
    if (hostname !== '*') lease.hostname = hostname;
    if (client !== undefined && client !== '*') lease.clientid = client;
    if (ip.family === 6) lease.iaid = second;
    leases.push(lease);
  }
  return leases;
}
