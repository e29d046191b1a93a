// What the UI shows of libvirt network XML, read with the model's parser (src/model/network-parse.ts, the one
// the daemon uses), and the XML the create form defines.
import { formatSubnet } from '../../src/model/addr';
import type { NetworkDef } from '../../src/model/network-def';
import { formatNetworkXml } from '../../src/model/network-format';
import { ipPrefix, ipSubnet } from '../../src/model/network-ip';
import { parseNetworkXml as parseDef } from '../../src/model/network-parse';
import { rangeSize } from './net';

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

const text = (v: number | boolean | undefined, yes = 'yes', no = 'no'): string | undefined =>
  v === undefined ? undefined : typeof v === 'boolean' ? (v ? yes : no) : String(v);

/** The UI's view of a parsed definition. */
export function netXmlOf(def: NetworkDef): NetXml {
  const ips: IpBlock[] = def.ips.map((ip) => {
    const address = ip.address ?? '';
    const family = ip.family === 'ipv6' || address.includes(':') ? 'ipv6' : 'ipv4';
    const prefix = ipPrefix(ip) ?? (family === 'ipv6' ? 64 : 24);
    const subnet = ipSubnet(ip);
    return {
      family,
      address,
      prefix,
      cidr: `${address}/${prefix}`,
      subnet: subnet ? formatSubnet(subnet) : `${address}/${prefix}`,
      ranges: (ip.dhcp?.ranges ?? []).map((r) => ({ start: r.start, end: r.end })),
      hosts: (ip.dhcp?.hosts ?? []).flatMap((h): DhcpHost[] => {
        if (!h.ip) return [];
        const host: DhcpHost = { ip: h.ip };
        if (h.mac) host.mac = h.mac.toLowerCase();
        if (h.id) host.id = h.id;
        if (h.name) host.name = h.name;
        return [host];
      }),
    };
  });
  const dns: DnsInfo = {
    forwarders: (def.dns?.forwarders ?? []).map((f) => ({
      ...(f.addr ? { addr: f.addr } : {}),
      ...(f.domain ? { domain: f.domain } : {}),
    })),
    hosts: (def.dns?.hosts ?? []).map((h) => ({ ip: h.ip, hostnames: [...h.hostnames] })),
    txts: (def.dns?.txts ?? []).map((t) => ({ name: t.name, value: t.value })),
    srvs: (def.dns?.srvs ?? []).map((r) => {
      const srv: DnsSrv = { service: r.service ?? '', protocol: r.protocol ?? '' };
      for (const k of ['domain', 'target', 'port', 'priority', 'weight'] as const) {
        const v = r[k];
        if (v !== undefined) srv[k] = String(v);
      }
      return srv;
    }),
  };
  const enable = text(def.dns?.enable);
  if (enable) dns.enable = enable;
  const out: NetXml = { name: def.name, forwardMode: def.forward?.mode ?? 'isolated', ips, dns };
  const set = (k: keyof NetXml, v: string | undefined) => {
    if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  };
  set('uuid', def.uuid);
  set('forwardDev', def.forward?.dev ?? def.forward?.interfaces[0]?.dev);
  set('bridge', def.bridge?.name);
  set('stp', text(def.bridge?.stp, 'on', 'off'));
  set('delay', text(def.bridge?.delay));
  set('mac', def.mac?.toLowerCase());
  set('mtu', text(def.mtu));
  set('domain', def.domain?.name);
  return out;
}

/** Parses network XML as the daemon does; throws the model's error (with its line) when it is not valid. */
export function parseNetworkXml(xml: string): NetXml {
  return netXmlOf(parseDef(xml));
}

/**
 * A copy of a definition under a new name: no UUID, no MAC and (unless it names a host bridge in bridge mode)
 * no bridge name, so the daemon picks fresh ones.
 */
export function cloneNetworkXml(xml: string, newName: string): string {
  const def = parseDef(xml);
  def.uuid = undefined;
  def.mac = undefined;
  def.name = newName;
  if (def.bridge && def.forward?.mode !== 'bridge') def.bridge = { ...def.bridge, name: undefined };
  return formatNetworkXml(def);
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
