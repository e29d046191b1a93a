// Network filter bindings (<filterbinding>, virsh nwfilter-binding-*): the filter applied to one port device,
// with its owner, MAC and parameters, read and printed as libvirt 9.0 does (virnwfilterbindingdef.c). Pure.

import { VirtError } from './errors.js';
import { formatFilterRef } from './nwfilter-format.js';
import { parseParams, parseUuid } from './nwfilter-parse.js';
import { formatMac, parseMac } from './nwfilter-values.js';
import type { ParamTable } from './nwfilter-vars.js';
import {
  attr,
  childElements,
  escapeXml,
  firstChild,
  parseXmlDocument,
  textContent,
  type XmlElement,
} from './xml-dom.js';

export interface NwfilterBindingDef {
  owner: { name: string; uuid: string };
  portdev: string;
  linkdev?: string;
  /** Lower-case colon form. */
  mac: string;
  filter: string;
  params: ParamTable;
}

const internal = (m: string) => new VirtError('MALFORMED_VALUE', m);

/** Parses binding XML as `virsh nwfilter-binding-create` reads it (a <backend> element is ignored, as in 9.0). */
export function parseNwfilterBindingXml(xml: string): NwfilterBindingDef {
  const root = parseXmlDocument(xml);
  if (root.name !== 'filterbinding')
    throw new VirtError('XML_ERROR', 'unknown root element for nwfilter binding');
  const portdev = xpathAttr(root, 'portdev', 'name');
  if (portdev === undefined) throw internal('filter binding has no port dev name');
  let linkdev: string | undefined;
  if (firstChild(root, 'linkdev')) {
    linkdev = xpathAttr(root, 'linkdev', 'name');
    if (linkdev === undefined) throw internal('filter binding has no link dev name');
  }
  const owner = firstChild(root, 'owner');
  const ownerName = owner ? xpathText(owner, 'name') : undefined;
  if (ownerName === undefined) throw internal('filter binding has no owner name');
  const uuidText = owner ? xpathText(owner, 'uuid') : undefined;
  if (uuidText === undefined) throw internal('filter binding has no owner UUID');
  const uuid = parseUuid(uuidText);
  if (!uuid) throw internal(`Unable to parse UUID '${uuidText}'`);
  const macText = xpathAttr(root, 'mac', 'address');
  if (macText === undefined) throw internal('filter binding has no MAC address');
  const mac = parseMac(macText);
  if (!mac) throw internal(`Unable to parse MAC '${macText}'`);
  const filter = xpathAttr(root, 'filterref', 'filter');
  if (filter === undefined) throw internal('filter binding has no filter reference');
  const ref = firstChild(root, 'filterref') as XmlElement;
  const def: NwfilterBindingDef = {
    owner: { name: ownerName, uuid },
    portdev,
    mac: formatMac(mac),
    filter,
    params: parseParams(ref),
  };
  if (linkdev !== undefined) def.linkdev = linkdev;
  return def;
}

/** virNWFilterBindingDefFormat (without virsh's extra newline). */
export function formatNwfilterBindingXml(def: NwfilterBindingDef): string {
  const esc = escapeXml;
  let out = '<filterbinding>\n  <owner>\n';
  out += `    <name>${esc(def.owner.name)}</name>\n    <uuid>${def.owner.uuid}</uuid>\n  </owner>\n`;
  out += `  <portdev name='${esc(def.portdev)}'/>\n`;
  if (def.linkdev !== undefined) out += `  <linkdev name='${esc(def.linkdev)}'/>\n`;
  out += `  <mac address='${def.mac}'/>\n`;
  out += formatFilterRef({ filter: def.filter, params: def.params }, '  ');
  return `${out}</filterbinding>\n`;
}

/** libvirt 9.0 stores a binding with the MAC parameter filled in from <mac address> when it was not given. */
export function withMacParam(def: NwfilterBindingDef): NwfilterBindingDef {
  if (def.params.has('MAC')) return def;
  const params = new Map(def.params);
  params.set('MAC', [def.mac]);
  return { ...def, params };
}

/** string(./el/@name): the first such element's attribute, absent when empty. */
function xpathAttr(root: XmlElement, el: string, name: string): string | undefined {
  for (const c of childElements(root, el)) {
    const v = attr(c, name);
    if (v !== undefined) return v === '' ? undefined : v;
  }
  return undefined;
}

function xpathText(root: XmlElement, el: string): string | undefined {
  const c = firstChild(root, el);
  if (!c) return undefined;
  const t = textContent(c);
  return t === '' ? undefined : t;
}
