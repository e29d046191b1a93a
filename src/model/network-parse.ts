// libvirt network XML → NetworkDef, with libvirt 9.0's parse-time checks and messages, in its order
// (virNetworkDefParseXML), so that a document with several problems gets the same first complaint.

import type { NetworkDef, PortGroupDef, XmlNode } from './network-def.js';
import { emptyNetworkDef } from './network-def.js';
import { parseBandwidth, parseVirtualPort, parseVlan } from './network-parse-common.js';
import { parseDns } from './network-parse-dns.js';
import { checkForwardCombinations, parseForward } from './network-parse-forward.js';
import { checkRouteGateways, parseIp4or6, parseRoute } from './network-parse-ip.js';
import { err, parseMac, strToUnsigned, triBool, xattr } from './network-parse-util.js';
import { normalizeUuid } from './uuid.js';
import {
  attr,
  childElements,
  firstChild,
  parseXmlDocument,
  textContent,
  type XmlElement,
} from './xml-dom.js';

export { parseBandwidth, parseVirtualPort, parseVlan } from './network-parse-common.js';
export { pciLabel } from './network-parse-forward.js';

export const DNSMASQ_NS = 'http://libvirt.org/schemas/network/dnsmasq/1.0';

/** Parses a network XML document; throws VirtError (XML_ERROR with line/column when the XML is malformed). */
export function parseNetworkXml(xml: string): NetworkDef {
  const root = parseXmlDocument(xml);
  if (root.name !== 'network') {
    throw err(root, 'XML_ERROR', `expecting root element of 'network', not '${root.name}'`);
  }
  return parseNetworkElement(root);
}

/**
 * libvirt refuses '/' at parse time and '\n' at define time ("invalid char in name: X"); virtnet also refuses
 * every other control character here because names reach dnsmasq configs, file names and nft comments.
 */
export function checkNameChars(name: string, el?: XmlElement): void {
  const bad = /[/\x00-\x1f\x7f]/.exec(name)?.[0];
  if (bad === undefined) return;
  const shown = bad === '/' || bad === '\n' ? bad : `0x${bad.charCodeAt(0).toString(16).padStart(2, '0')}`;
  throw err(el, 'XML_DETAIL', `invalid char in name: ${shown}`);
}

function parseNetworkElement(root: XmlElement): NetworkDef {
  // a default namespace on <network> puts <name> and everything else out of reach of libvirt's XPath
  const nameEl = attr(root, 'xmlns') ? undefined : firstChild(root, 'name');
  const name = nameEl ? textContent(nameEl) : '';
  if (!nameEl || name === '') throw err(root, 'XML_DETAIL', 'missing name information');
  checkNameChars(name, nameEl);
  const def = emptyNetworkDef(name);

  const uuidEl = firstChild(root, 'uuid');
  const uuidText = uuidEl ? textContent(uuidEl) : '';
  if (uuidEl && uuidText !== '') {
    const u = normalizeUuid(uuidText);
    if (!u) throw err(uuidEl, 'MALFORMED_VALUE', 'malformed uuid element');
    def.uuid = u;
  }
  // libvirt 9.0 neither reads nor prints <title> and <description> (they came with 9.7)
  const ipv6 = xattr(root, 'ipv6');
  if (ipv6 !== undefined) {
    if (ipv6 !== 'yes' && ipv6 !== 'no')
      throw err(root, 'XML_ERROR', `Invalid ipv6 setting '${ipv6}' in network '${name}'`);
    def.ipv6 = ipv6 === 'yes';
  }
  def.trustGuestRxFilters = triBool(root, 'trustGuestRxFilters');

  const domain = firstChild(root, 'domain');
  if (domain) {
    const dn = attr(domain, 'name');
    const localOnly = triBool(domain, 'localOnly');
    if (dn !== undefined) {
      def.domain = { name: dn };
      if (localOnly !== undefined) def.domain.localOnly = localOnly;
    }
  }
  const bw = firstChild(root, 'bandwidth');
  if (bw) def.bandwidth = parseBandwidth(bw);
  const vlan = firstChild(root, 'vlan');
  if (vlan) def.vlan = parseVlan(vlan);
  const port = firstChild(root, 'port');
  if (port) def.portIsolated = triBool(port, 'isolated');
  parseBridge(root, def);
  const macEl = firstChild(root, 'mac');
  const mac = xattr(macEl, 'address');
  if (mac !== undefined) {
    const parsed = parseMac(mac);
    if (!parsed) throw err(macEl, 'XML_ERROR', `Invalid bridge mac address '${mac}' in network '${name}'`);
    if (parsed.multicast) {
      throw err(macEl, 'XML_ERROR', `Invalid multicast bridge mac address '${mac}' in network '${name}'`);
    }
    def.mac = parsed.mac;
  }
  const mtuEl = firstChild(root, 'mtu');
  const mtu = xattr(mtuEl, 'size');
  if (mtu !== undefined) {
    // virStrToLong_ui: "-1" means 4294967295
    const n = strToUnsigned(mtu, { max: 0xffffffffn, negative: 'wrap' });
    if (n === undefined) throw err(mtuEl, 'XML_ERROR', `Invalid mtu size '${mtu}' in network '${name}'`);
    if (n > 0n) def.mtu = Number(n);
  }
  const dns = firstChild(root, 'dns');
  if (dns) def.dns = parseDns(dns, name);
  const vp = firstChild(root, 'virtualport');
  if (vp) def.virtualport = parseVirtualPort(vp, true);
  for (const pg of childElements(root, 'portgroup')) def.portgroups.push(parsePortGroup(pg));
  for (const ipEl of childElements(root, 'ip')) def.ips.push(parseIp4or6(ipEl, name));
  const routeEls = childElements(root, 'route');
  for (const r of routeEls) def.routes.push(parseRoute(r, name));
  checkRouteGateways(def, routeEls);
  const fwd = firstChild(root, 'forward');
  if (fwd) def.forward = parseForward(fwd, name);
  checkForwardCombinations(def, fwd, mtuEl);
  // libvirt keeps an unsigned long (printed signed, so 2^64-1 shows as -1); virtnet keeps exact numbers
  const delay = def.bridge?.delay;
  if (delay !== undefined && !Number.isSafeInteger(delay)) {
    throw err(
      firstChild(root, 'bridge'),
      'XML_ERROR',
      `bridge delay '${xattr(firstChild(root, 'bridge'), 'delay')}' in network '${name}' is too large: at most ${Number.MAX_SAFE_INTEGER}`,
    );
  }
  const md = firstChild(root, 'metadata');
  if (md) parseMetadata(md, root, def);
  def.dnsmasqOptions = parseDnsmasqOptions(root);
  return def;
}

function parseBridge(root: XmlElement, def: NetworkDef): void {
  const bridge = firstChild(root, 'bridge');
  if (!bridge) return;
  def.bridge = {};
  const name = xattr(bridge, 'name');
  if (name !== undefined) def.bridge.name = name;
  const zone = xattr(bridge, 'zone');
  if (zone !== undefined) def.bridge.zone = zone;
  const stp = xattr(bridge, 'stp');
  if (stp !== undefined) def.bridge.stp = stp !== 'off';
  const delay = xattr(bridge, 'delay');
  if (delay !== undefined) {
    const n = strToUnsigned(delay);
    if (n === undefined) throw err(bridge, 'XML_ERROR', `Invalid delay value in network '${def.name}'`);
    def.bridge.delay = Number(n);
  }
  const mtm = xattr(bridge, 'macTableManager');
  if (mtm !== undefined) {
    if (mtm !== 'kernel' && mtm !== 'libvirt') {
      throw err(bridge, 'XML_ERROR', `Invalid macTableManager setting '${mtm}' in network '${def.name}'`);
    }
    def.bridge.macTableManager = mtm;
  }
}

/** <portgroup> (virNetworkPortGroupParseXML). */
export function parsePortGroup(el: XmlElement, _network?: string): PortGroupDef {
  const name = xattr(el, 'name');
  if (name === undefined) throw err(el, 'XML_ERROR', 'Missing required name attribute in portgroup');
  const pg: PortGroupDef = { name };
  // libvirt: default is true only for a case-insensitive "yes", anything else means no default
  if (xattr(el, 'default')?.toLowerCase() === 'yes') pg.default = true;
  const t = triBool(el, 'trustGuestRxFilters');
  if (t !== undefined) pg.trustGuestRxFilters = t;
  const vp = firstChild(el, 'virtualport');
  if (vp) pg.virtualport = parseVirtualPort(vp, false);
  const bw = firstChild(el, 'bandwidth');
  const bandwidth = bw ? parseBandwidth(bw) : undefined;
  if (bandwidth) pg.bandwidth = bandwidth;
  const vlan = firstChild(el, 'vlan');
  if (vlan) pg.vlan = parseVlan(vlan);
  return pg;
}

/** The namespace URI of a prefix ('' for the default namespace) among declarations, innermost first. */
function lookupNs(prefix: string, scopes: XmlElement[]): string | undefined {
  const key = prefix === '' ? 'xmlns' : `xmlns:${prefix}`;
  for (const s of scopes) {
    const v = attr(s, key);
    if (v !== undefined) return v === '' ? undefined : v;
  }
  return undefined;
}

const prefixOf = (qname: string) => (qname.includes(':') ? qname.slice(0, qname.indexOf(':')) : '');

/**
 * <metadata> as libvirt keeps it (xmlCopyNode + virXMLNodeSanitizeNamespaces): element children only, without
 * those in no namespace and all but the first per namespace; namespaces declared outside <metadata> move onto it.
 */
function parseMetadata(md: XmlElement, root: XmlElement, def: NetworkDef): void {
  const seen = new Set<string>();
  const kids = childElements(md).filter((c) => {
    const ns = lookupNs(prefixOf(c.name), [c, md, root]);
    if (ns === undefined || seen.has(ns)) return false;
    seen.add(ns);
    return true;
  });
  const moved: Array<[string, string]> = [];
  const walk = (el: XmlElement, scopes: XmlElement[]) => {
    const inner = [el, ...scopes];
    const prefixes = [
      prefixOf(el.name),
      ...el.attributes
        .map(([k]) => k)
        .filter((k) => !k.startsWith('xmlns'))
        .map(prefixOf),
    ];
    for (const p of prefixes) {
      if (p === '' || p === 'xml' || lookupNs(p, [...inner, md]) !== undefined) continue;
      const ns = lookupNs(p, [root]);
      if (ns !== undefined && !moved.some(([k]) => k === `xmlns:${p}`)) moved.push([`xmlns:${p}`, ns]);
    }
    for (const c of childElements(el)) walk(c, inner);
  };
  for (const k of childElements(md)) walk(k, []);
  const own = md.attributes;
  def.metadata = kids.map(toNode);
  const decls = [
    ...own.filter(([k]) => k.startsWith('xmlns')),
    ...moved,
    ...own.filter(([k]) => !k.startsWith('xmlns')),
  ];
  if (decls.length) def.metadataNamespaces = decls;
}

function toNode(el: XmlElement): XmlNode {
  return {
    name: el.name,
    attributes: el.attributes,
    children: el.children.map((c) => (typeof c === 'string' ? c : toNode(c))),
  };
}

/** <dnsmasq:options> (any prefix bound to libvirt's dnsmasq namespace): every option of every such element. */
function parseDnsmasqOptions(root: XmlElement): string[] {
  const out: string[] = [];
  const inNs = (el: XmlElement, scopes: XmlElement[], local: string) =>
    el.name.replace(/^[^:]*:/, '') === local && lookupNs(prefixOf(el.name), [el, ...scopes]) === DNSMASQ_NS;
  for (const opts of childElements(root)) {
    if (!inNs(opts, [root], 'options')) continue;
    for (const o of childElements(opts)) {
      if (!inNs(o, [opts, root], 'option')) continue;
      const v = attr(o, 'value');
      if (v === undefined) throw err(o, 'MALFORMED_VALUE', 'No dnsmasq options value specified');
      out.push(v);
    }
  }
  return out;
}
