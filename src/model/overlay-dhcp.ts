// DHCP and DNS of an overlay network on one member: its own slice of the DHCP range (cut the same way on every
// member from the sorted member list, so no two members hand out the same address), the bindings learned from
// EVPN MAC/IP routes as reservations (a guest that moves keeps its address), remote guests' names as DNS hosts,
// and the MTU in router advertisements. Pure: the result is the definition dnsmasq's files are rendered from.

import { addrAdd, formatIp, type IpAddr, parseIPv4, parseIp, rangeSize, subnetContains } from './addr.js';
import type { DhcpHost, DhcpRange, NetworkDef } from './network-def.js';
import { ipAddress, ipSubnet } from './network-ip.js';

/** A guest of the network on another member, as EVPN announced it (MAC/IP route), with its name if known. */
export interface OverlayBinding {
  mac: string;
  ip: string;
  /** The member that announced it. */
  vtep?: string;
  /** Its DHCP host name, when that member told it. */
  name?: string;
  /** When it was last announced (seconds since the epoch): old bindings are forgotten. */
  seen: number;
}

export interface MemberContext {
  /** Every member's VTEP in address order (the same list everywhere). */
  members: string[];
  /** This member's VTEP. */
  self: string;
  bindings: OverlayBinding[];
  mtu: number;
}

/** Part `index` of `count` of the ranges, taken as one sequence of addresses (the union, in order). */
export function sliceRanges(ranges: DhcpRange[], index: number, count: number): DhcpRange[] {
  const spans = ranges.flatMap((r) => {
    const s = parseIp(r.start);
    const e = parseIp(r.end);
    return s && e && e.value >= s.value ? [{ r, s, size: rangeSize(s, e) }] : [];
  });
  const total = spans.reduce((n, x) => n + x.size, 0n);
  const from = (total * BigInt(index)) / BigInt(count);
  const to = (total * BigInt(index + 1)) / BigInt(count);
  const out: DhcpRange[] = [];
  let offset = 0n;
  for (const { r, s, size } of spans) {
    const a = from > offset ? from - offset : 0n;
    const b = to - offset < size ? to - offset : size;
    if (a < b) {
      const piece: DhcpRange = { start: formatIp(addrAdd(s, a)), end: formatIp(addrAdd(s, b - 1n)) };
      if (r.lease) piece.lease = r.lease;
      out.push(piece);
    }
    offset += size;
  }
  return out;
}

/** Why the ranges cannot be shared among the members (fewer addresses than members), or undefined. */
export function sliceProblem(def: NetworkDef, members: number): string | undefined {
  for (const ip of def.ips) {
    const ranges = ip.dhcp?.ranges ?? [];
    if (!ranges.length) continue;
    const total = ranges.reduce((n, r) => {
      const s = parseIp(r.start);
      const e = parseIp(r.end);
      return s && e && e.value >= s.value ? n + rangeSize(s, e) : n;
    }, 0n);
    if (total < BigInt(members))
      return `the DHCP range of network '${def.name}' has ${total} address(es), fewer than the overlay's ${members} members: each member serves its own part of the range`;
  }
  return undefined;
}

function inSubnetOf(def: NetworkDef, ip: IpAddr): string | undefined {
  return def.ips.find((x) => {
    const s = ipSubnet(x);
    return s !== undefined && s.family === ip.family && subnetContains(s, ip);
  })?.address;
}

/** Host names dnsmasq accepts from a DHCP client (RFC 1123 labels); anything else stays out of its files. */
const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * The definition this member renders dnsmasq from: DHCP ranges cut to its slice, learned bindings as
 * reservations and their names as DNS hosts (never over the XML's own reservations), the MTU in RAs.
 */
export function memberDef(def: NetworkDef, ctx: MemberContext): NetworkDef {
  const out: NetworkDef = structuredClone(def);
  const index = ctx.members.indexOf(ctx.self);
  const count = ctx.members.length;
  const reservedMacs = new Set<string>();
  const reservedIps = new Set<string>();
  for (const ip of out.ips)
    for (const h of ip.dhcp?.hosts ?? []) {
      if (h.mac) reservedMacs.add(h.mac.toLowerCase());
      if (h.ip) reservedIps.add(h.ip);
    }
  for (const ip of out.ips) {
    if (!ip.dhcp) continue;
    if (index >= 0 && ip.dhcp.ranges.length) ip.dhcp.ranges = sliceRanges(ip.dhcp.ranges, index, count);
  }
  const wantDns = out.dns?.enable !== false;
  const namesByIp = new Map<string, string>();
  for (const b of [...ctx.bindings].sort((x, y) => x.seen - y.seen)) {
    const a = parseIPv4(b.ip);
    const mac = b.mac.toLowerCase();
    if (!a || !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(mac) || reservedMacs.has(mac) || reservedIps.has(b.ip))
      continue;
    const owner = inSubnetOf(out, a);
    const ipDef = out.ips.find((x) => x.address === owner && x.dhcp);
    if (!ipDef?.dhcp) continue;
    // the newest announcement of a MAC or an address wins (a guest that moved, an address given again)
    ipDef.dhcp.hosts = ipDef.dhcp.hosts.filter((h) => h.mac !== mac && h.ip !== b.ip);
    const host: DhcpHost = { mac, ip: b.ip };
    ipDef.dhcp.hosts.push(host);
    if (b.name && HOST_NAME.test(b.name)) namesByIp.set(b.ip, b.name);
  }
  if (wantDns && namesByIp.size) {
    out.dns = out.dns ?? { forwarders: [], txts: [], srvs: [], hosts: [] };
    const known = new Set(out.dns.hosts.map((h) => h.ip));
    for (const [ip, name] of namesByIp) if (!known.has(ip)) out.dns.hosts.push({ ip, hostnames: [name] });
  }
  const bridge = out.bridge?.name;
  const hasV6 = out.ips.some((ip) => ipAddress(ip)?.family === 6);
  if (bridge && hasV6) {
    // router advertisements carry the MTU too (guests using SLAAC never see DHCP's option 26)
    out.dnsmasqOptions = [
      ...out.dnsmasqOptions,
      `ra-param=${bridge},mtu:${ctx.mtu},0${out.forward ? '' : ',0'}`,
    ];
  }
  out.mtu = ctx.mtu;
  return out;
}
