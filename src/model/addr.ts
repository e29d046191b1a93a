// IPv4/IPv6 address maths: parsing, canonical formatting, prefixes, subnets. Pure; addresses as bigint.

export type Family = 4 | 6;

export interface IpAddr {
  family: Family;
  /** 32-bit (v4) or 128-bit (v6) value. */
  value: bigint;
}

const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses a dotted-quad IPv4 address; undefined when invalid. */
export function parseIPv4(text: string): IpAddr | undefined {
  const m = IPV4_RE.exec(text);
  if (!m) return undefined;
  let value = 0n;
  for (let i = 1; i <= 4; i++) {
    const part = m[i];
    if (part.length > 1 && part.startsWith('0')) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return { family: 4, value };
}

/** Parses an IPv6 address (with optional embedded IPv4 tail); undefined when invalid. */
export function parseIPv6(text: string): IpAddr | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  let head = text;
  let tail: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    const v4 = parseIPv4(text.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = v4.value;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const groups = s.split(':');
    const out: number[] = [];
    for (const g of groups) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const left = parseGroups(halves[0]);
  const right = halves.length === 2 ? parseGroups(halves[1]) : [];
  if (!left || !right) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - left.length - right.length;
    if (missing < 1) return undefined;
    groups = [...left, ...new Array<number>(missing).fill(0), ...right];
  } else {
    groups = left;
  }
  if (groups.length !== 8) return undefined;
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(g);
  if (tail !== undefined) value = (value & ~0xffffffffn) | tail;
  return { family: 6, value };
}

/** Parses either family. */
export function parseIp(text: string): IpAddr | undefined {
  return text.includes(':') ? parseIPv6(text) : parseIPv4(text);
}

export function bits(family: Family): number {
  return family === 4 ? 32 : 128;
}

/** Canonical text: dotted quad, or IPv6 as glibc's inet_ntop writes it (RFC 5952, ::ffff:a.b.c.d kept dotted). */
export function formatIp(addr: IpAddr): string {
  if (addr.family === 4) {
    const v = addr.value;
    return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((addr.value >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  // glibc's inet_ntop (which libvirt prints with) writes an embedded IPv4 address in dotted form
  if (bestStart === 0 && (bestLen === 6 || (bestLen === 5 && groups[5] === 0xffff))) {
    const v4 = formatIp({ family: 4, value: addr.value & 0xffffffffn });
    return bestLen === 5 ? `::ffff:${v4}` : `::${v4}`;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  const left = hex.slice(0, bestStart).join(':');
  const right = hex.slice(bestStart + bestLen).join(':');
  return `${left}::${right}`;
}

/** Mask with the top `prefix` bits set. */
export function prefixMask(family: Family, prefix: number): bigint {
  const total = BigInt(bits(family));
  const all = (1n << total) - 1n;
  return (all << (total - BigInt(prefix))) & all;
}

/** Prefix length of a contiguous netmask, or undefined when the mask has holes. */
export function netmaskToPrefix(mask: IpAddr): number | undefined {
  const total = bits(mask.family);
  for (let p = 0; p <= total; p++) {
    if (prefixMask(mask.family, p) === mask.value) return p;
  }
  return undefined;
}

export function prefixToNetmask(family: Family, prefix: number): IpAddr {
  return { family, value: prefixMask(family, prefix) };
}

/** libvirt's classful default prefix for an IPv4 address given without netmask or prefix. */
export function classfulPrefix(addr: IpAddr): number | undefined {
  if (addr.family === 6) return 64;
  const first = Number(addr.value >> 24n);
  if (first < 128) return 8;
  if (first < 192) return 16;
  if (first < 224) return 24;
  return undefined;
}

export interface Subnet {
  family: Family;
  /** Network address (host bits cleared). */
  network: bigint;
  prefix: number;
}

export function subnetOf(addr: IpAddr, prefix: number): Subnet {
  return { family: addr.family, network: addr.value & prefixMask(addr.family, prefix), prefix };
}

export function subnetContains(subnet: Subnet, addr: IpAddr): boolean {
  return (
    addr.family === subnet.family &&
    (addr.value & prefixMask(subnet.family, subnet.prefix)) === subnet.network
  );
}

export function subnetsOverlap(a: Subnet, b: Subnet): boolean {
  if (a.family !== b.family) return false;
  const p = Math.min(a.prefix, b.prefix);
  const mask = prefixMask(a.family, p);
  return (a.network & mask) === (b.network & mask);
}

export function broadcastOf(subnet: Subnet): bigint {
  return (
    subnet.network | (~prefixMask(subnet.family, subnet.prefix) & ((1n << BigInt(bits(subnet.family))) - 1n))
  );
}

export function formatSubnet(subnet: Subnet): string {
  return `${formatIp({ family: subnet.family, value: subnet.network })}/${subnet.prefix}`;
}

/** Parses "A/P" (CIDR). */
export function parseCidr(text: string): Subnet | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const addr = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!addr || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > bits(addr.family)) return undefined;
  return subnetOf(addr, prefix);
}

export function addrAdd(addr: IpAddr, delta: bigint): IpAddr {
  return { family: addr.family, value: addr.value + delta };
}

/** Number of addresses from start to end inclusive. */
export function rangeSize(start: IpAddr, end: IpAddr): bigint {
  return end.value - start.value + 1n;
}

const MAC_RE = /^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/;

export function isMac(text: string): boolean {
  return MAC_RE.test(text);
}

/** A multicast MAC has the lowest bit of the first octet set. */
export function isMulticastMac(mac: string): boolean {
  return (Number.parseInt(mac.slice(0, 2), 16) & 1) === 1;
}
