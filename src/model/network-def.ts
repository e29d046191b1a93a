// Typed form of libvirt's network XML (formatnetwork): the single source of truth for every layer.
// Optional fields are absent when the XML did not give them, so formatting can reproduce libvirt's output.

export type ForwardMode =
  | 'nat'
  | 'route'
  | 'open'
  | 'bridge'
  | 'private'
  | 'vepa'
  | 'passthrough'
  | 'hostdev';

export const FORWARD_MODES: readonly ForwardMode[] = [
  'nat',
  'route',
  'open',
  'bridge',
  'private',
  'vepa',
  'passthrough',
  'hostdev',
];

/** A generic XML element kept verbatim (used for <metadata> children). */
export interface XmlNode {
  /** Qualified name as written, e.g. "app1:foo". */
  name: string;
  /** Attributes in document order, including xmlns declarations. */
  attributes: Array<[string, string]>;
  children: Array<XmlNode | string>;
}

export interface NetworkDef {
  name: string;
  /** Lower-case canonical UUID; absent until defaults are applied. */
  uuid?: string;
  /** libvirt 9.7+ only: 9.0 ignores <title> and <description>, so the parser never fills these. */
  title?: string;
  description?: string;
  /** Children of <metadata>, kept verbatim. Absent when there is no <metadata>. */
  metadata?: XmlNode[];
  /** Namespaces the metadata uses but were declared outside it: libvirt declares them on <metadata>. */
  metadataNamespaces?: Array<[string, string]>;
  /** <network ipv6='yes'>: allow guest-to-guest IPv6 without an IPv6 address. */
  ipv6?: boolean;
  trustGuestRxFilters?: boolean;
  /** Live XML only: number of connected guest interfaces. */
  connections?: number;
  /** Absent: isolated network. */
  forward?: ForwardDef;
  bridge?: BridgeDef;
  mtu?: number;
  /** Lower-case MAC of the bridge. */
  mac?: string;
  domain?: DomainDef;
  dns?: DnsDef;
  vlan?: VlanDef;
  bandwidth?: BandwidthDef;
  /** <port isolated='yes|no'/> */
  portIsolated?: boolean;
  ips: IpDef[];
  routes: RouteDef[];
  virtualport?: VirtualPortDef;
  portgroups: PortGroupDef[];
  /** <dnsmasq:options><dnsmasq:option value=.../></dnsmasq:options>, in order. */
  dnsmasqOptions: string[];
}

export interface ForwardDef {
  /** Parser fills 'nat' when the attribute is absent. */
  mode: ForwardMode;
  dev?: string;
  managed?: boolean;
  interfaces: ForwardInterface[];
  pciAddresses: PciAddress[];
  pf?: { dev: string };
  driver?: { name?: string; model?: string };
  nat?: NatDef;
}

export interface ForwardInterface {
  dev: string;
  connections?: number;
}

export interface PciAddress {
  domain: number;
  bus: number;
  slot: number;
  function: number;
  connections?: number;
}

export interface NatDef {
  ipv6?: boolean;
  addressStart?: string;
  addressEnd?: string;
  portStart?: number;
  portEnd?: number;
}

export interface BridgeDef {
  name?: string;
  stp?: boolean;
  delay?: number;
  macTableManager?: 'kernel' | 'libvirt';
  zone?: string;
}

export interface DomainDef {
  name: string;
  localOnly?: boolean;
  register?: boolean;
}

export interface DnsDef {
  enable?: boolean;
  forwardPlainNames?: boolean;
  forwarders: DnsForwarder[];
  txts: DnsTxt[];
  srvs: DnsSrv[];
  hosts: DnsHost[];
}

export interface DnsForwarder {
  addr?: string;
  domain?: string;
  port?: number;
}

export interface DnsTxt {
  name: string;
  value: string;
}

export interface DnsSrv {
  service?: string;
  protocol?: string;
  domain?: string;
  target?: string;
  port?: number;
  priority?: number;
  weight?: number;
}

export interface DnsHost {
  ip: string;
  hostnames: string[];
}

export type IpFamily = 'ipv4' | 'ipv6';

export interface IpDef {
  /** As written; absent means IPv4 unless the address says otherwise. */
  family?: IpFamily;
  address?: string;
  /** IPv4 dotted netmask, exactly one of netmask/prefix (or neither: classful default). */
  netmask?: string;
  prefix?: number;
  localPtr?: boolean;
  tftpRoot?: string;
  dhcp?: DhcpDef;
}

export interface DhcpDef {
  ranges: DhcpRange[];
  hosts: DhcpHost[];
  bootp?: { file: string; server?: string };
}

export interface LeaseDef {
  /** 0 means infinite. */
  expiry: number;
  unit?: 'seconds' | 'minutes' | 'hours';
}

export interface DhcpRange {
  start: string;
  end: string;
  lease?: LeaseDef;
}

export interface DhcpHost {
  /** As written (libvirt keeps the text, upper case included). */
  mac?: string;
  /** DHCPv6 DUID. */
  id?: string;
  name?: string;
  ip?: string;
  lease?: LeaseDef;
}

export interface RouteDef {
  family?: IpFamily;
  address: string;
  netmask?: string;
  prefix?: number;
  gateway: string;
  metric?: number;
}

export interface BandwidthRate {
  average?: number;
  peak?: number;
  burst?: number;
  floor?: number;
}

export interface BandwidthDef {
  inbound?: BandwidthRate;
  outbound?: BandwidthRate;
}

export interface VlanTag {
  id: number;
  nativeMode?: 'tagged' | 'untagged';
}

export interface VlanDef {
  trunk?: boolean;
  tags: VlanTag[];
}

export type VirtualPortType = '802.1Qbg' | '802.1Qbh' | 'openvswitch' | 'midonet';

/** <virtualport> with its <parameters> (UUIDs in canonical form, numbers as numbers). */
export interface VirtualPortDef {
  type?: VirtualPortType;
  managerId?: number;
  typeId?: number;
  typeIdVersion?: number;
  instanceId?: string;
  profileId?: string;
  interfaceId?: string;
}

export interface PortGroupDef {
  name: string;
  default?: boolean;
  trustGuestRxFilters?: boolean;
  virtualport?: VirtualPortDef;
  bandwidth?: BandwidthDef;
  vlan?: VlanDef;
}

/** A network without any optional parts; handy for builders and tests. */
export function emptyNetworkDef(name: string): NetworkDef {
  return { name, ips: [], routes: [], portgroups: [], dnsmasqOptions: [] };
}

/** The mode a person would name: isolated when there is no <forward>. */
export function networkMode(def: NetworkDef): ForwardMode | 'isolated' {
  return def.forward ? def.forward.mode : 'isolated';
}

/** Modes where virtnet owns a bridge with addresses, dnsmasq and firewall rules (libvirt's "L3" modes). */
export function isRoutedL3Mode(mode: ForwardMode | 'isolated'): boolean {
  return mode === 'nat' || mode === 'route' || mode === 'open' || mode === 'isolated';
}
