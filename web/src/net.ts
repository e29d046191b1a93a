// IPv4 numbers for the create form and DHCP pool sizes, on the model's address maths (src/model/addr.ts), so
// the UI accepts exactly the addresses the daemon does. The form's arithmetic works on 32-bit numbers.
import {
  broadcastOf,
  formatIp,
  prefixToNetmask as maskOfPrefix,
  parseCidr,
  parseIPv4,
  parseIPv6,
  parseIp,
  netmaskToPrefix as prefixOfMask,
  rangeSize as sizeOfRange,
} from '../../src/model/addr';

export function parseIp4(s: string): number | undefined {
  const a = parseIPv4(s.trim());
  return a ? Number(a.value) : undefined;
}

export function formatIp4(n: number): string {
  return formatIp({ family: 4, value: BigInt(n >>> 0) });
}

export interface Cidr4 {
  network: number;
  prefix: number;
  broadcast: number;
  /** The address as typed (may have host bits set). */
  address: number;
}

export function parseCidr4(s: string): Cidr4 | undefined {
  const t = s.trim();
  const subnet = parseCidr(t);
  const address = parseIp4(t.slice(0, t.indexOf('/')));
  if (!subnet || subnet.family !== 4 || address === undefined) return undefined;
  return {
    network: Number(subnet.network),
    prefix: subnet.prefix,
    broadcast: Number(broadcastOf(subnet)),
    address,
  };
}

export function prefixToNetmask(prefix: number): string {
  return formatIp(maskOfPrefix(4, prefix));
}

export function netmaskToPrefix(mask: string): number | undefined {
  const a = parseIPv4(mask.trim());
  return a ? prefixOfMask(a) : undefined;
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
  const a = parseIp(start.trim());
  const b = parseIp(end.trim());
  if (!a || !b || a.family !== b.family || b.value < a.value) return 0;
  return Number(sizeOfRange(a, b));
}

export function parseIp6(s: string): bigint | undefined {
  return parseIPv6(s.trim())?.value;
}
