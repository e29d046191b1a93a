// Pull what the UI shows out of libvirt network XML (parsed with the browser's DOMParser), and build the XML
// the create form defines.
import { formatIp4, netmaskToPrefix, parseCidr4, rangeSize } from './net';

function subnetOf(address: string, prefix: number, family: 'ipv4' | 'ipv6'): string {
  const c = family === 'ipv4' ? parseCidr4(`${address}/${prefix}`) : undefined;
  return c ? `${formatIp4(c.network)}/${c.prefix}` : `${address}/${prefix}`;
}

export interface DhcpRange {
  start: string;
  end: string;
}

export interface DhcpHost {
  mac?: string;
  /** IPv6: the client's DUID. */
  id?: string;
  name?: string;
  ip: string;
}

export interface IpBlock {
  family: 'ipv4' | 'ipv6';
  address: string;
  prefix: number;
  /** address/prefix as written in the definition (the gateway's address). */
  cidr: string;
  /** The subnet (network address/prefix) for IPv4; the cidr for IPv6. */
  subnet: string;
  ranges: DhcpRange[];
  hosts: DhcpHost[];
}

export interface NetXml {
  name: string;
  uuid?: string;
  forwardMode: string;
  forwardDev?: string;
  bridge?: string;
  stp?: string;
  delay?: string;
  mac?: string;
  mtu?: string;
  domain?: string;
  ips: IpBlock[];
  dns: DnsInfo;
}

export interface DnsSrv {
  service: string;
  protocol: string;
  domain?: string;
  target?: string;
  port?: string;
  priority?: string;
  weight?: string;
}

export interface DnsInfo {
  enable?: string;
  forwarders: Array<{ addr?: string; domain?: string }>;
  hosts: Array<{ ip: string; hostnames: string[] }>;
  txts: Array<{ name: string; value: string }>;
  srvs: DnsSrv[];
}

function attr(el: Element | null | undefined, name: string): string | undefined {
  const v = el?.getAttribute(name);
  return v === null || v === undefined || v === '' ? undefined : v;
}

function child(el: Element, tag: string): Element | null {
  for (const c of Array.from(el.children)) if (c.tagName === tag) return c;
  return null;
}

function children(el: Element, tag: string): Element[] {
  return Array.from(el.children).filter((c) => c.tagName === tag);
}

export function parseNetworkXml(xml: string): NetXml {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  const root = doc.documentElement;
  if (root?.tagName !== 'network' || doc.getElementsByTagName('parsererror').length > 0) {
    throw new Error('not a network XML document');
  }
  const forward = child(root, 'forward');
  const bridge = child(root, 'bridge');
  const ips: IpBlock[] = children(root, 'ip').map((ip) => {
    const address = attr(ip, 'address') ?? '';
    const family = attr(ip, 'family') === 'ipv6' || address.includes(':') ? 'ipv6' : 'ipv4';
    const netmask = attr(ip, 'netmask');
    const prefix = Number(
      attr(ip, 'prefix') ?? (netmask ? netmaskToPrefix(netmask) : family === 'ipv6' ? 64 : 24),
    );
    const dhcp = child(ip, 'dhcp');
    return {
      family,
      address,
      prefix,
      cidr: `${address}/${prefix}`,
      subnet: subnetOf(address, prefix, family),
      ranges: dhcp
        ? children(dhcp, 'range').map((r) => ({ start: attr(r, 'start') ?? '', end: attr(r, 'end') ?? '' }))
        : [],
      hosts: dhcp
        ? children(dhcp, 'host').flatMap((h): DhcpHost[] => {
            const hostIp = attr(h, 'ip');
            if (!hostIp) return [];
            const host: DhcpHost = { ip: hostIp };
            const mac = attr(h, 'mac');
            const name = attr(h, 'name');
            const id = attr(h, 'id');
            if (mac) host.mac = mac.toLowerCase();
            if (id) host.id = id;
            if (name) host.name = name;
            return [host];
          })
        : [],
    };
  });
  const out: NetXml = {
    name: child(root, 'name')?.textContent?.trim() ?? '',
    forwardMode: forward ? (attr(forward, 'mode') ?? 'nat') : 'isolated',
    ips,
    dns: parseDns(child(root, 'dns')),
  };
  const set = (k: keyof NetXml, v: string | undefined) => {
    if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  };
  set('uuid', child(root, 'uuid')?.textContent?.trim() || undefined);
  set('forwardDev', attr(forward, 'dev') ?? attr(forward ? child(forward, 'interface') : null, 'dev'));
  set('bridge', attr(bridge, 'name'));
  set('stp', attr(bridge, 'stp'));
  set('delay', attr(bridge, 'delay'));
  set('mac', attr(child(root, 'mac'), 'address')?.toLowerCase());
  set('mtu', attr(child(root, 'mtu'), 'size'));
  set('domain', attr(child(root, 'domain'), 'name'));
  return out;
}

function parseDns(dns: Element | null): DnsInfo {
  const out: DnsInfo = { forwarders: [], hosts: [], txts: [], srvs: [] };
  if (!dns) return out;
  const enable = attr(dns, 'enable');
  if (enable) out.enable = enable;
  for (const f of children(dns, 'forwarder')) {
    const fw: { addr?: string; domain?: string } = {};
    const a = attr(f, 'addr');
    const dom = attr(f, 'domain');
    if (a) fw.addr = a;
    if (dom) fw.domain = dom;
    out.forwarders.push(fw);
  }
  for (const h of children(dns, 'host'))
    out.hosts.push({
      ip: attr(h, 'ip') ?? '',
      hostnames: children(h, 'hostname').map((n) => n.textContent?.trim() ?? ''),
    });
  for (const t of children(dns, 'txt'))
    out.txts.push({ name: attr(t, 'name') ?? '', value: attr(t, 'value') ?? '' });
  for (const r of children(dns, 'srv')) {
    const srv: DnsSrv = { service: attr(r, 'service') ?? '', protocol: attr(r, 'protocol') ?? '' };
    for (const k of ['domain', 'target', 'port', 'priority', 'weight'] as const) {
      const v = attr(r, k);
      if (v !== undefined) srv[k] = v;
    }
    out.srvs.push(srv);
  }
  return out;
}

/**
 * A copy of a definition under a new name: no UUID, no MAC and (unless it names a host bridge in bridge mode)
 * no bridge name, so the daemon picks fresh ones.
 */
export function cloneNetworkXml(xml: string, newName: string): string {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  const root = doc.documentElement;
  if (root?.tagName !== 'network' || doc.getElementsByTagName('parsererror').length > 0)
    throw new Error('not a network XML document');
  for (const tag of ['uuid', 'mac']) child(root, tag)?.remove();
  const nameEl = child(root, 'name');
  if (nameEl) nameEl.textContent = newName;
  const mode = attr(child(root, 'forward'), 'mode');
  const bridge = child(root, 'bridge');
  if (bridge && mode !== 'bridge') bridge.removeAttribute('name');
  // Whitespace nodes left by the removed elements: collapse blank lines.
  return new XMLSerializer().serializeToString(doc).replace(/\n\s*\n/g, '\n') + '\n';
}

/** Total addresses in every DHCP range of the network. */
export function poolSize(n: NetXml): number {
  let total = 0;
  for (const ip of n.ips) for (const r of ip.ranges) total += rangeSize(r.start, r.end);
  return total;
}

/** "NAT", "Routed", "Open", "Isolated", "Bridge br0", with the uplink device when the XML names one. */
export function modeLabel(mode: string, n?: NetXml, bridge?: string, uplink?: string): string {
  const dev = n?.forwardDev ?? uplink;
  const via = dev ? ` → ${dev}` : '';
  switch (mode) {
    case 'nat':
      return 'NAT' + via;
    case 'route':
      return 'Routed' + via;
    case 'open':
      return 'Open';
    case 'isolated':
    case 'none':
    case '':
      return 'Isolated';
    case 'bridge':
      return `Bridge ${n?.bridge ?? bridge ?? dev ?? ''}`.trim();
    default:
      return mode.charAt(0).toUpperCase() + mode.slice(1) + via;
  }
}

/**
 * Whether two definitions agree on what the UI shows (for the "config differs" banner). Compares the parsed
 * fields, not the text: the live XML carries defaults the daemon fills in (e.g. NAT port ranges).
 */
export function sameXml(a: string, b: string): boolean {
  try {
    return JSON.stringify(parseNetworkXml(a)) === JSON.stringify(parseNetworkXml(b));
  } catch {
    const norm = (s: string) => s.replace(/>\s+</g, '><').replace(/\s+/g, ' ').trim();
    return norm(a) === norm(b);
  }
}

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;');
}

export interface CreateSpec {
  name: string;
  mode: 'nat' | 'route' | 'open' | 'isolated' | 'bridge';
  hostBridge?: string;
  gateway?: string;
  prefix?: number;
  dhcpStart?: string;
  dhcpEnd?: string;
  domain?: string;
  mtu?: number;
  stp?: boolean;
  ipv6?: { address: string; prefix: number };
}

export function buildNetworkXml(s: CreateSpec): string {
  const lines = ['<network>', `  <name>${esc(s.name)}</name>`];
  if (s.mode === 'bridge') {
    lines.push(`  <forward mode='bridge'/>`, `  <bridge name='${esc(s.hostBridge ?? '')}'/>`);
  } else {
    if (s.mode !== 'isolated') lines.push(`  <forward mode='${s.mode}'/>`);
    lines.push(`  <bridge stp='${s.stp === false ? 'off' : 'on'}' delay='0'/>`);
  }
  if (s.mtu) lines.push(`  <mtu size='${s.mtu}'/>`);
  if (s.mode !== 'bridge') {
    if (s.domain) lines.push(`  <domain name='${esc(s.domain)}'/>`);
    if (s.gateway && s.prefix !== undefined) {
      if (s.dhcpStart && s.dhcpEnd) {
        lines.push(
          `  <ip address='${esc(s.gateway)}' prefix='${s.prefix}'>`,
          '    <dhcp>',
          `      <range start='${esc(s.dhcpStart)}' end='${esc(s.dhcpEnd)}'/>`,
          '    </dhcp>',
          '  </ip>',
        );
      } else {
        lines.push(`  <ip address='${esc(s.gateway)}' prefix='${s.prefix}'/>`);
      }
    }
    if (s.ipv6)
      lines.push(`  <ip family='ipv6' address='${esc(s.ipv6.address)}' prefix='${s.ipv6.prefix}'/>`);
  }
  lines.push('</network>');
  return lines.join('\n') + '\n';
}
