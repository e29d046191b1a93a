// Shared helpers of the network XML parser: errors with positions and libvirt's attribute readers.

import { VirtError } from './errors.js';
import { attr, type XmlElement } from './xml-dom.js';

/** A VirtError carrying the position of the element it is about. */
export function err(
  el: XmlElement | undefined,
  code: 'XML_ERROR' | 'XML_DETAIL' | 'CONFIG_UNSUPPORTED' | 'MALFORMED_VALUE',
  detail: string,
) {
  return new VirtError(code, detail, el ? { position: { line: el.line, column: el.column } } : undefined);
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

/** An unsigned (decimal or 0x) attribute up to `max`; `what` gives the message for a bad value. */
export function uint(el: XmlElement, name: string, what: () => string, max = 0xffffffff): number | undefined {
  const v = attr(el, name);
  if (v === undefined) return undefined;
  const t = v.trim();
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(t) || Number(t) > max)
    throw err(el, 'XML_ERROR', what().replace('%s', v));
  return Number(t);
}

/** An unsigned decimal attribute as virXPathUInt reads it: undefined when absent, NaN when malformed. */
export function xpathUInt(el: XmlElement, name: string): number | undefined {
  const v = attr(el, name);
  if (v === undefined) return undefined;
  return /^\s*\+?\d+\s*$/.test(v) ? Number(v) : Number.NaN;
}
