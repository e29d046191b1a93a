// DNS host records as the tab edits them: what an add would collide with (a name another address has, or a name
// DHCP already gives), the merge of new names into an address's record, and the names DHCP makes resolvable.
import type { Lease } from '../../src/api/types';
import { formatIp, parseIp } from '../../src/model/addr';
import type { DnsHost, NetworkDef } from '../../src/model/network-def';
import { reservationsOf } from './guest-choices';

/** A name dnsmasq answers because of DHCP: a reservation's name, or the host name a guest sent with its lease. */
export interface DhcpName {
  name: string;
  ip: string;
  source: 'reservation' | 'lease';
}

export function dhcpNames(def: NetworkDef | undefined, leases: Lease[]): DhcpName[] {
  const out: DhcpName[] = [];
  for (const h of reservationsOf(def))
    if (h.name && h.ip) out.push({ name: h.name, ip: h.ip, source: 'reservation' });
  for (const l of leases) {
    if (l.hostname && !out.some((o) => o.name.toLowerCase() === l.hostname?.toLowerCase()))
      out.push({ name: l.hostname, ip: l.ipaddr, source: 'lease' });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** The address in its canonical text (the daemon's), or undefined when it is not one. */
export function canonicalIp(text: string): string | undefined {
  const a = parseIp(text.trim());
  return a ? formatIp(a) : undefined;
}

export interface HostAddPlan {
  /** The record of this address exists: the new names are merged into it (net-update modify). */
  merge?: DnsHost;
  /** The names after the change (merged, without repeats). */
  names: string[];
  /** Names that resolve elsewhere already: dnsmasq would answer both addresses. */
  clashes: string[];
}

/** What adding these names for this address does, against the records and DHCP names of the network. */
export function planHostAdd(hosts: DnsHost[], dhcp: DhcpName[], ip: string, names: string[]): HostAddPlan {
  const lower = (s: string) => s.toLowerCase();
  const merge = hosts.find((h) => h.ip === ip);
  const all = [...(merge?.hostnames ?? [])];
  for (const n of names) if (!all.some((x) => lower(x) === lower(n))) all.push(n);
  const clashes: string[] = [];
  for (const n of names) {
    const other = hosts.find((h) => h.ip !== ip && h.hostnames.some((x) => lower(x) === lower(n)));
    if (other) clashes.push(`'${n}' already resolves to ${other.ip} (a DNS host record)`);
    const d = dhcp.find((x) => lower(x.name) === lower(n) && x.ip !== ip);
    if (d)
      clashes.push(
        `'${n}' already resolves to ${d.ip} (${d.source === 'lease' ? 'a DHCP lease' : 'a DHCP reservation'})`,
      );
  }
  return { ...(merge ? { merge } : {}), names: all, clashes };
}
