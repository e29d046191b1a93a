// The values of one rule instance, as the nft renderers read them: constants of the filter, or the variables'
// values for this combination, each checked against the attribute's datatype before it reaches nft text. Pure.

import { VirtError } from '../model/errors.js';
import { ITEM_EXISTS, ITEM_HAS_VAR, ITEM_NEG, type RuleDef, type RuleItem } from '../model/nwfilter-def.js';
import { DYNAMIC_IP } from '../model/nwfilter-instantiate.js';
import { readAttrValue } from '../model/nwfilter-rule-parse.js';
import { formatIPv4, formatIPv6Groups, formatMac } from '../model/nwfilter-values.js';
import { formatVarAccess } from '../model/nwfilter-vars.js';

export interface Value {
  neg: boolean;
  /** The guest's learned address: matched through the port's address set instead of a constant. */
  dynamic: boolean;
  item: RuleItem;
}

/** Reads the attributes of one rule with one combination of variable values. */
export class RuleValues {
  constructor(
    readonly rule: RuleDef,
    private readonly combo: Map<string, string>,
  ) {}

  get(name: string): Value | undefined {
    const item = this.rule.items.get(name);
    if (!item || !(item.flags & ITEM_EXISTS)) return undefined;
    const neg = (item.flags & ITEM_NEG) !== 0;
    if (!(item.flags & ITEM_HAS_VAR) || !item.varAccess) return { neg, dynamic: false, item };
    const key = formatVarAccess(item.varAccess);
    const text = this.combo.get(key) as string;
    if (text === DYNAMIC_IP) return { neg, dynamic: true, item: { flags: item.flags, datatype: 0 } };
    const typed = readAttrValue(this.rule.protocol, name, text);
    if (!typed) {
      throw new VirtError(
        'NWFILTER_UNAPPLICABLE',
        `variable '${key}' has the value '${text}', which is not valid for attribute '${name}' of <${this.rule.protocol}>`,
      );
    }
    return { neg, dynamic: false, item: typed };
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }
}

export const num = (v: Value): number => v.item.value as number;
export const mac = (v: Value): string => formatMac(v.item.value as number[]);
export const ipv4 = (v: Value): string => formatIPv4(v.item.value as number);
export const ipv6 = (v: Value): string => formatIPv6Groups(v.item.value as number[]);
export const op = (v: Value): string => (v.neg ? '!= ' : '');

/** `addr/bits` with the host bits cleared (ebtables and iptables mask the address themselves). */
export function cidr4(value: number, bits: number): string {
  if (bits >= 32) return formatIPv4(value);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return `${formatIPv4((value & mask) >>> 0)}/${bits}`;
}

export function cidr6(groups: readonly number[], bits: number): string {
  if (bits >= 128) return formatIPv6Groups(groups);
  const masked = groups.map((g, i) => {
    const keep = Math.max(0, Math.min(16, bits - i * 16));
    return keep === 0 ? 0 : g & ((0xffff << (16 - keep)) & 0xffff);
  });
  return `${formatIPv6Groups(masked)}/${bits}`;
}

/** MAC bytes as one hex number (raw payload matches). */
export function macHex(bytes: readonly number[]): string {
  return `0x${bytes.map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** `addr & mask` for a MAC, as ebtables compares it. */
export function maskedMac(addr: readonly number[], mask: readonly number[]): string {
  return formatMac(addr.map((b, i) => b & (mask[i] ?? 0)));
}
