// virtnet's traffic filters (libvirt nwfilter) as nftables text. Two tables of our own:
//   table bridge virtnet_filter  Ethernet-level rules: base chains dispatch by port name through verdict maps
//                                (from the guest: prerouting iifname; to the guest: postrouting oifname) to
//                                libvirt's per-port chains libvirt-I-PORT / libvirt-O-PORT and their sub-chains.
//   table inet virtnet_filter    IP-level rules with connection tracking (bridged traffic reaches the inet hooks
//                                through br_netfilter, as libvirt's iptables rules do). The bridge hooks put the
//                                port's id in the packet mark (ingress port: bits 16-27, egress: bits 0-11), and
//                                verdict maps keyed by it dispatch to FI-PORT / FO-PORT.
// Per-packet cost is a map lookup per hook, whatever the number of filtered ports. One transaction per binding
// replaces exactly that port's chains, sets and map elements. Pure text.

import { VirtError } from '../model/errors.js';
import { DYNAMIC_IP, type Instantiation, type RuleInstance } from '../model/nwfilter-instantiate.js';
import { formatIPv4, parseIPv4Aton } from '../model/nwfilter-values.js';
import { varCombinations } from '../model/nwfilter-vars.js';
import { l2Matches, l2Verdict } from './nft-nwfilter-l2.js';
import { type L3Rule, l3Rules } from './nft-nwfilter-l3.js';
import { layoutL2, orderL3, protoPrefix, type RootEntry } from './nft-nwfilter-order.js';
import { RuleValues } from './nft-nwfilter-values.js';
import { bridgeId } from './nft-ruleset.js';

export const FILTER_TABLE = 'virtnet_filter';
const BR = `bridge ${FILTER_TABLE}`;
const INET = `inet ${FILTER_TABLE}`;
export const MARK_FROM_SHIFT = 16;
export const MARK_FROM_MASK = 0x0fff0000;
export const MARK_TO_MASK = 0x00000fff;
export const MAX_MARK_ID = 0xfff;
/** Rules one binding may make: lists under different iterators multiply, and nft reloads what it is given. */
export const MAX_RULES = 20000;

const hex8 = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/**
 * A port's part of chain and set names: the device name in bridgeId's encoding (letters and digits kept, every
 * other byte '-XX'), injective, so two devices never share a chain or set (keeping plain names and writing the
 * others as 'x' and hex gave device 'a@b' the chains of device 'x614062').
 */
export function portId(dev: string): string {
  return bridgeId(dev);
}

/**
 * A sub-chain's part of its name: the chain name, or 'x' and its hex when it holds what nft does not take (':').
 * Injective: a plain chain name starts with 'root' or a protocol (mac, vlan, stp, arp, rarp, ipv4, ipv6), never 'x'.
 */
function suffixId(chain: string): string {
  return /^[A-Za-z0-9_.-]+$/.test(chain) ? chain : `x${Buffer.from(chain).toString('hex')}`;
}

/** libvirt's chain names, with '/' (impossible in device and chain names) before the sub-chain's name. */
export function chainNames(dev: string) {
  const p = portId(dev);
  return {
    rootFrom: `libvirt-I-${p}`,
    rootTo: `libvirt-O-${p}`,
    sub: (from: boolean, chain: string) => `${from ? 'I' : 'O'}-${p}/${suffixId(chain)}`,
    learnFrom: `L-${p}`,
    learnTo: `LO-${p}`,
    egress: `E-${p}`,
    l3From: `FI-${p}`,
    l3To: `FO-${p}`,
    ipSet: `ip-${p}`,
    connlimit: (n: number) => `cl-${p}-${n}`,
  };
}

export interface PortFilterInput {
  portdev: string;
  mac: string;
  inst: Instantiation;
  /** The port's id in packet marks (1-4095); needed when the filter has IP-level rules. */
  markId?: number;
  /** The guest's address while $IP is learned, once known (from traffic or a lease). */
  learnedIp?: string;
  /** DHCP servers the guest may get answers from while it waits for a lease (learning 'dhcp'). */
  dhcpServers?: string[];
}

/** What a port has in the kernel: enough to replace or remove it later without listing the ruleset. */
export interface AppliedPort {
  bridgeChains: string[];
  inetChains: string[];
  inetSets: Array<{ name: string; type: string }>;
  ipSet: boolean;
  markId?: number;
  /** IP-level rules were left out because the guest's address is not known yet. */
  l3Pending: boolean;
}

export interface PortScript {
  script: string;
  applied: AppliedPort;
}

/** The rules of a port as nft commands: the base tables (idempotent), then this port's objects replaced. */
export function portScript(input: PortFilterInput, previous?: AppliedPort): PortScript {
  const n = chainNames(input.portdev);
  const bridge = new Map<string, string[]>();
  const inet = new Map<string, string[]>();
  const inetSets: AppliedPort['inetSets'] = [];
  const dynamic = input.inst.learning !== undefined;
  const layout = layoutL2(input.inst.rules);
  const l3Order = orderL3(input.inst.rules);
  const l3Pending = dynamic && l3Order.length > 0 && input.learnedIp === undefined;
  const l3: L3Rule[] = [];
  if (!l3Pending) {
    let sets = 0;
    for (const r of l3Order) {
      for (const combo of combos(r, input.learnedIp)) {
        for (const x of l3Rules(new RuleValues(r.rule, combo), () => n.connlimit(sets++))) {
          l3.push(x);
          if (x.set) inetSets.push(x.set);
        }
      }
    }
  }
  const l3From = l3.filter((x) => x.chain === 'from');
  const l3To = l3.filter((x) => x.chain === 'to');
  const mark = input.markId;
  const needMark = l3From.length > 0 || l3To.length > 0;
  if (needMark && (mark === undefined || mark < 1 || mark > MAX_MARK_ID))
    throw new Error(`port ${input.portdev} needs a mark id for its IP-level rules`);

  // from the guest: mark, learning, then libvirt's root chain
  const from: string[] = [];
  if (l3From.length)
    from.push(
      `meta mark set meta mark & ${hex8(~MARK_FROM_MASK)} | ${hex8((mark as number) << MARK_FROM_SHIFT)}`,
    );
  const to: string[] = [];
  if (dynamic) {
    const learn: string[] = [];
    if (input.inst.learning === 'any') {
      // libvirt learns the address from the guest's first IPv4 packet (not 0.0.0.0, multicast or class E)
      from.push(
        `iifname != @learned ether saddr ${input.mac} ether type ip ip saddr != { 0.0.0.0, 224.0.0.0/3 } add @${n.ipSet} { ip saddr } add @learned { iifname }`,
      );
      // meanwhile libvirt's basic rules: the guest's own MAC, IPv4 and ARP only; nothing filtered towards it
      learn.push(`ether saddr != ${input.mac} drop`, 'ether type ip accept', 'ether type arp accept', 'drop');
      to.push('oifname != @learned accept');
    } else {
      // learning 'dhcp': only DHCP until the lease is known (libvirt's DHCP-only rules)
      learn.push(
        `ether saddr ${input.mac} ether type ip ip protocol udp th sport 68 th dport 67 accept`,
        'drop',
      );
      const servers = (input.dhcpServers ?? []).flatMap((s) => {
        const v = parseIPv4Aton(s);
        return v === undefined ? [] : [formatIPv4(v)];
      });
      const srv = servers.length ? ` ip saddr { ${servers.join(', ')} }` : '';
      bridge.set(n.learnTo, [
        `ether daddr { ${input.mac}, ff:ff:ff:ff:ff:ff } ether type ip ip protocol udp th sport 67 th dport 68${srv} accept`,
        'drop',
      ]);
      to.push(`oifname != @learned jump ${n.learnTo}`);
    }
    bridge.set(n.learnFrom, learn);
    from.push(`iifname != @learned jump ${n.learnFrom}`);
  }
  from.push(...rootRules(layout.root.from, true, n));
  to.push(...rootRules(layout.root.to, false, n));
  bridge.set(n.rootFrom, from);
  bridge.set(n.rootTo, to);
  for (const [chain, rules] of layout.sub.from) bridge.set(n.sub(true, chain), l2Lines(rules, true, n.ipSet));
  for (const [chain, rules] of layout.sub.to) bridge.set(n.sub(false, chain), l2Lines(rules, false, n.ipSet));
  if (l3To.length)
    bridge.set(n.egress, [`meta mark set meta mark & ${hex8(~MARK_TO_MASK)} | ${hex8(mark as number)}`]);
  if (l3From.length)
    inet.set(
      n.l3From,
      l3From.map((x) => x.text),
    );
  if (l3To.length)
    inet.set(
      n.l3To,
      l3To.map((x) => x.text),
    );

  const dev = JSON.stringify(input.portdev);
  const hasInet = inet.size > 0 || (previous?.inetChains.length ?? 0) > 0;
  const lines: string[] = [...baseBridge()];
  if (hasInet) lines.push(...baseInet());
  // out with the old: map elements, then every chain's rules, then chains and sets no longer used
  const oldBridge = new Set([n.rootFrom, n.rootTo, n.egress, ...(previous?.bridgeChains ?? [])]);
  const oldInet = new Set(hasInet ? [n.l3From, n.l3To, ...(previous?.inetChains ?? [])] : []);
  const allBridge = new Set([...oldBridge, ...bridge.keys()]);
  const allInet = new Set([...oldInet, ...inet.keys()]);
  lines.push(...clearPort(input.portdev, allBridge, allInet, previous?.markId));
  for (const c of oldBridge) if (!bridge.has(c)) lines.push(`delete chain ${BR} ${c}`);
  for (const c of oldInet) if (!inet.has(c)) lines.push(`delete chain ${INET} ${c}`);
  for (const s of previous?.inetSets ?? []) {
    lines.push(
      `add set ${INET} ${s.name} { type ${s.type}; flags dynamic; }`,
      `delete set ${INET} ${s.name}`,
    );
  }
  if (previous?.ipSet && !dynamic) {
    lines.push(`add set ${BR} ${n.ipSet} { ${IP_SET_SPEC} }`, `delete set ${BR} ${n.ipSet}`);
    lines.push(`add element ${BR} learned { ${dev} }`, `delete element ${BR} learned { ${dev} }`);
  }
  // in with the new
  if (dynamic) {
    lines.push(`add set ${BR} ${n.ipSet} { ${IP_SET_SPEC} }`);
    if (input.learnedIp !== undefined) {
      lines.push(
        `flush set ${BR} ${n.ipSet}`,
        `add element ${BR} ${n.ipSet} { ${input.learnedIp} }`,
        `add element ${BR} learned { ${dev} }`,
      );
    }
  }
  for (const s of inetSets) lines.push(`add set ${INET} ${s.name} { type ${s.type}; flags dynamic; }`);
  for (const [c, rules] of bridge) for (const r of rules) lines.push(`add rule ${BR} ${c} ${r}`);
  for (const [c, rules] of inet) for (const r of rules) lines.push(`add rule ${INET} ${c} ${r}`);
  lines.push(`add element ${BR} from_guest { ${dev} : jump ${n.rootFrom} }`);
  lines.push(`add element ${BR} to_guest { ${dev} : jump ${n.rootTo} }`);
  if (l3To.length) lines.push(`add element ${BR} egress_mark { ${dev} : jump ${n.egress} }`);
  if (l3From.length)
    lines.push(
      `add element ${INET} l3_from_guest { ${hex8((mark as number) << MARK_FROM_SHIFT)} : jump ${n.l3From} }`,
    );
  if (l3To.length) lines.push(`add element ${INET} l3_to_guest { ${hex8(mark as number)} : jump ${n.l3To} }`);
  const ruleCount = [...bridge.values(), ...inet.values()].reduce((n, r) => n + r.length, 0);
  if (ruleCount > MAX_RULES) {
    throw new VirtError(
      'CONFIG_UNSUPPORTED',
      `the filter of ${input.portdev} makes ${ruleCount} rules (variables' lists multiply them); at most ${MAX_RULES} are allowed`,
    );
  }
  const applied: AppliedPort = {
    bridgeChains: [...bridge.keys()],
    inetChains: [...inet.keys()],
    inetSets,
    ipSet: dynamic,
    l3Pending,
  };
  if (needMark) applied.markId = mark;
  return { script: `${lines.join('\n')}\n`, applied };
}

/** Removes everything a port has in the kernel (tolerates parts already gone). */
export function portRemoveScript(portdev: string, previous: AppliedPort): string {
  const n = chainNames(portdev);
  const dev = JSON.stringify(portdev);
  const hasInet = previous.inetChains.length > 0;
  const lines: string[] = [...baseBridge()];
  if (hasInet) lines.push(...baseInet());
  const bridge = new Set([n.rootFrom, n.rootTo, n.egress, ...previous.bridgeChains]);
  const inet = new Set(hasInet ? [n.l3From, n.l3To, ...previous.inetChains] : []);
  lines.push(...clearPort(portdev, bridge, inet, previous.markId));
  for (const c of bridge) lines.push(`delete chain ${BR} ${c}`);
  for (const c of inet) lines.push(`delete chain ${INET} ${c}`);
  for (const s of previous.inetSets)
    lines.push(
      `add set ${INET} ${s.name} { type ${s.type}; flags dynamic; }`,
      `delete set ${INET} ${s.name}`,
    );
  if (previous.ipSet)
    lines.push(`add set ${BR} ${n.ipSet} { ${IP_SET_SPEC} }`, `delete set ${BR} ${n.ipSet}`);
  lines.push(`add element ${BR} learned { ${dev} }`, `delete element ${BR} learned { ${dev} }`);
  return `${lines.join('\n')}\n`;
}

/**
 * Detaches a port from the maps and empties its chains, whatever state they are in: `add` first makes every
 * later command valid (an element is added with the verdict it has when present, then deleted).
 */
function clearPort(
  portdev: string,
  bridge: Set<string>,
  inet: Set<string>,
  markId: number | undefined,
): string[] {
  const n = chainNames(portdev);
  const dev = JSON.stringify(portdev);
  const lines: string[] = [];
  for (const c of bridge) lines.push(`add chain ${BR} ${c}`);
  for (const c of inet) lines.push(`add chain ${INET} ${c}`);
  for (const [map, chain] of [
    ['from_guest', n.rootFrom],
    ['to_guest', n.rootTo],
    ['egress_mark', n.egress],
  ] as const)
    lines.push(
      `add element ${BR} ${map} { ${dev} : jump ${chain} }`,
      `delete element ${BR} ${map} { ${dev} }`,
    );
  if (markId !== undefined && inet.size) {
    for (const [map, key, chain] of [
      ['l3_from_guest', markId << MARK_FROM_SHIFT, n.l3From],
      ['l3_to_guest', markId, n.l3To],
    ] as const)
      lines.push(
        `add element ${INET} ${map} { ${hex8(key)} : jump ${chain} }`,
        `delete element ${INET} ${map} { ${hex8(key)} }`,
      );
  }
  for (const c of bridge) lines.push(`flush chain ${BR} ${c}`);
  for (const c of inet) lines.push(`flush chain ${INET} ${c}`);
  return lines;
}

/** Sets the guest's address in place (a new lease): no rule changes. */
export function learnedIpScript(portdev: string, ip: string | undefined): string {
  const n = chainNames(portdev);
  const dev = JSON.stringify(portdev);
  const lines = [`flush set ${BR} ${n.ipSet}`];
  if (ip === undefined)
    lines.push(`add element ${BR} learned { ${dev} }`, `delete element ${BR} learned { ${dev} }`);
  else lines.push(`add element ${BR} ${n.ipSet} { ${ip} }`, `add element ${BR} learned { ${dev} }`);
  return `${lines.join('\n')}\n`;
}

const IP_SET_SPEC = 'type ipv4_addr; size 1; flags dynamic;';

function baseBridge(): string[] {
  return [
    `add table ${BR}`,
    `add map ${BR} from_guest { type ifname : verdict; }`,
    `add map ${BR} to_guest { type ifname : verdict; }`,
    `add map ${BR} egress_mark { type ifname : verdict; }`,
    `add set ${BR} learned { type ifname; flags dynamic; }`,
    // libvirt's ebtables chains hang off the nat table's PREROUTING and POSTROUTING (dstnat / srcnat)
    `add chain ${BR} from-guest { type filter hook prerouting priority -300; policy accept; }`,
    `add chain ${BR} to-guest { type filter hook postrouting priority 300; policy accept; }`,
    // before br_netfilter hands forwarded frames to the inet hooks (priority -1)
    `add chain ${BR} mark-egress { type filter hook forward priority -10; policy accept; }`,
    `flush chain ${BR} from-guest`,
    `flush chain ${BR} to-guest`,
    `flush chain ${BR} mark-egress`,
    `add rule ${BR} from-guest meta mark & ${hex8(MARK_FROM_MASK | MARK_TO_MASK)} != 0 meta mark set meta mark & ${hex8(~(MARK_FROM_MASK | MARK_TO_MASK))}`,
    `add rule ${BR} from-guest iifname vmap @from_guest`,
    `add rule ${BR} to-guest oifname vmap @to_guest`,
    `add rule ${BR} mark-egress oifname vmap @egress_mark`,
  ];
}

function baseInet(): string[] {
  return [
    `add table ${INET}`,
    `add map ${INET} l3_from_guest { type mark : verdict; }`,
    `add map ${INET} l3_to_guest { type mark : verdict; }`,
    // libvirt inserts its jumps first in FORWARD and INPUT
    `add chain ${INET} l3-forward { type filter hook forward priority -10; policy accept; }`,
    `add chain ${INET} l3-input { type filter hook input priority -10; policy accept; }`,
    `flush chain ${INET} l3-forward`,
    `flush chain ${INET} l3-input`,
    `add rule ${INET} l3-forward meta mark & ${hex8(MARK_FROM_MASK)} vmap @l3_from_guest`,
    `add rule ${INET} l3-forward meta mark & ${hex8(MARK_TO_MASK)} vmap @l3_to_guest`,
    `add rule ${INET} l3-input meta mark & ${hex8(MARK_FROM_MASK)} vmap @l3_from_guest`,
  ];
}

/** Every combination of variable values a rule is instantiated with; the learned IP substituted at IP level. */
function combos(r: RuleInstance, learnedIp?: string): Array<Map<string, string>> {
  let vars = r.vars;
  if (learnedIp !== undefined && vars.get('IP')?.[0] === DYNAMIC_IP) {
    vars = new Map(vars);
    vars.set('IP', [learnedIp]);
  }
  return varCombinations(vars, r.rule.varAccess);
}

function rootRules(entries: RootEntry[], from: boolean, n: ReturnType<typeof chainNames>): string[] {
  const out: string[] = [];
  for (const e of entries) {
    if ('subchain' in e) out.push(`${jumpMatch(e.subchain)}jump ${n.sub(from, e.subchain)}`);
    else out.push(...l2Lines([e.rule], from, n.ipSet));
  }
  return out;
}

/** The protocol match of the jump to a sub-chain (ebtablesCreateTmpSubChainFW). */
function jumpMatch(chain: string): string {
  switch (protoPrefix(chain)) {
    case 'mac':
      return '';
    case 'stp':
      return 'ether daddr 01:80:c2:00:00:00 ';
    case 'ipv4':
      return 'ether type ip ';
    case 'ipv6':
      return 'ether type ip6 ';
    case 'arp':
      return 'ether type arp ';
    case 'rarp':
      return 'ether type 0x8035 ';
    case 'vlan':
      return 'ether type 8021q ';
    default:
      return '';
  }
}

/** The nft rules of Ethernet-level rule instances for one direction (inout rules reversed from the guest). */
function l2Lines(rules: RuleInstance[], from: boolean, ipSet: string): string[] {
  const out: string[] = [];
  for (const r of rules) {
    const reverse = from && r.rule.direction === 'inout';
    for (const combo of varCombinations(r.vars, r.rule.varAccess)) {
      const m = l2Matches(new RuleValues(r.rule, combo), reverse, ipSet);
      out.push(`${m ? `${m} ` : ''}${l2Verdict(r.rule.action)}`);
    }
  }
  return out;
}
