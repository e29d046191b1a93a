// Shared helpers of the network XML parser: errors with positions, and libvirt's ways of reading attributes
// (XPath strings, virXMLProp*, virStrToLong_*), each with the message libvirt 9.0 gives for a bad value.

import { VirtError } from './errors.js';
import { attr, type XmlElement } from './xml-dom.js';

export type ParseErrorCode =
  | 'XML_ERROR'
  | 'XML_DETAIL'
  | 'CONFIG_UNSUPPORTED'
  | 'MALFORMED_VALUE'
  | 'MALFORMED_ADDRESS';

/** A VirtError carrying the position of the element it is about. */
export function err(el: XmlElement | undefined, code: ParseErrorCode, detail: string) {
  return new VirtError(code, detail, el ? { position: { line: el.line, column: el.column } } : undefined);
}

/** An attribute as libvirt's XPath `string(./@name)` reads it: an empty value counts as absent. */
export function xattr(el: XmlElement | undefined, name: string): string | undefined {
  const v = el ? attr(el, name) : undefined;
  return v === '' ? undefined : v;
}

/** A strict yes/no attribute; `what` gives the message, with %s standing for the bad value. */
export function yesNo(el: XmlElement, name: string, what: () => string): boolean | undefined {
  const v = attr(el, name);
  if (v === undefined) return undefined;
  if (v === 'yes') return true;
  if (v === 'no') return false;
  throw err(el, 'XML_ERROR', what().replace('%s', v));
}

/** A yes/no attribute read like virXMLPropTristateBool, with its generic message. */
export function triBool(el: XmlElement, name: string): boolean | undefined {
  return yesNo(el, name, () => `Invalid value for attribute '${name}' in element '${el.name}': '%s'.`);
}

/** An attribute that must be one of `values`, read like virXMLPropEnum. */
export function propEnum<T extends string>(
  el: XmlElement,
  name: string,
  values: readonly T[],
): T | undefined {
  const v = attr(el, name);
  if (v === undefined) return undefined;
  if (!(values as readonly string[]).includes(v))
    throw err(el, 'XML_ERROR', `Invalid value for attribute '${name}' in element '${el.name}': '${v}'.`);
  return v as T;
}

const MAX_U64 = (1n << 64n) - 1n;

/**
 * C's strtoul as libvirt's virStrToLong_* wrap it: leading white space, an optional sign, base 0 (0x hex, 0 octal,
 * else decimal), 10 or 16; the whole text must be the number. `negative`: 'refuse' (the *p variants) or 'wrap'
 * (virStrToLong_ui turns -N into 2^32-N). Undefined when libvirt would refuse the text or the value exceeds `max`.
 */
export function strToUnsigned(
  text: string,
  opts: { base?: 0 | 10 | 16; max?: bigint; negative?: 'refuse' | 'wrap' } = {},
): bigint | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)(.*)$/s.exec(text);
  if (!m) return undefined;
  const neg = m[1] === '-';
  let rest = m[2];
  let radix: number = opts.base ?? 10;
  if ((radix === 0 || radix === 16) && /^0[xX][0-9a-fA-F]/.test(rest)) {
    rest = rest.slice(2);
    radix = 16;
  } else if (radix === 0) radix = rest.startsWith('0') ? 8 : 10;
  const digits = radix === 16 ? /^[0-9a-fA-F]+$/ : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!digits.test(rest)) return undefined;
  let value = 0n;
  for (const c of rest) value = value * BigInt(radix) + BigInt(Number.parseInt(c, 16));
  if (value > MAX_U64) return undefined;
  if (neg) {
    if (opts.negative !== 'wrap' || value > 0xffffffffn) return undefined;
    value = (0x100000000n - value) & 0xffffffffn;
  }
  if (value > (opts.max ?? MAX_U64)) return undefined;
  return value;
}

/** A bigint that fits a JS number exactly, or undefined (virtnet keeps numbers, not 64-bit integers). */
export function safeNumber(v: bigint | undefined): number | undefined {
  return v !== undefined && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;
}

/**
 * An unsigned attribute read like virXMLPropUInt (32-bit) or virXMLPropULongLong (`u64`), with their messages
 * for a missing, malformed or zero value.
 */
export function propUInt(
  el: XmlElement,
  name: string,
  opts: { base?: 0 | 10 | 16; required?: boolean; nonzero?: boolean; u64?: boolean } = {},
): number | undefined {
  const v = attr(el, name);
  if (v === undefined) {
    if (opts.required)
      throw err(el, 'XML_ERROR', `Missing required attribute '${name}' in element '${el.name}'`);
    return undefined;
  }
  const n = strToUnsigned(v, { base: opts.base ?? 10, max: opts.u64 ? undefined : 0xffffffffn });
  const value = safeNumber(n);
  if (value === undefined) {
    throw err(
      el,
      'XML_ERROR',
      `Invalid value for attribute '${name}' in element '${el.name}': '${v}'. Expected non-negative integer value`,
    );
  }
  if (opts.nonzero && value === 0)
    throw err(
      el,
      'XML_ERROR',
      `Invalid value for attribute '${name}' in element '${el.name}': Zero is not permitted`,
    );
  return value;
}

/** An unsigned decimal attribute as virXPathUInt reads it: undefined when absent or empty, NaN when malformed. */
export function xpathUInt(el: XmlElement, name: string): number | undefined {
  const v = xattr(el, name);
  if (v === undefined) return undefined;
  return safeNumber(strToUnsigned(v, { max: 0xffffffffn })) ?? Number.NaN;
}

/**
 * A MAC address as virMacAddrParse reads it: six octets of one or two hex digits separated by ':', anything from a
 * space or control character on ignored. Returns the canonical lower-case form.
 */
export function parseMac(text: string): { mac: string; multicast: boolean } | undefined {
  const m = /^((?:[0-9a-fA-F]{1,2}:){5}[0-9a-fA-F]{1,2})(?:[\x00-\x20].*)?$/s.exec(text);
  if (!m) return undefined;
  const octets = m[1].split(':').map((o) => Number.parseInt(o, 16));
  return {
    mac: octets.map((o) => o.toString(16).padStart(2, '0')).join(':'),
    multicast: ((octets[0] ?? 0) & 1) === 1,
  };
}
