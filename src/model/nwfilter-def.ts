// libvirt's network filter definition (<filter>): typed objects and the protocol attribute tables of
// nwfilter_conf.c, in libvirt's order (which decides parse errors and the attribute order libvirt prints). Pure.

import type { ParamTable, VarAccess } from './nwfilter-vars.js';

/** Attribute datatypes, as bits in libvirt's order: the parser tries them lowest bit first. */
export const DT = {
  UINT16: 1 << 0,
  UINT8: 1 << 1,
  UINT16_HEX: 1 << 2,
  UINT8_HEX: 1 << 3,
  MACADDR: 1 << 4,
  MACMASK: 1 << 5,
  IPADDR: 1 << 6,
  IPMASK: 1 << 7,
  STRING: 1 << 8,
  IPV6ADDR: 1 << 9,
  IPV6MASK: 1 << 10,
  STRINGCOPY: 1 << 11,
  BOOLEAN: 1 << 12,
  UINT32: 1 << 13,
  UINT32_HEX: 1 << 14,
  IPSETNAME: 1 << 15,
  IPSETFLAGS: 1 << 16,
  LAST: 1 << 17,
} as const;

export const ITEM_EXISTS = 1;
export const ITEM_NEG = 2;
export const ITEM_HAS_VAR = 4;

/** One attribute of a rule's protocol element, as libvirt's nwItemDesc holds it. */
export interface RuleItem {
  flags: number;
  /** The datatype the value was read as (decides hex or decimal printing). */
  datatype: number;
  /** number; MAC bytes; IPv6 groups; string; boolean; {mask, flags} (TCP flags); {n, bits} (ipset flags). */
  value?: unknown;
  varAccess?: VarAccess;
}

export type RuleAction = 'drop' | 'accept' | 'reject' | 'return' | 'continue';
export type RuleDirection = 'in' | 'out' | 'inout';
export const ACTIONS: readonly RuleAction[] = ['drop', 'accept', 'reject', 'return', 'continue'];
export const DIRECTIONS: readonly RuleDirection[] = ['in', 'out', 'inout'];

export const RULE_NO_STATEMATCH = 1 << 0;
export const STATE_NEW = 1 << 1;
export const STATE_ESTABLISHED = 1 << 2;
export const STATE_RELATED = 1 << 3;
export const STATE_INVALID = 1 << 4;
export const STATE_NONE = 1 << 5;
export const STATE_FLAGS = STATE_NEW | STATE_ESTABLISHED | STATE_RELATED | STATE_INVALID | STATE_NONE;

export interface RuleDef {
  action: RuleAction;
  direction: RuleDirection;
  priority: number;
  /** RULE_NO_STATEMATCH and the STATE_* flags of `state` attributes. */
  flags: number;
  /** Protocol element name ('none' when the rule has none). */
  protocol: string;
  items: Map<string, RuleItem>;
  /** Every distinct variable access of the rule, in order of first use (libvirt's varAccess list). */
  varAccess: VarAccess[];
}

export interface FilterRef {
  filter: string;
  params: ParamTable;
}

export type FilterEntry = { rule: RuleDef } | { ref: FilterRef };

export interface NwfilterDef {
  name: string;
  uuid: string;
  /** Whether the XML gave the UUID (else one was made). */
  uuidSpecified: boolean;
  chain: string;
  /** 0 and not printed when absent (also for chain 'root'). */
  chainPriority: number;
  entries: FilterEntry[];
}

export const MAX_RULE_PRIORITY = 1000;
export const MIN_RULE_PRIORITY = -1000;
export const MAX_CHAIN_SUFFIX = 12;
export const CHAIN_SUFFIXES = ['root', 'mac', 'vlan', 'stp', 'arp', 'rarp', 'ipv4', 'ipv6'] as const;
/** Default priorities of chains by prefix (libvirt's chain_priorities map; stp has none, so 0). */
export const CHAIN_PRIORITIES: Record<string, number> = {
  root: 0,
  mac: -800,
  vlan: -750,
  ipv4: -700,
  ipv6: -600,
  arp: -500,
  rarp: -400,
};

/** Attribute validators and formatters beyond the plain datatypes (nwfilter_conf.c's function pointers). */
export type Special =
  | 'macProtocol'
  | 'vlanId'
  | 'vlanProtocol'
  | 'arpOpcode'
  | 'ipProtocol'
  | 'dscp'
  | 'state'
  | 'tcpFlags'
  | 'ipset'
  | 'ipsetFlags';

export interface AttrSpec {
  name: string;
  types: number;
  special?: Special;
  maxLength?: number;
}

const a = (name: string, types: number, special?: Special): AttrSpec =>
  special ? { name, types, special } : { name, types };
const U16 = DT.UINT16 | DT.UINT16_HEX;
const U8 = DT.UINT8 | DT.UINT8_HEX;
const U32 = DT.UINT32 | DT.UINT32_HEX;
const COMMENT: AttrSpec = { name: 'comment', types: DT.STRINGCOPY, maxLength: 256 };

const MAC_PROPS = [
  a('srcmacaddr', DT.MACADDR),
  a('srcmacmask', DT.MACMASK),
  a('dstmacaddr', DT.MACADDR),
  a('dstmacmask', DT.MACMASK),
];

const ipProps = (addr: number, mask: number): AttrSpec[] => [
  a('srcmacaddr', DT.MACADDR),
  a('srcipaddr', addr),
  a('srcipmask', mask),
  a('dstipaddr', addr),
  a('dstipmask', mask),
  a('srcipfrom', addr),
  a('srcipto', addr),
  a('dstipfrom', addr),
  // libvirt declares dstipto as IPv4 for the -ipv6 protocols too
  a('dstipto', DT.IPADDR),
  a('dscp', U8, 'dscp'),
  a('connlimit-above', DT.UINT16),
  a('state', DT.STRING, 'state'),
  a('ipset', DT.IPSETNAME, 'ipset'),
  a('ipsetflags', DT.IPSETFLAGS, 'ipsetFlags'),
];
const PORT_PROPS = [
  a('srcportstart', U16),
  a('srcportend', U16),
  a('dstportstart', U16),
  a('dstportend', U16),
];
const V4 = ipProps(DT.IPADDR, DT.IPMASK);
const V6 = ipProps(DT.IPV6ADDR, DT.IPV6MASK);

const ARP: AttrSpec[] = [
  ...MAC_PROPS,
  a('hwtype', U16),
  a('protocoltype', U16),
  a('opcode', U16 | DT.STRING, 'arpOpcode'),
  a('arpsrcmacaddr', DT.MACADDR),
  a('arpdstmacaddr', DT.MACADDR),
  a('arpsrcipaddr', DT.IPADDR),
  a('arpsrcipmask', DT.IPMASK),
  a('arpdstipaddr', DT.IPADDR),
  a('arpdstipmask', DT.IPMASK),
  a('gratuitous', DT.BOOLEAN),
  COMMENT,
];

const STP: AttrSpec[] = [
  a('srcmacaddr', DT.MACADDR),
  a('srcmacmask', DT.MACMASK),
  a('type', U8),
  a('flags', U8),
  a('root-priority', U16),
  a('root-priority-hi', U16),
  a('root-address', DT.MACADDR),
  a('root-address-mask', DT.MACMASK),
  a('root-cost', U32),
  a('root-cost-hi', U32),
  a('sender-priority', U16),
  a('sender-priority-hi', U16),
  a('sender-address', DT.MACADDR),
  a('sender-address-mask', DT.MACMASK),
  a('port', U16),
  a('port-hi', U16),
  a('age', U16),
  a('age-hi', U16),
  a('max-age', U16),
  a('max-age-hi', U16),
  a('hello-time', U16),
  a('hello-time-hi', U16),
  a('forward-delay', U16),
  a('forward-delay-hi', U16),
  COMMENT,
];

const ICMP_PROPS = [a('type', U8), a('code', U8)];

/** Protocol elements in libvirt's virAttr order: the first one found in a rule decides its protocol. */
export const PROTOCOLS: ReadonlyArray<{ id: string; attrs: AttrSpec[] }> = [
  { id: 'arp', attrs: ARP },
  { id: 'rarp', attrs: ARP },
  {
    id: 'mac',
    attrs: [...MAC_PROPS, a('protocolid', U16 | DT.STRING, 'macProtocol'), COMMENT],
  },
  {
    id: 'vlan',
    attrs: [
      ...MAC_PROPS,
      a('vlanid', U16, 'vlanId'),
      a('encap-protocol', U16 | DT.STRING, 'vlanProtocol'),
      COMMENT,
    ],
  },
  { id: 'stp', attrs: STP },
  {
    id: 'ip',
    attrs: [
      ...MAC_PROPS,
      a('srcipaddr', DT.IPADDR),
      a('srcipmask', DT.IPMASK),
      a('dstipaddr', DT.IPADDR),
      a('dstipmask', DT.IPMASK),
      a('protocol', DT.STRING | U8, 'ipProtocol'),
      ...PORT_PROPS,
      a('dscp', U8, 'dscp'),
      COMMENT,
    ],
  },
  {
    id: 'ipv6',
    attrs: [
      ...MAC_PROPS,
      a('srcipaddr', DT.IPV6ADDR),
      a('srcipmask', DT.IPV6MASK),
      a('dstipaddr', DT.IPV6ADDR),
      a('dstipmask', DT.IPV6MASK),
      a('protocol', DT.STRING | U8, 'ipProtocol'),
      ...PORT_PROPS,
      a('type', U8),
      a('typeend', U8),
      a('code', U8),
      a('codeend', U8),
      COMMENT,
    ],
  },
  { id: 'tcp', attrs: [...V4, ...PORT_PROPS, a('option', U8), a('flags', DT.STRING, 'tcpFlags'), COMMENT] },
  { id: 'udp', attrs: [...V4, ...PORT_PROPS, COMMENT] },
  { id: 'udplite', attrs: [...V4, COMMENT] },
  { id: 'esp', attrs: [...V4, COMMENT] },
  { id: 'ah', attrs: [...V4, COMMENT] },
  { id: 'sctp', attrs: [...V4, ...PORT_PROPS, COMMENT] },
  { id: 'icmp', attrs: [...V4, ...ICMP_PROPS, COMMENT] },
  { id: 'all', attrs: [...V4, COMMENT] },
  { id: 'igmp', attrs: [...V4, COMMENT] },
  // libvirt 9.0 parses no `flags` on tcp-ipv6 (its schema allows it; the parser ignores it)
  { id: 'tcp-ipv6', attrs: [...V6, ...PORT_PROPS, a('option', U8), COMMENT] },
  { id: 'udp-ipv6', attrs: [...V6, ...PORT_PROPS, COMMENT] },
  { id: 'udplite-ipv6', attrs: [...V6, COMMENT] },
  { id: 'esp-ipv6', attrs: [...V6, COMMENT] },
  { id: 'ah-ipv6', attrs: [...V6, COMMENT] },
  { id: 'sctp-ipv6', attrs: [...V6, ...PORT_PROPS, COMMENT] },
  { id: 'icmpv6', attrs: [...V6, ...ICMP_PROPS, COMMENT] },
  { id: 'all-ipv6', attrs: [...V6, COMMENT] },
];

export function protocolAttrs(id: string): AttrSpec[] | undefined {
  return PROTOCOLS.find((p) => p.id === id)?.attrs;
}

/** Ethernet-level protocols (ebtables in libvirt); the rest are IP-level (iptables). */
export const L2_PROTOCOLS = new Set(['none', 'mac', 'vlan', 'stp', 'arp', 'rarp', 'ip', 'ipv6']);
export const IPV6_L3_PROTOCOLS = new Set([
  'tcp-ipv6',
  'icmpv6',
  'udp-ipv6',
  'udplite-ipv6',
  'esp-ipv6',
  'ah-ipv6',
  'sctp-ipv6',
  'all-ipv6',
]);

export const ETHERTYPES: Record<string, number> = {
  arp: 0x0806,
  rarp: 0x8035,
  ipv4: 0x0800,
  ipv6: 0x86dd,
  vlan: 0x8100,
};

export const ARP_OPCODES: ReadonlyArray<[number, string]> = [
  [1, 'Request'],
  [2, 'Reply'],
  [3, 'Request_Reverse'],
  [4, 'Reply_Reverse'],
  [5, 'DRARP_Request'],
  [6, 'DRARP_Reply'],
  [7, 'DRARP_Error'],
  [8, 'InARP_Request'],
  [9, 'ARP_NAK'],
];

export const IP_PROTOCOLS: ReadonlyArray<[number, string]> = [
  [6, 'tcp'],
  [17, 'udp'],
  [136, 'udplite'],
  [50, 'esp'],
  [51, 'ah'],
  [1, 'icmp'],
  [2, 'igmp'],
  [132, 'sctp'],
  [58, 'icmpv6'],
];

export const STATE_NAMES: ReadonlyArray<[number, string]> = [
  [STATE_NEW, 'NEW'],
  [STATE_ESTABLISHED, 'ESTABLISHED'],
  [STATE_RELATED, 'RELATED'],
  [STATE_INVALID, 'INVALID'],
  [STATE_NONE, 'NONE'],
];

export const TCP_FLAG_NAMES: ReadonlyArray<[number, string]> = [
  [0x1, 'FIN'],
  [0x2, 'SYN'],
  [0x4, 'RST'],
  [0x8, 'PSH'],
  [0x10, 'ACK'],
  [0x20, 'URG'],
  [0x3f, 'ALL'],
  [0x0, 'NONE'],
];

/** The filters a definition references, in order. */
export function filterRefs(def: NwfilterDef): string[] {
  return def.entries.flatMap((e) => ('ref' in e ? [e.ref.filter] : []));
}
