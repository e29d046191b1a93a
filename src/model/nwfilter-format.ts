// NwfilterDef → XML exactly as libvirt 9.0 prints it (virNWFilterDefFormat): attributes in table order, masks
// in CIDR form, numbers in the base they were written in, `match='no'` elements split where negation changes. Pure.

import {
  ARP_OPCODES,
  DT,
  ETHERTYPES,
  type FilterRef,
  IP_PROTOCOLS,
  ITEM_EXISTS,
  ITEM_HAS_VAR,
  ITEM_NEG,
  type NwfilterDef,
  PROTOCOLS,
  RULE_NO_STATEMATCH,
  type RuleDef,
  type RuleItem,
  STATE_NAMES,
  TCP_FLAG_NAMES,
} from './nwfilter-def.js';
import { formatIPv4, formatIPv6Groups, formatMac } from './nwfilter-values.js';
import { formatVarAccess, sortedParams } from './nwfilter-vars.js';
import { escapeXml } from './xml-dom.js';

/** The filter as `virsh nwfilter-dumpxml` prints it (without virsh's extra newline). */
export function formatNwfilterXml(def: NwfilterDef): string {
  let out = `<filter name='${escapeXml(def.name)}' chain='${def.chain}'`;
  if (def.chainPriority !== 0) out += ` priority='${def.chainPriority}'`;
  out += '>\n';
  out += `  <uuid>${def.uuid}</uuid>\n`;
  for (const e of def.entries) out += 'rule' in e ? formatRule(e.rule) : formatFilterRef(e.ref, '  ');
  return `${out}</filter>\n`;
}

/** `<filterref filter=...>` with its parameters sorted by name (shared with binding XML). */
export function formatFilterRef(ref: FilterRef, indent: string): string {
  const head = `${indent}<filterref filter='${escapeXml(ref.filter)}'`;
  if (ref.params.size === 0) return `${head}/>\n`;
  let out = `${head}>\n`;
  for (const [name, values] of sortedParams(ref.params))
    for (const v of values) out += `${indent}  <parameter name='${name}' value='${v}'/>\n`;
  return `${out}${indent}</filterref>\n`;
}

function formatRule(rule: RuleDef): string {
  let out = `  <rule action='${rule.action}' direction='${rule.direction}' priority='${rule.priority}'`;
  if (rule.flags & RULE_NO_STATEMATCH) out += " statematch='false'";
  const proto = PROTOCOLS.find((p) => p.id === rule.protocol);
  if (!proto) return `${out}/>\n`;
  return `${out}>\n${formatDetails(
    rule,
    proto.id,
    proto.attrs.map((a) => a.name),
  )}  </rule>\n`;
}

/** virNWFilterRuleDefDetailsFormat, including its way of starting a new element when negation changes. */
function formatDetails(rule: RuleDef, type: string, names: string[]): string {
  const indent = '    ';
  let out = '';
  let typeShown = false;
  let neverShown = true;
  let match: 'none' | 'yes' | 'no' = 'none';
  for (let i = 0; i < names.length; ) {
    const name = names[i] as string;
    const item = rule.items.get(name);
    if (!item || !(item.flags & ITEM_EXISTS)) {
      i++;
      continue;
    }
    if (!typeShown) {
      out += `${indent}<${type}`;
      typeShown = true;
      neverShown = false;
    }
    if (item.flags & ITEM_NEG) {
      if (match === 'none') {
        out += " match='no'";
        match = 'no';
      } else if (match === 'yes') {
        out += '/>\n';
        typeShown = false;
        match = 'none';
        continue;
      }
    } else {
      if (match === 'no') {
        out += '/>\n';
        typeShown = false;
        match = 'none';
        continue;
      }
      match = 'yes';
    }
    out += ` ${name}='${formatValue(name, item)}'`;
    i++;
  }
  if (typeShown) out += '/>\n';
  if (neverShown) out += `${indent}<${type}/>\n`;
  return out;
}

const hex = (n: number) => `0x${n.toString(16)}`;

function nameOf(map: ReadonlyArray<[number, string]>, n: number): string | undefined {
  return map.find(([v]) => v === n)?.[1];
}

/** Items print as libvirt's formatters do; names of the special attributes follow nwfilter_conf.c. */
export function formatValue(name: string, item: RuleItem): string {
  if (item.flags & ITEM_HAS_VAR && item.varAccess) return `$${formatVarAccess(item.varAccess)}`;
  const v = item.value;
  switch (name) {
    case 'protocolid':
    case 'encap-protocol': {
      const known = Object.entries(ETHERTYPES).find(([, t]) => t === v)?.[0];
      if (known) return known;
      return item.datatype === DT.UINT16 ? String(v) : hex(v as number);
    }
    case 'opcode':
      return nameOf(ARP_OPCODES, v as number) ?? String(v);
    case 'protocol':
      return nameOf(IP_PROTOCOLS, v as number) ?? (item.datatype === DT.UINT8 ? String(v) : hex(v as number));
    case 'state':
      return printFlags(STATE_NAMES, v as number);
    case 'flags':
      if (typeof v === 'object' && v !== null) {
        const f = v as { mask: number; flags: number };
        return `${tcpFlags(f.mask)}/${tcpFlags(f.flags)}`;
      }
      break;
    case 'ipset':
      return v as string;
    case 'ipsetflags': {
      const f = v as { n: number; bits: number };
      return Array.from({ length: f.n }, (_, i) => (f.bits & (1 << i) ? 'src' : 'dst')).join(',');
    }
  }
  switch (item.datatype) {
    case DT.UINT8_HEX:
    case DT.UINT16_HEX:
    case DT.UINT32_HEX:
      return hex(v as number);
    case DT.UINT8:
    case DT.UINT16:
    case DT.UINT32:
    case DT.IPMASK:
    case DT.IPV6MASK:
      return String(v);
    case DT.IPADDR:
      return formatIPv4(v as number);
    case DT.IPV6ADDR:
      return formatIPv6Groups(v as number[]);
    case DT.MACADDR:
    case DT.MACMASK:
      return formatMac(v as number[]);
    case DT.STRINGCOPY:
      return escapeXml(v as string);
    case DT.BOOLEAN:
      return v ? 'true' : 'false';
  }
  return String(v);
}

/** printStringItems: the names of the set bits, lowest bit first. */
export function printFlags(map: ReadonlyArray<[number, string]>, flags: number): string {
  const out: string[] = [];
  for (let mask = 1; mask <= flags && mask < 0x80000000; mask <<= 1) {
    if (!(flags & mask)) continue;
    for (const [bit, n] of map) if (bit === mask) out.push(n);
  }
  return out.join(',');
}

export function tcpFlags(flags: number): string {
  if (flags === 0) return 'NONE';
  if (flags === 0x3f) return 'ALL';
  return printFlags(TCP_FLAG_NAMES, flags);
}
