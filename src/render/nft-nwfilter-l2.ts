// Ethernet-level filter rules (libvirt's ebtables rules: mac, vlan, stp, arp, rarp, ip, ipv6 and rules without a
// protocol) as nft matches of the bridge family, with ebtables' semantics: `reverse` swaps source and destination
// for the from-guest half of 'inout' rules, ARP address matches require IPv4-over-Ethernet ARP, REJECT is DROP. Pure.

import { VirtError } from '../model/errors.js';
import type { RuleAction } from '../model/nwfilter-def.js';
import {
  cidr4,
  cidr6,
  mac,
  macHex,
  maskedMac,
  num,
  op,
  type RuleValues,
  type Value,
} from './nft-nwfilter-values.js';

const STP_BGA = '01:80:c2:00:00:00';

/** nft verdict of an ebtables target (libvirt maps REJECT to DROP there). */
export function l2Verdict(action: RuleAction): string {
  return action === 'reject' ? 'drop' : action;
}

/**
 * The nft match of one Ethernet-level rule; `ipSet` names the port's learned-address set for $IP while it is
 * learned. Throws CONFIG_UNSUPPORTED for what nft cannot express.
 */
export function l2Matches(v: RuleValues, reverse: boolean, ipSet: string): string {
  const out: string[] = [];
  const p = v.rule.protocol;
  if (p !== 'none') ethHeader(v, reverse, out);
  switch (p) {
    case 'none':
      break;
    case 'mac': {
      const proto = v.get('protocolid');
      if (proto) out.push(`ether type ${op(proto)}${etherType(num(proto))}`);
      break;
    }
    case 'vlan': {
      out.push('ether type 8021q');
      const id = v.get('vlanid');
      if (id) out.push(`vlan id ${op(id)}${num(id)}`);
      const encap = v.get('encap-protocol');
      if (encap) out.push(`vlan type ${op(encap)}${etherType(num(encap))}`);
      break;
    }
    case 'stp':
      stp(v, reverse, out);
      break;
    case 'arp':
    case 'rarp':
      arp(v, reverse, ipSet, out);
      break;
    case 'ip':
      ip(v, reverse, ipSet, out);
      break;
    case 'ipv6':
      ip6(v, reverse, out);
      break;
    default:
      throw new VirtError('INTERNAL_ERROR', `unexpected rule protocol ${p}`);
  }
  return out.join(' ');
}

function etherType(n: number): string {
  return `0x${n.toString(16).padStart(4, '0')}`;
}

function ethHeader(v: RuleValues, reverse: boolean, out: string[]): void {
  const one = (addr: string, mask: string, field: string) => {
    const a = v.get(addr);
    if (!a) return;
    if (a.dynamic) throw unsupported('a MAC address from the learned IP variable');
    const m = v.get(mask);
    if (m && !m.dynamic) {
      out.push(
        `ether ${field} & ${mac(m)} ${a.neg ? '!=' : '=='} ${maskedMac(a.item.value as number[], m.item.value as number[])}`,
      );
    } else out.push(`ether ${field} ${op(a)}${mac(a)}`);
  };
  one('srcmacaddr', 'srcmacmask', reverse ? 'daddr' : 'saddr');
  one('dstmacaddr', 'dstmacmask', reverse ? 'saddr' : 'daddr');
}

function unsupported(what: string): VirtError {
  return new VirtError('CONFIG_UNSUPPORTED', `virtnet's nftables filters cannot match ${what}`);
}

/** An IPv4 address (or the learned-address set) with an optional prefix length. */
export function addr4(a: Value, mask: Value | undefined, ipSet: string): string {
  if (a.dynamic) {
    const bits = mask ? num(mask) : 32;
    if (bits !== 32) throw unsupported('the learned IP address with a netmask');
    return `${op(a)}@${ipSet}`;
  }
  return `${op(a)}${cidr4(a.item.value as number, mask ? num(mask) : 32)}`;
}

function ip(v: RuleValues, reverse: boolean, ipSet: string, out: string[]): void {
  out.push('ether type ip');
  const src = v.get('srcipaddr');
  if (src) out.push(`ip ${reverse ? 'daddr' : 'saddr'} ${addr4(src, v.get('srcipmask'), ipSet)}`);
  const dst = v.get('dstipaddr');
  if (dst) out.push(`ip ${reverse ? 'saddr' : 'daddr'} ${addr4(dst, v.get('dstipmask'), ipSet)}`);
  const proto = v.get('protocol');
  if (proto) out.push(`ip protocol ${op(proto)}${num(proto)}`);
  ports(v, reverse, out);
  // libvirt hands the DSCP value to ebtables' --ip-tos, which compares the whole TOS byte
  const dscp = v.get('dscp');
  if (dscp) out.push(`@nh,8,8 ${op(dscp)}${num(dscp)}`);
}

function ip6(v: RuleValues, reverse: boolean, out: string[]): void {
  out.push('ether type ip6');
  const one = (addr: string, mask: string, field: string) => {
    const a = v.get(addr);
    if (!a) return;
    if (a.dynamic) throw unsupported('an IPv6 address from the learned IP variable');
    const m = v.get(mask);
    out.push(`ip6 ${field} ${op(a)}${cidr6(a.item.value as number[], m ? num(m) : 128)}`);
  };
  one('srcipaddr', 'srcipmask', reverse ? 'daddr' : 'saddr');
  one('dstipaddr', 'dstipmask', reverse ? 'saddr' : 'daddr');
  // ebtables' --ip6-protocol looks past extension headers, as meta l4proto does
  const proto = v.get('protocol');
  if (proto) out.push(`meta l4proto ${op(proto)}${num(proto)}`);
  ports(v, reverse, out);
  const type = v.get('type');
  const code = v.get('code');
  if (type || code) {
    const range = (lo: Value | undefined, hi: Value | undefined, max: number) => {
      const a = lo ? num(lo) : 0;
      const b = hi ? num(hi) : lo ? a : max;
      return a === b ? String(a) : `${a}-${b}`;
    };
    const neg = type?.neg ?? false;
    if (neg && code) throw unsupported('a negated ICMPv6 type together with a code');
    out.push(`icmpv6 type ${neg ? '!= ' : ''}${range(type, v.get('typeend'), 255)}`);
    if (code) out.push(`icmpv6 code ${range(code, v.get('codeend'), 255)}`);
  }
}

function ports(v: RuleValues, reverse: boolean, out: string[]): void {
  const one = (start: string, end: string, field: string) => {
    const s = v.get(start);
    if (!s) return;
    const e = v.get(end);
    out.push(`th ${field} ${op(s)}${num(s)}${e ? `-${num(e)}` : ''}`);
  };
  one('srcportstart', 'srcportend', reverse ? 'dport' : 'sport');
  one('dstportstart', 'dstportend', reverse ? 'sport' : 'dport');
}

/** ARP and RARP (the same header; RARP through raw offsets since nft's arp expressions imply EtherType ARP). */
function arp(v: RuleValues, reverse: boolean, ipSet: string, out: string[]): void {
  const rarp = v.rule.protocol === 'rarp';
  out.push(rarp ? 'ether type 0x8035' : 'ether type arp');
  const field = (f: 'htype' | 'ptype' | 'hlen' | 'plen' | 'operation' | 'sha' | 'spa' | 'tha' | 'tpa') =>
    rarp ? RAW_ARP[f] : ARP_EXPR[f];
  const hw = v.get('hwtype');
  if (hw) out.push(`${field('htype')} ${op(hw)}${num(hw)}`);
  const opcode = v.get('opcode');
  if (opcode) out.push(`${field('operation')} ${op(opcode)}${num(opcode)}`);
  const pt = v.get('protocoltype');
  if (pt) out.push(`${field('ptype')} ${op(pt)}0x${num(pt).toString(16).padStart(4, '0')}`);
  const srcIp = v.get('arpsrcipaddr');
  const dstIp = v.get('arpdstipaddr');
  const srcMac = v.get('arpsrcmacaddr');
  const dstMac = v.get('arpdstmacaddr');
  if (srcIp || dstIp) {
    // ebt_arp compares addresses only in IPv4-over-Ethernet ARP; nft reads them at fixed offsets
    out.push(`${field('hlen')} 6 ${field('plen')} 4 ${field('ptype')} 0x0800`);
    // libvirt quirk: a source netmask also applies to a destination given without one
    const srcMask = v.get('arpsrcipmask');
    const dstMask = v.get('arpdstipmask') ?? srcMask;
    const one = (a: Value, m: Value | undefined, f: 'spa' | 'tpa') => {
      if (rarp && a.dynamic) throw unsupported('RARP addresses against the learned IP address');
      out.push(`${field(f)} ${rarp ? rawIp(a, m) : addr4(a, m, ipSet)}`);
    };
    if (srcIp) one(srcIp, srcMask, reverse ? 'tpa' : 'spa');
    if (dstIp) one(dstIp, dstMask, reverse ? 'spa' : 'tpa');
  }
  if (srcMac || dstMac) {
    out.push(`${field('htype')} 1 ${field('hlen')} 6`);
    const one = (a: Value, f: 'sha' | 'tha') =>
      out.push(`${field(f)} ${op(a)}${rarp ? macHex(a.item.value as number[]) : mac(a)}`);
    if (srcMac) one(srcMac, reverse ? 'tha' : 'sha');
    if (dstMac) one(dstMac, reverse ? 'sha' : 'tha');
  }
  const grat = v.get('gratuitous');
  if (grat?.item.value) throw unsupported('gratuitous ARP (sender and target address compared)');
}

const ARP_EXPR = {
  htype: 'arp htype',
  ptype: 'arp ptype',
  hlen: 'arp hlen',
  plen: 'arp plen',
  operation: 'arp operation',
  sha: 'arp saddr ether',
  spa: 'arp saddr ip',
  tha: 'arp daddr ether',
  tpa: 'arp daddr ip',
} as const;

/** The ARP header at fixed offsets (bits) from the network header, for RARP frames. */
const RAW_ARP = {
  htype: '@nh,0,16',
  ptype: '@nh,16,16',
  hlen: '@nh,32,8',
  plen: '@nh,40,8',
  operation: '@nh,48,16',
  sha: '@nh,64,48',
  spa: '@nh,112,32',
  tha: '@nh,144,48',
  tpa: '@nh,192,32',
} as const;

function rawIp(a: Value, m: Value | undefined): string {
  const v = a.item.value as number;
  const bits = m ? num(m) : 32;
  if (bits === 32) return `${op(a)}0x${v.toString(16).padStart(8, '0')}`;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const masked = (v & mask) >>> 0;
  return `& 0x${mask.toString(16).padStart(8, '0')} ${a.neg ? '!=' : '=='} 0x${masked.toString(16).padStart(8, '0')}`;
}

/** ebt_stp: the LLC header 42 42 03, then the BPDU; configuration fields only in configuration BPDUs. */
function stp(v: RuleValues, reverse: boolean, out: string[]): void {
  if (reverse && v.has('srcmacaddr')) {
    throw new VirtError(
      'NWFILTER_UNAPPLICABLE',
      'STP filtering in inout direction with source MAC address set is not supported',
    );
  }
  out.push(`ether daddr ${STP_BGA}`, '@ll,112,24 0x424203');
  // offsets in bits from the start of the frame: LLC at byte 14, BPDU type at 20, flags at 21, ...
  const scalar = (name: string, byte: number, bits: number) => {
    const s = v.get(name);
    if (s) out.push(`@ll,${byte * 8},${bits} ${op(s)}${num(s)}`);
  };
  const range = (lo: string, hi: string, byte: number, bits: number) => {
    const a = v.get(lo);
    if (!a) return;
    const b = v.get(hi);
    out.push(`@ll,${byte * 8},${bits} ${op(a)}${num(a)}${b ? `-${num(b)}` : ''}`);
  };
  const macAt = (name: string, maskName: string, byte: number) => {
    const a = v.get(name);
    if (!a) return;
    const m = v.get(maskName);
    const bytes = a.item.value as number[];
    if (m) {
      const mb = m.item.value as number[];
      out.push(
        `@ll,${byte * 8},48 & ${macHex(mb)} ${a.neg ? '!=' : '=='} ${macHex(bytes.map((x, i) => x & (mb[i] ?? 0)))}`,
      );
    } else out.push(`@ll,${byte * 8},48 ${op(a)}${macHex(bytes)}`);
  };
  scalar('type', 20, 8);
  scalar('flags', 21, 8);
  const config = [
    'root-priority',
    'root-address',
    'root-cost',
    'sender-priority',
    'sender-address',
    'port',
    'age',
    'max-age',
    'hello-time',
    'forward-delay',
  ].some((n) => v.has(n));
  if (config && !v.has('type')) out.push('@ll,160,8 0');
  range('root-priority', 'root-priority-hi', 22, 16);
  macAt('root-address', 'root-address-mask', 24);
  range('root-cost', 'root-cost-hi', 30, 32);
  range('sender-priority', 'sender-priority-hi', 34, 16);
  macAt('sender-address', 'sender-address-mask', 36);
  range('port', 'port-hi', 42, 16);
  range('age', 'age-hi', 44, 16);
  range('max-age', 'max-age-hi', 46, 16);
  range('hello-time', 'hello-time-hi', 48, 16);
  range('forward-delay', 'forward-delay-hi', 50, 16);
}
