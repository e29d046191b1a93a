// One <rule> of a network filter, read exactly as libvirt's virNWFilterRuleParse reads it: the first protocol
// element decides the protocol, later elements of the same name add to it, every attribute is tried against its
// datatypes in libvirt's order, and the last bad value of the first bad element is what gets reported. Pure.

import { VirtError } from './errors.js';
import {
  ACTIONS,
  ARP_OPCODES,
  type AttrSpec,
  DIRECTIONS,
  DT,
  ETHERTYPES,
  IP_PROTOCOLS,
  ITEM_EXISTS,
  ITEM_HAS_VAR,
  ITEM_NEG,
  MAX_RULE_PRIORITY,
  MIN_RULE_PRIORITY,
  PROTOCOLS,
  RULE_NO_STATEMATCH,
  type RuleAction,
  type RuleDef,
  type RuleDirection,
  type RuleItem,
  STATE_NAMES,
  STATE_NONE,
  TCP_FLAG_NAMES,
} from './nwfilter-def.js';
import { fixupRule } from './nwfilter-rule-fixup.js';
import {
  maskBits,
  parseIPv4Aton,
  parseIPv6Groups,
  parseMac,
  strToInt,
  strToUInt,
} from './nwfilter-values.js';
import { parseVarAccess, varAccessEqual } from './nwfilter-vars.js';
import { attr, type XmlElement } from './xml-dom.js';

const VALID_IPSETNAME = /^[A-Za-z0-9_.:+ -]*$/;
const MAX_IPSET_NAME = 31;

const internal = (msg: string) => new VirtError('MALFORMED_VALUE', msg);

/** Reads a <rule> element; throws as libvirt refuses it. */
export function parseRule(el: XmlElement): RuleDef {
  const action = attr(el, 'action');
  const direction = attr(el, 'direction');
  const prio = attr(el, 'priority');
  const statematch = attr(el, 'statematch');
  if (action === undefined) throw internal('rule node requires action attribute');
  if (!ACTIONS.includes(action as RuleAction))
    throw new VirtError('CONFIG_UNSUPPORTED', 'unknown rule action attribute value');
  if (direction === undefined) throw internal('rule node requires direction attribute');
  if (!DIRECTIONS.includes(direction as RuleDirection))
    throw new VirtError('CONFIG_UNSUPPORTED', 'unknown rule direction attribute value');
  const rule: RuleDef = {
    action: action as RuleAction,
    direction: direction as RuleDirection,
    priority: MAX_RULE_PRIORITY / 2,
    flags: 0,
    protocol: 'none',
    items: new Map(),
    varAccess: [],
  };
  if (prio !== undefined) {
    // out of range or not a number: the default stays, silently, as in libvirt
    const p = strToInt(prio);
    if (p !== undefined && p <= MAX_RULE_PRIORITY && p >= MIN_RULE_PRIORITY) rule.priority = p;
  }
  if (statematch !== undefined && (statematch === '0' || statematch.toLowerCase() === 'false'))
    rule.flags |= RULE_NO_STATEMATCH;
  let found: (typeof PROTOCOLS)[number] | undefined;
  for (const child of el.children) {
    if (typeof child === 'string') continue;
    const proto = found
      ? found.id === child.name
        ? found
        : undefined
      : PROTOCOLS.find((p) => p.id === child.name);
    if (!proto) continue;
    found = proto;
    rule.protocol = proto.id;
    parseDetails(child, rule, proto.attrs);
    validatePorts(rule);
  }
  fixupRule(rule);
  return rule;
}

/** virNWFilterRuleDetailsParse: every attribute of the table, in table order; the last failure is reported. */
function parseDetails(el: XmlElement, rule: RuleDef, attrs: AttrSpec[]): void {
  const neg = attr(el, 'match') === 'no' ? ITEM_NEG : 0;
  let failure: VirtError | undefined;
  for (const spec of attrs) {
    const prop = attr(el, spec.name);
    if (prop === undefined) continue;
    const item = rule.items.get(spec.name) ?? { flags: 0, datatype: 0 };
    if (!readItem(spec, prop, item, rule, neg)) {
      item.flags = 0;
      failure = internal(`${spec.name} has illegal value ${prop}`);
    }
    rule.items.set(spec.name, item);
  }
  if (failure) throw failure;
}

/** One attribute value through libvirt's datatype loop and its validator; false when refused. */
function readItem(spec: AttrSpec, prop: string, item: RuleItem, rule: RuleDef, neg: number): boolean {
  if (prop.startsWith('$')) {
    let access: ReturnType<typeof parseVarAccess>;
    try {
      access = parseVarAccess(prop.slice(1));
    } catch {
      return false;
    }
    const known = rule.varAccess.find((v) => varAccessEqual(v, access));
    if (!known) rule.varAccess.push(access);
    item.flags = ITEM_EXISTS | neg | ITEM_HAS_VAR;
    item.varAccess = known ?? access;
    // libvirt leaves datatype 0 for variables (its loop never ran)
    item.datatype = 0;
    return true;
  }
  let remaining = spec.types;
  for (let dt = 1; dt <= DT.LAST; dt <<= 1) {
    if (!(remaining & dt)) continue;
    remaining ^= dt;
    const v = readAs(dt, prop, spec);
    if (v === FAIL) {
      if (remaining) continue;
      return false;
    }
    item.flags = ITEM_EXISTS | neg;
    item.datatype = dt;
    item.value = v;
    item.varAccess = undefined;
    return validate(spec, dt, v, item, rule);
  }
  return false;
}

const FAIL = Symbol('fail');

function readAs(dt: number, prop: string, spec: AttrSpec): unknown {
  switch (dt) {
    case DT.UINT8:
    case DT.UINT8_HEX: {
      const v = strToUInt(prop, dt === DT.UINT8 ? 10 : 16);
      return v !== undefined && v <= 0xff ? v : FAIL;
    }
    case DT.UINT16:
    case DT.UINT16_HEX: {
      const v = strToUInt(prop, dt === DT.UINT16 ? 10 : 16);
      return v !== undefined && v <= 0xffff ? v : FAIL;
    }
    case DT.UINT32:
    case DT.UINT32_HEX: {
      const v = strToUInt(prop, dt === DT.UINT32 ? 10 : 16);
      return v ?? FAIL;
    }
    case DT.IPADDR:
      return parseIPv4Aton(prop) ?? FAIL;
    case DT.IPV6ADDR:
      return parseIPv6Groups(prop) ?? FAIL;
    case DT.IPMASK:
    case DT.IPV6MASK: {
      const max = dt === DT.IPMASK ? 32 : 128;
      const n = strToUInt(prop, 10);
      if (n !== undefined) return n <= max ? n : FAIL;
      const bytes =
        dt === DT.IPMASK
          ? ipv4BytesOf(parseIPv4Aton(prop))
          : parseIPv6Groups(prop)?.flatMap((g) => [g >> 8, g & 255]);
      if (!bytes) return FAIL;
      return maskBits(bytes) ?? FAIL;
    }
    case DT.MACADDR:
    case DT.MACMASK:
      return parseMac(prop) ?? FAIL;
    case DT.STRING:
    case DT.IPSETNAME:
    case DT.IPSETFLAGS:
      return spec.special ? prop : FAIL;
    case DT.STRINGCOPY:
      return truncateBytes(prop, spec.maxLength ?? 256);
    case DT.BOOLEAN:
      return prop === 'true' || prop === '1' || prop === 'yes';
    default:
      return FAIL;
  }
}

function ipv4BytesOf(v: number | undefined): number[] | undefined {
  return v === undefined ? undefined : [24, 16, 8, 0].map((s) => Math.floor(v / 2 ** s) % 256);
}

/** g_strndup(s, max): at most `max` bytes of UTF-8, never splitting a character. */
function truncateBytes(s: string, max: number): string {
  const bytes = new TextEncoder().encode(s);
  if (bytes.length <= max) return s;
  let out = '';
  let n = 0;
  for (const ch of s) {
    const len = new TextEncoder().encode(ch).length;
    if (n + len > max) break;
    out += ch;
    n += len;
  }
  return out;
}

function lookupName(map: ReadonlyArray<[number, string]>, name: string): number | undefined {
  const lower = name.toLowerCase();
  return map.find(([, n]) => n.toLowerCase() === lower)?.[0];
}

const ETHER_MAP: ReadonlyArray<[number, string]> = Object.entries(ETHERTYPES).map(([n, v]) => [v, n]);

/** The validators of nwfilter_conf.c; they may convert the value and change the datatype. */
function validate(spec: AttrSpec, dt: number, v: unknown, item: RuleItem, rule: RuleDef): boolean {
  switch (spec.special) {
    case undefined:
      if (dt === DT.MACMASK) return maskBits(v as number[]) !== undefined;
      return true;
    case 'macProtocol':
    case 'vlanProtocol': {
      const min = spec.special === 'macProtocol' ? 0x600 : 0x3c;
      if (dt === DT.STRING) {
        const n = lookupName(ETHER_MAP, v as string);
        if (n === undefined) return false;
        item.value = n;
        item.datatype = DT.UINT16;
        return true;
      }
      return (v as number) >= min;
    }
    case 'vlanId':
      return (v as number) <= 4095;
    case 'arpOpcode': {
      if (dt !== DT.STRING) return true;
      const n = lookupName(ARP_OPCODES, v as string);
      if (n === undefined) return false;
      item.value = n;
      item.datatype = DT.UINT16;
      return true;
    }
    case 'ipProtocol': {
      if (dt !== DT.STRING) return true;
      const n = lookupName(IP_PROTOCOLS, v as string);
      if (n === undefined) return false;
      item.value = n;
      item.datatype = DT.UINT8_HEX;
      return true;
    }
    case 'dscp':
      return (v as number) <= 63;
    case 'state': {
      const flags = parseItems(STATE_NAMES, v as string);
      if (flags === undefined) return false;
      const f = flags & STATE_NONE ? STATE_NONE : flags;
      item.value = f;
      item.datatype = DT.UINT16;
      rule.flags |= f;
      return true;
    }
    case 'tcpFlags': {
      const s = v as string;
      const slash = s.indexOf('/');
      if (slash < 0) return false;
      const mask = parseItems(TCP_FLAG_NAMES, s.slice(0, slash));
      const flags = parseItems(TCP_FLAG_NAMES, s.slice(slash + 1));
      if (mask === undefined || flags === undefined) return false;
      item.value = { mask: mask & 0x3f, flags: flags & 0x3f };
      return true;
    }
    case 'ipset': {
      const s = v as string;
      return s.length <= MAX_IPSET_NAME && VALID_IPSETNAME.test(s);
    }
    case 'ipsetFlags': {
      const parsed = parseIpsetFlags(v as string);
      if (!parsed) return false;
      item.value = parsed;
      return true;
    }
  }
}

/** parseStringItems: names separated by ',' (and blanks), each matched as a case-insensitive prefix. */
function parseItems(map: ReadonlyArray<[number, string]>, input: string): number | undefined {
  let flags = 0;
  let i = 0;
  while (i < input.length) {
    while (i < input.length && /[ \t\n\v\f\r,]/.test(input[i] as string)) i++;
    if (i >= input.length) break;
    const hit = map.find(([, n]) => input.slice(i, i + n.length).toLowerCase() === n.toLowerCase());
    if (!hit) return undefined;
    flags |= hit[0];
    i += hit[1].length;
  }
  return flags;
}

/** ipsetFlagsValidator: up to six comma-separated src/dst. */
function parseIpsetFlags(s: string): { n: number; bits: number } | undefined {
  let n = 0;
  let bits = 0;
  let idx = 0;
  while (n < 6) {
    const word = s.slice(idx, idx + 3).toLowerCase();
    if (word === 'src') bits |= 1 << n;
    else if (word !== 'dst') return undefined;
    n++;
    idx += 3;
    if (s[idx] !== ',') break;
    idx++;
  }
  return idx === s.length ? { n, bits } : undefined;
}

/** virNWFilterRuleValidate: ports on ip/ipv6 rules need tcp, udp, dccp or sctp as protocol. */
function validatePorts(rule: RuleDef): void {
  if (rule.protocol !== 'ip' && rule.protocol !== 'ipv6') return;
  const has = (n: string) => ((rule.items.get(n)?.flags ?? 0) & ITEM_EXISTS) !== 0;
  if (!['srcportstart', 'dstportstart', 'srcportend', 'dstportend'].some(has)) return;
  const proto = rule.items.get('protocol');
  const ok = proto && has('protocol') && [6, 17, 33, 132].includes(proto.value as number);
  if (!ok) {
    throw internal(
      `${rule.protocol === 'ip' ? 'IP' : 'IPv6'} rule with port specification requires protocol specification with protocol to be either one of tcp(6), udp(17), dccp(33), or sctp(132)`,
    );
  }
}

/**
 * A variable's value read as attribute `name` of `protocol` reads its text (the value libvirt would hand to
 * ebtables or iptables); undefined when the value is not valid there.
 */
export function readAttrValue(protocol: string, name: string, text: string): RuleItem | undefined {
  const spec = PROTOCOLS.find((p) => p.id === protocol)?.attrs.find((a) => a.name === name);
  if (!spec || text.startsWith('$')) return undefined;
  const scratch: RuleDef = {
    action: 'accept',
    direction: 'in',
    priority: 0,
    flags: 0,
    protocol,
    items: new Map(),
    varAccess: [],
  };
  const item: RuleItem = { flags: 0, datatype: 0 };
  return readItem(spec, text, item, scratch, 0) ? item : undefined;
}
