// Derived facts about a network's <ip> elements: family, prefix (netmask, prefix or classful default), subnet.

import { classfulPrefix, type IpAddr, netmaskToPrefix, parseIp, type Subnet, subnetOf } from './addr.js';
import type { IpDef, NetworkDef } from './network-def.js';

export function ipAddress(ip: IpDef): IpAddr | undefined {
  return ip.address === undefined ? undefined : parseIp(ip.address);
}

/** The prefix length libvirt uses: prefix, else netmask, else classful (IPv4) or 64 (IPv6). */
export function ipPrefix(ip: IpDef): number | undefined {
  const a = ipAddress(ip);
  if (!a) return undefined;
  if (ip.prefix !== undefined && ip.prefix > 0) return ip.prefix;
  if (ip.netmask) {
    const m = parseIp(ip.netmask);
    return m ? netmaskToPrefix(m) : undefined;
  }
  return a.family === 4 ? classfulPrefix(a) : 64;
}

export function ipSubnet(ip: IpDef): Subnet | undefined {
  const a = ipAddress(ip);
  const p = ipPrefix(ip);
  return a && p !== undefined ? subnetOf(a, p) : undefined;
}

export function ipsOfFamily(def: NetworkDef, family: 4 | 6): IpDef[] {
  return def.ips.filter((ip) => ipAddress(ip)?.family === family);
}
