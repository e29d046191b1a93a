// libvirt network XML → NetworkDef, with libvirt 9.0's parse-time checks and messages.

import { isMac, isMulticastMac } from './addr.js';
import type {
  BandwidthDef,
  BandwidthRate,
  NetworkDef,
  PortGroupDef,
  VirtualPortDef,
  VlanDef,
} from './network-def.js';
import { emptyNetworkDef } from './network-def.js';
import { parseDns } from './network-parse-dns.js';
import { checkForwardCombinations, parseForward } from './network-parse-forward.js';
import { checkRouteGateways, parseIp4or6, parseRoute } from './network-parse-ip.js';
import { err, triBool, uint, yesNo } from './network-parse-util.js';
import { normalizeUuid } from './uuid.js';
import {
  attr,
  childElements,
  firstChild,
  parseXmlDocument,
  textContent,
  toXmlNode,
  type XmlElement,
} from './xml-dom.js';

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
  const nameEl = firstChild(root, 'name');
  const name = nameEl ? textContent(nameEl) : '';
  // libvirt: string(./name[1]) is NULL when empty → VIR_ERR_NO_NAME
  if (!nameEl || name === '') throw err(root, 'XML_DETAIL', 'missing name information');
  checkNameChars(name, nameEl);
  const def = emptyNetworkDef(name);

  const uuidEl = firstChild(root, 'uuid');
  if (uuidEl) {
    const u = normalizeUuid(textContent(uuidEl));
    if (!u) throw err(uuidEl, 'MALFORMED_VALUE', 'malformed uuid element');
    def.uuid = u;
  }
  const title = firstChild(root, 'title');
  if (title) {
    def.title = textContent(title);
    if (def.title.includes('\n')) throw err(title, 'XML_ERROR', "Network title can't contain newlines");
  }
  const description = firstChild(root, 'description');
  if (description) def.description = textContent(description);
  def.ipv6 = yesNo(root, 'ipv6', () => `Invalid ipv6 setting '%s' in network '${name}'`);
  def.trustGuestRxFilters = triBool(root, 'trustGuestRxFilters');
  const conn = attr(root, 'connections');
  if (conn !== undefined && /^\d+$/.test(conn)) def.connections = Number(conn);

  const md = firstChild(root, 'metadata');
  if (md) {
    const scope = new Map<string, string>();
    def.metadata = childElements(md).map((c) => toXmlNode(c, scope));
  }

  const bridge = firstChild(root, 'bridge');
  if (bridge) {
    def.bridge = {};
    const bname = attr(bridge, 'name');
    if (bname !== undefined) {
      if (bname.includes('/') || /[\s\x00-\x1f]/.test(bname) || bname.length > 15) {
        throw err(bridge, 'XML_ERROR', `invalid bridge name '${bname}' in network '${name}'`);
      }
      def.bridge.name = bname;
    }
    const stp = attr(bridge, 'stp');
    if (stp !== undefined) def.bridge.stp = stp !== 'off';
    def.bridge.delay = uint(bridge, 'delay', () => `Invalid delay value in network '${name}'`);
    const mtm = attr(bridge, 'macTableManager');
    if (mtm !== undefined) {
      if (mtm !== 'kernel' && mtm !== 'libvirt') {
        throw err(bridge, 'XML_ERROR', `Invalid macTableManager setting '${mtm}' in network '${name}'`);
      }
      def.bridge.macTableManager = mtm;
    }
    const zone = attr(bridge, 'zone');
    if (zone !== undefined) {
      if (!/^[A-Za-z0-9_-]+$/.test(zone))
        throw err(bridge, 'XML_ERROR', `invalid character in firewalld zone '${zone}'`);
      def.bridge.zone = zone;
    }
  }

  const mtu = firstChild(root, 'mtu');
  if (mtu) def.mtu = uint(mtu, 'size', () => `Invalid mtu size '%s' in network '${name}'`);

  const mac = firstChild(root, 'mac');
  if (mac) {
    const a = attr(mac, 'address');
    if (a !== undefined) {
      if (!isMac(a)) throw err(mac, 'XML_ERROR', `Invalid bridge mac address '${a}' in network '${name}'`);
      if (isMulticastMac(a)) {
        throw err(mac, 'XML_ERROR', `Invalid multicast bridge mac address '${a}' in network '${name}'`);
      }
      def.mac = a.toLowerCase();
    }
  }

  const domain = firstChild(root, 'domain');
  if (domain) {
    const dn = attr(domain, 'name');
    if (dn !== undefined) {
      def.domain = { name: dn };
      const lo = triBool(domain, 'localOnly');
      if (lo !== undefined) def.domain.localOnly = lo;
      // libvirt 9.0 does not read register= (and drops it from its output)
      const reg = attr(domain, 'register');
      if (reg === 'yes' || reg === 'no') def.domain.register = reg === 'yes';
    }
  }

  const dns = firstChild(root, 'dns');
  if (dns) def.dns = parseDns(dns, name);

  const vlan = firstChild(root, 'vlan');
  if (vlan) def.vlan = parseVlan(vlan);
  const bw = firstChild(root, 'bandwidth');
  if (bw) def.bandwidth = parseBandwidth(bw);
  const port = firstChild(root, 'port');
  if (port) def.portIsolated = triBool(port, 'isolated');
  const vp = firstChild(root, 'virtualport');
  if (vp) def.virtualport = parseVirtualPort(vp, true);

  for (const ipEl of childElements(root, 'ip')) def.ips.push(parseIp4or6(ipEl, name));
  const routeEls = childElements(root, 'route');
  for (const r of routeEls) def.routes.push(parseRoute(r, name));
  checkRouteGateways(def, routeEls);
  for (const pg of childElements(root, 'portgroup')) def.portgroups.push(parsePortGroup(pg, name));

  const fwd = firstChild(root, 'forward');
  if (fwd) def.forward = parseForward(fwd, name);

  for (const opts of root.children) {
    if (typeof opts === 'string' || !isDnsmasqElement(opts, root, 'options')) continue;
    for (const o of opts.children) {
      if (typeof o === 'string' || !isDnsmasqElement(o, root, 'option')) continue;
      const v = attr(o, 'value');
      if (v === undefined)
        throw err(o, 'XML_ERROR', `No value specified for dnsmasq option in network '${name}'`);
      def.dnsmasqOptions.push(v);
    }
  }

  checkForwardCombinations(def, fwd, mtu);
  return def;
}

function isDnsmasqElement(el: XmlElement, root: XmlElement, local: string): boolean {
  const idx = el.name.indexOf(':');
  if (idx < 0 || el.name.slice(idx + 1) !== local) return false;
  const prefix = el.name.slice(0, idx);
  const ns = attr(el, `xmlns:${prefix}`) ?? attr(root, `xmlns:${prefix}`);
  return ns === DNSMASQ_NS;
}

function parseRate(el: XmlElement | undefined): BandwidthRate | undefined {
  if (!el) return undefined;
  const r: BandwidthRate = {};
  for (const k of ['average', 'peak', 'burst', 'floor'] as const) {
    const v = uint(el, k, () => `could not convert bandwidth ${k} value '%s'`);
    if (v !== undefined) r[k] = v;
  }
  return r;
}

export function parseBandwidth(el: XmlElement): BandwidthDef {
  const bw: BandwidthDef = {};
  const inbound = parseRate(firstChild(el, 'inbound'));
  const outbound = parseRate(firstChild(el, 'outbound'));
  if (inbound) bw.inbound = inbound;
  if (outbound) bw.outbound = outbound;
  return bw;
}

export function parseVlan(el: XmlElement): VlanDef {
  const vlan: VlanDef = { tags: [] };
  const trunk = attr(el, 'trunk');
  if (trunk !== undefined) vlan.trunk = trunk === 'yes';
  for (const t of childElements(el, 'tag')) {
    const id = uint(t, 'id', () => `vlan tag id '%s' is invalid`, 4095);
    if (id === undefined) throw err(t, 'XML_ERROR', 'missing or invalid vlan tag id attribute');
    const nm = attr(t, 'nativeMode');
    if (nm !== undefined && nm !== 'tagged' && nm !== 'untagged') {
      throw err(t, 'XML_ERROR', `Attribute "nativeMode='${nm}'" is invalid`);
    }
    vlan.tags.push(nm ? { id, nativeMode: nm } : { id });
  }
  return vlan;
}

/** <virtualport>; the network-level one must name its type (portgroups may inherit it). */
export function parseVirtualPort(el: XmlElement, requireType: boolean): VirtualPortDef {
  const vp: VirtualPortDef = {};
  const type = attr(el, 'type');
  if (type !== undefined) {
    if (!['802.1Qbg', '802.1Qbh', 'openvswitch', 'midonet'].includes(type)) {
      throw err(el, 'CONFIG_UNSUPPORTED', `unknown virtualport type ${type}`);
    }
    vp.type = type;
  } else if (requireType) {
    throw err(el, 'XML_ERROR', 'missing required virtualport type');
  }
  const params = firstChild(el, 'parameters');
  if (params) vp.parameters = params.attributes;
  return vp;
}

export function parsePortGroup(el: XmlElement, _network: string): PortGroupDef {
  const name = attr(el, 'name');
  if (name === undefined) throw err(el, 'XML_ERROR', 'Missing required name attribute in portgroup');
  const pg: PortGroupDef = { name };
  // libvirt: default is true only for a case-insensitive "yes", anything else means no default
  if (attr(el, 'default')?.toLowerCase() === 'yes') pg.default = true;
  const t = triBool(el, 'trustGuestRxFilters');
  if (t !== undefined) pg.trustGuestRxFilters = t;
  const vp = firstChild(el, 'virtualport');
  if (vp) pg.virtualport = parseVirtualPort(vp, false);
  const bw = firstChild(el, 'bandwidth');
  if (bw) pg.bandwidth = parseBandwidth(bw);
  const vlan = firstChild(el, 'vlan');
  if (vlan) pg.vlan = parseVlan(vlan);
  return pg;
}
