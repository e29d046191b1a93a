// IP-level filter rules (libvirt's iptables rules: tcp, udp, udplite, esp, ah, sctp, icmp, igmp, all and their
// -ipv6 variants) as nft rules of the inet family, with libvirt's meaning: each rule goes to the from-guest chain
// (libvirt's FI/HI chains: an accept there only returns) and the to-guest chain (FO: an accept accepts), with the
// connection-state matches libvirt adds (NEW,ESTABLISHED one way, ESTABLISHED back) unless statematch='false'. Pure.

import { VirtError } from '../model/errors.js';
import {
  IPV6_L3_PROTOCOLS,
  RULE_NO_STATEMATCH,
  type RuleDef,
  STATE_FLAGS,
  STATE_NAMES,
} from '../model/nwfilter-def.js';
import { printFlags } from '../model/nwfilter-format.js';
import { addr4 } from './nft-nwfilter-l2.js';
import { cidr6, ipv4, ipv6, mac, num, op, type RuleValues, type Value } from './nft-nwfilter-values.js';

const L4: Record<string, number | undefined> = {
  tcp: 6,
  udp: 17,
  udplite: 136,
  esp: 50,
  ah: 51,
  sctp: 132,
  icmp: 1,
  igmp: 2,
  all: undefined,
};

export interface L3Rule {
  /** 'from' = frames the guest sends (libvirt's FI and HI chains), 'to' = frames to the guest (FO). */
  chain: 'from' | 'to';
  text: string;
  /** A dynamic set this rule counts connections in (connlimit-above), to be declared in the table. */
  set?: { name: string; type: 'ipv4_addr' | 'ipv6_addr' };
}

/** iptablesCreateRuleInstance: the from-guest and to-guest halves of one rule (some may be left out). */
export function l3Rules(v: RuleValues, setName: (n: number) => string): L3Rule[] {
  const rule = v.rule;
  const dirIn = rule.direction === 'in' || rule.direction === 'inout';
  const inout = rule.direction === 'inout';
  const out: L3Rule[] = [];
  let sets = 0;
  const add = (chain: 'from' | 'to', r: Omit<L3Rule, 'chain'> | undefined) => {
    if (r) out.push({ chain, ...r });
  };
  const mk = (
    directionIn: boolean,
    match: string | undefined,
    defMatch: boolean,
    accept: string,
    maySkipICMP: boolean,
  ) => instance(v, directionIn, match, defMatch, accept, maySkipICMP, () => setName(sets++));
  if (!(rule.flags & RULE_NO_STATEMATCH) && rule.flags & STATE_FLAGS) {
    // explicit state= attributes (iptablesCreateRuleInstanceStateCtrl): the state applies to every action
    const state = stateText(rule.flags);
    if (!(dirIn && !inout)) add('from', mk(dirIn, state, false, 'return', dirIn || inout));
    if (dirIn) add('to', mk(!dirIn, state, false, 'accept', !dirIn || inout));
    return out;
  }
  const needState = !inout && !(rule.flags & RULE_NO_STATEMATCH);
  const fromState = needState ? (dirIn ? 'established' : 'new,established') : undefined;
  const toState = needState ? (dirIn ? 'new,established' : 'established') : undefined;
  add('from', mk(dirIn, fromState, true, 'return', dirIn || inout));
  add('to', mk(!dirIn, toState, true, 'accept', !dirIn || inout));
  return out;
}

/** printStateMatchFlags without NONE: nft's `ct state` words, undefined for NONE (no state match). */
function stateText(flags: number): string | undefined {
  const text = printFlags(STATE_NAMES, flags & STATE_FLAGS);
  if (!text || text.includes('NONE')) return undefined;
  return text.toLowerCase();
}

/** _iptablesCreateRuleInstance; undefined when libvirt leaves the rule out of this chain. */
function instance(
  v: RuleValues,
  directionIn: boolean,
  match: string | undefined,
  defMatch: boolean,
  acceptTarget: string,
  maySkipICMP: boolean,
  newSetName: () => string,
): Omit<L3Rule, 'chain'> | undefined {
  const rule = v.rule;
  const six = IPV6_L3_PROTOCOLS.has(rule.protocol);
  const base = six ? rule.protocol.replace('-ipv6', '').replace('icmpv6', 'icmp') : rule.protocol;
  const l4 = six && base === 'icmp' ? 58 : L4[base];
  const parts: string[] = [`meta nfproto ${six ? 'ipv6' : 'ipv4'}`];
  if (l4 !== undefined) parts.push(`meta l4proto ${l4}`);
  const fixed = parts.length;
  let srcMacSkipped = false;
  const srcMac = v.get('srcmacaddr');
  if (srcMac) {
    if (directionIn) srcMacSkipped = true;
    else parts.push(`ether saddr ${op(srcMac)}${mac(srcMac)}`);
  }
  const family = six ? 'ip6' : 'ip';
  const addr = (a: Value, m: Value | undefined) =>
    six ? `${op(a)}${cidr6(a.item.value as number[], m ? num(m) : 128)}` : addr4(a, m, '');
  const one = (n: Value) => (six ? ipv6(n) : ipv4(n));
  const ends = (addrName: string, maskName: string, from: string, to: string, field: string) => {
    const a = v.get(addrName);
    if (a) {
      parts.push(`${family} ${field} ${addr(a, v.get(maskName))}`);
      return;
    }
    const f = v.get(from);
    if (!f) return;
    const t = v.get(to);
    parts.push(`${family} ${field} ${op(f)}${one(f)}${t ? `-${one(t)}` : ''}`);
  };
  ends('srcipaddr', 'srcipmask', 'srcipfrom', 'srcipto', directionIn ? 'daddr' : 'saddr');
  ends('dstipaddr', 'dstipmask', 'dstipfrom', 'dstipto', directionIn ? 'saddr' : 'daddr');
  const dscp = v.get('dscp');
  if (dscp) parts.push(`${family} dscp ${op(dscp)}${num(dscp)}`);
  let skipMatch = false;
  const connlimit = v.get('connlimit-above');
  if (connlimit) {
    // libvirt limits connections only in the guest's outgoing direction
    if (directionIn) return undefined;
    skipMatch = true;
  }
  const flags = v.get('flags');
  if (flags && rule.protocol === 'tcp') {
    const f = flags.item.value as { mask: number; flags: number };
    parts.push(`tcp flags & 0x${f.mask.toString(16)} ${flags.neg ? '!=' : '=='} 0x${f.flags.toString(16)}`);
  }
  const port = (start: string, end: string, field: string) => {
    const s = v.get(start);
    if (!s) return;
    const e = v.get(end);
    parts.push(`th ${field} ${op(s)}${num(s)}${e ? `-${num(e)}` : ''}`);
  };
  port('srcportstart', 'srcportend', directionIn ? 'dport' : 'sport');
  port('dstportstart', 'dstportend', directionIn ? 'sport' : 'dport');
  const option = v.get('option');
  if (option) {
    if (option.neg) throw unsupported('a negated TCP option');
    parts.push(`tcp option @${num(option)},0,8 ${num(option)}`);
  }
  let hasIcmpType = false;
  if (base === 'icmp') {
    const type = v.get('type');
    if (type) {
      hasIcmpType = true;
      if (maySkipICMP) return undefined;
      const word = six ? 'icmpv6' : 'icmp';
      const code = v.get('code');
      if (type.neg && code) throw unsupported('a negated ICMP type together with a code');
      parts.push(`${word} type ${op(type)}${num(type)}`);
      if (code) parts.push(`${word} code ${num(code)}`);
    }
  }
  if (srcMacSkipped && parts.length === fixed) return undefined;
  let target: string;
  if (rule.action === 'accept') target = acceptTarget;
  else {
    target = rule.action;
    skipMatch = defMatch;
  }
  if (match && !skipMatch) parts.push(`ct state ${match}`);
  if (defMatch && match && !skipMatch && !hasIcmpType && rule.direction !== 'inout')
    parts.push(`ct direction ${directionIn ? 'reply' : 'original'}`);
  if (v.get('ipset')) throw unsupported('ipsets (iptables ipset matches have no nftables equivalent here)');
  let set: L3Rule['set'];
  if (connlimit) {
    const name = newSetName();
    set = { name, type: six ? 'ipv6_addr' : 'ipv4_addr' };
    parts.push(`add @${name} { ${family} saddr ct count ${connlimit.neg ? '' : 'over '}${num(connlimit)} }`);
  }
  parts.push(target);
  const text = parts.join(' ');
  return set ? { text, set } : { text };
}

function unsupported(what: string): VirtError {
  return new VirtError('CONFIG_UNSUPPORTED', `virtnet's nftables filters cannot match ${what}`);
}

export function isL3Rule(rule: RuleDef): boolean {
  return !['none', 'mac', 'vlan', 'stp', 'arp', 'rarp', 'ip', 'ipv6'].includes(rule.protocol);
}
