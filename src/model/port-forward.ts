// Port forwards of a NAT network: typed objects, validation, and their home in the network XML — one element in
// <metadata> under virtnet's own namespace, so the file stays a valid libvirt network definition. Pure.

import { formatIp, parseIPv4, subnetContains } from './addr.js';
import { VirtError } from './errors.js';
import { type NetworkDef, networkMode, type XmlNode } from './network-def.js';
import { ipSubnet } from './network-ip.js';

export const FORWARDS_NS = 'https://virtnet.dev/xmlns/network-forwards/1';
const PREFIX = 'virtnet';

export type ForwardProto = 'tcp' | 'udp' | 'both';

export interface PortForward {
  proto: ForwardProto;
  /** Host address the forward listens on; absent: every address of the host. */
  listenAddress?: string;
  listenPort: number;
  /** Last port of a listen range; absent for one port. */
  listenPortEnd?: number;
  targetAddress: string;
  /** First target port; a range maps port by port onto targetPort… (same length as the listen range). */
  targetPort: number;
  description?: string;
}

/** The part of a forward that identifies it (what net-forward-delete names). */
export interface ForwardKey {
  proto: ForwardProto;
  listenAddress?: string;
  listenPort: number;
}

/** Most ports one forward may span: every port is one map element. */
export const MAX_RANGE = 4096;

const invalid = (msg: string) => new VirtError('INVALID_ARG', msg);

/** What is wrong with a port given as a number or digits (the API's schemas use the same words). */
export function portProblem(value: unknown, what: string): string | undefined {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 65535) {
    return `${what} must be a port number 1-65535, not '${String(value)}'`;
  }
  return undefined;
}

function port(value: unknown, what: string): number {
  const problem = portProblem(value, what);
  if (problem) throw invalid(problem);
  return Number(value);
}

/** What is wrong with an IPv4 address of a forward (the API's schemas use the same words). */
export function forwardIpv4Problem(value: unknown, what: string): string | undefined {
  return typeof value === 'string' && parseIPv4(value)
    ? undefined
    : `${what} must be an IPv4 address, not '${String(value)}'`;
}

function ipv4(value: unknown, what: string): string {
  const problem = forwardIpv4Problem(value, what);
  if (problem) throw invalid(problem);
  return formatIp(parseIPv4(value as string) as NonNullable<ReturnType<typeof parseIPv4>>);
}

/** Checks and normalises one forward as given by a client (API JSON or XML attributes). */
export function normalizeForward(input: Record<string, unknown>): PortForward {
  const proto = input.proto ?? 'tcp';
  if (proto !== 'tcp' && proto !== 'udp' && proto !== 'both') {
    throw invalid(`forward protocol must be tcp, udp or both, not '${String(proto)}'`);
  }
  const f: PortForward = {
    proto,
    listenPort: port(input.listenPort, 'listen port'),
    targetAddress: ipv4(input.targetAddress, 'forward target'),
    targetPort: 0,
  };
  const la = input.listenAddress;
  if (la !== undefined && la !== '' && la !== 'any' && la !== '0.0.0.0') {
    f.listenAddress = ipv4(la, 'listen address');
  }
  if (input.listenPortEnd !== undefined && input.listenPortEnd !== '') {
    const end = port(input.listenPortEnd, 'listen port range end');
    if (end < f.listenPort) throw invalid(`listen port range ${f.listenPort}-${end} is reversed`);
    if (end - f.listenPort + 1 > MAX_RANGE) {
      throw invalid(`listen port range ${f.listenPort}-${end} is longer than ${MAX_RANGE} ports`);
    }
    if (end !== f.listenPort) f.listenPortEnd = end;
  }
  f.targetPort = input.targetPort === undefined ? f.listenPort : port(input.targetPort, 'target port');
  if (f.targetPort + forwardSpan(f) - 1 > 65535) {
    throw invalid(`target ports ${f.targetPort}-${f.targetPort + forwardSpan(f) - 1} go past 65535`);
  }
  const d = input.description;
  if (d !== undefined && d !== '') {
    // printed in tables and kept in XML; never part of an nft rule or a dnsmasq file
    if (typeof d !== 'string' || d.length > 256 || /[\p{Cc}]/u.test(d)) {
      throw invalid('forward description must be at most 256 characters without control characters');
    }
    f.description = d;
  }
  return f;
}

/** Number of ports the forward spans. */
export function forwardSpan(f: PortForward): number {
  return (f.listenPortEnd ?? f.listenPort) - f.listenPort + 1;
}

export function protosOf(p: ForwardProto): Array<'tcp' | 'udp'> {
  return p === 'both' ? ['tcp', 'udp'] : [p];
}

/** "tcp 0.0.0.0:8080-8090" style label used in messages and tables. */
export function forwardLabel(f: ForwardKey & { listenPortEnd?: number }): string {
  const ports = f.listenPortEnd ? `${f.listenPort}-${f.listenPortEnd}` : `${f.listenPort}`;
  return `${f.proto} ${f.listenAddress ?? '0.0.0.0'}:${ports}`;
}

/** Two forwards clash when they share a protocol, a listen address (or one listens on all) and a port. */
export function forwardsClash(a: PortForward, b: PortForward): boolean {
  const protos = protosOf(a.proto).some((p) => protosOf(b.proto).includes(p));
  const addr =
    a.listenAddress === undefined || b.listenAddress === undefined || a.listenAddress === b.listenAddress;
  const aEnd = a.listenPortEnd ?? a.listenPort;
  const bEnd = b.listenPortEnd ?? b.listenPort;
  return protos && addr && a.listenPort <= bEnd && b.listenPort <= aEnd;
}

export function sameKey(f: ForwardKey, k: ForwardKey): boolean {
  return (
    f.proto === k.proto &&
    f.listenPort === k.listenPort &&
    (f.listenAddress ?? '') === (k.listenAddress ?? '')
  );
}

/**
 * A forward may join the network when the network is NAT, the target is a guest address inside one of its IPv4
 * subnets (not the network, broadcast or gateway address), and no other forward listens on an overlapping port.
 */
export function checkForward(def: NetworkDef, f: PortForward, others: PortForward[]): void {
  if (networkMode(def) !== 'nat') {
    throw new VirtError(
      'OPERATION_INVALID',
      `network '${def.name}' is not a NAT network: port forwards need <forward mode='nat'/>`,
    );
  }
  const target = parseIPv4(f.targetAddress);
  const subnets = def.ips.map((ip) => ({ ip, s: ipSubnet(ip) })).filter((x) => x.s?.family === 4);
  const inside = subnets.find((x) => x.s && target && subnetContains(x.s, target));
  if (!inside?.s || !target) {
    throw invalid(
      `forward target ${f.targetAddress} is outside network '${def.name}' (${subnets.map((x) => formatIp({ family: 4, value: x.s?.network ?? 0n })).join(', ') || 'no IPv4 subnet'})`,
    );
  }
  const host = (1n << BigInt(32 - inside.s.prefix)) - 1n;
  const offset = target.value - inside.s.network;
  if (offset === 0n || offset === host || inside.ip.address === f.targetAddress) {
    throw invalid(`forward target ${f.targetAddress} is not a guest address of network '${def.name}'`);
  }
  const clash = others.find((o) => forwardsClash(o, f));
  if (clash) {
    throw new VirtError(
      'OPERATION_INVALID',
      `forward ${forwardLabel(f)} clashes with existing forward ${forwardLabel(clash)} on network '${def.name}'`,
    );
  }
}

/** Resolves a target given as a DHCP host name of the network to its reserved address. */
export function resolveTarget(def: NetworkDef, target: string): string {
  if (parseIPv4(target)) return target;
  for (const ip of def.ips) {
    for (const h of ip.dhcp?.hosts ?? []) {
      if (h.name === target && h.ip && parseIPv4(h.ip)) return h.ip;
    }
  }
  throw invalid(
    `forward target '${target}' is neither an IPv4 address nor the name of a DHCP host reservation of network '${def.name}'`,
  );
}

function attr(n: XmlNode, name: string): string | undefined {
  return n.attributes.find(([k]) => k === name)?.[1];
}

function isForwardsNode(n: XmlNode): boolean {
  return (
    n.attributes.some(([k, v]) => k.startsWith('xmlns') && v === FORWARDS_NS) && /(^|:)forwards$/.test(n.name)
  );
}

/** The forwards stored in the definition's metadata (validated: a hand-edited file gets a clear error). */
export function readForwards(def: NetworkDef): PortForward[] {
  const node = def.metadata?.find(isForwardsNode);
  if (!node) return [];
  const out: PortForward[] = [];
  for (const c of node.children) {
    if (typeof c === 'string' || !/(^|:)forward$/.test(c.name)) continue;
    try {
      out.push(
        normalizeForward({
          proto: attr(c, 'proto'),
          listenAddress: attr(c, 'address'),
          listenPort: attr(c, 'port'),
          listenPortEnd: attr(c, 'portEnd'),
          targetAddress: attr(c, 'target'),
          targetPort: attr(c, 'targetPort'),
          description: attr(c, 'description'),
        }),
      );
    } catch (e) {
      const why = e instanceof VirtError ? e.detail : (e as Error).message;
      throw new VirtError('XML_ERROR', `invalid port forward in <metadata>: ${why}`);
    }
  }
  return out;
}

/** A copy of the definition whose metadata holds exactly these forwards (other metadata untouched). */
export function withForwards(def: NetworkDef, forwards: PortForward[]): NetworkDef {
  const others = (def.metadata ?? []).filter((n) => !isForwardsNode(n));
  if (forwards.length === 0) {
    const onlyOurs = (def.metadata?.length ?? 0) > 0 && others.length === 0;
    const copy = { ...def, metadata: onlyOurs ? undefined : def.metadata && others };
    if (!copy.metadata) delete copy.metadata;
    return copy;
  }
  const el = (f: PortForward): XmlNode => {
    const attributes: Array<[string, string]> = [['proto', f.proto]];
    if (f.listenAddress) attributes.push(['address', f.listenAddress]);
    attributes.push(['port', String(f.listenPort)]);
    if (f.listenPortEnd) attributes.push(['portEnd', String(f.listenPortEnd)]);
    attributes.push(['target', f.targetAddress], ['targetPort', String(f.targetPort)]);
    if (f.description) attributes.push(['description', f.description]);
    return { name: `${PREFIX}:forward`, attributes, children: [] };
  };
  const node: XmlNode = {
    name: `${PREFIX}:forwards`,
    attributes: [[`xmlns:${PREFIX}`, FORWARDS_NS]],
    children: forwards.map(el),
  };
  return { ...def, metadata: [...others, node] };
}
