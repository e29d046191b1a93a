// IPv4 arithmetic for the create form and the DHCP pool sizes.

export function parseIp4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s.trim());
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

export function formatIp4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export interface Cidr4 {
  network: number;
  prefix: number;
  broadcast: number;
  /** The address as typed (may have host bits set). */
  address: number;
}

export function parseCidr4(s: string): Cidr4 | undefined {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(s.trim());
  if (!m) return undefined;
  const address = parseIp4(m[1]!);
  const prefix = Number(m[2]);
  if (address === undefined || prefix < 0 || prefix > 32) return undefined;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const network = (address & mask) >>> 0;
  const broadcast = (network | (~mask >>> 0)) >>> 0;
  return { network, prefix, broadcast, address };
}

export function prefixToNetmask(prefix: number): string {
  return formatIp4(prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);
}

export function netmaskToPrefix(mask: string): number | undefined {
  const n = parseIp4(mask);
  if (n === undefined) return undefined;
  let p = 0;
  while (p < 32 && n & (0x80000000 >>> p)) p++;
  return p;
}

/** Suggested gateway and DHCP range for a subnet: first host; second host .. last-but-one host. */
export function suggest(c: Cidr4): { gateway: string; start: string; end: string } | undefined {
  if (c.prefix > 30) return undefined;
  return {
    gateway: formatIp4(c.network + 1),
    start: formatIp4(c.network + 2),
    end: formatIp4(c.broadcast - 1),
  };
}

/** Number of addresses from start to end inclusive (IPv4 or IPv6); 0 when unparsable or reversed. */
export function rangeSize(start: string, end: string): number {
  const a = parseIp4(start);
  const b = parseIp4(end);
  if (a !== undefined && b !== undefined) return b >= a ? b - a + 1 : 0;
  const x = parseIp6(start);
  const y = parseIp6(end);
  if (x === undefined || y === undefined || y < x) return 0;
  return Number(y - x + 1n);
}

export function parseIp6(s: string): bigint | undefined {
  const t = s.trim().toLowerCase();
  if (!/^[0-9a-f:]+$/.test(t) || !t.includes(':')) return undefined;
  const halves = t.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = 8 - head.length - tail.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? fill : 0).fill('0'), ...tail];
  let v = 0n;
  for (const g of groups) {
    if (g.length === 0 || g.length > 4) return undefined;
    v = (v << 16n) + BigInt(parseInt(g, 16));
  }
  return v;
}
