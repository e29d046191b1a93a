// libvirt network XML → NetworkDef, with libvirt 9.0's parse-time checks and messages.

import { formatIp, isMac, isMulticastMac, parseIp, subnetContains } from './addr.js';
import { VirtError } from './errors.js';
import type {
  BandwidthDef,
  BandwidthRate,
  DhcpDef,
  DnsDef,
  ForwardDef,
  ForwardMode,
  IpDef,
  LeaseDef,
  NetworkDef,
  PortGroupDef,
  RouteDef,
  VirtualPortDef,
  VlanDef,
} from './network-def.js';
import { emptyNetworkDef, FORWARD_MODES } from './network-def.js';
import { ipSubnet } from './network-ip.js';
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

export const DNSMASQ_NS = 'http://libvirt.org/schemas/network/dnsmasq/1.0';

/** Parses a network XML document; throws VirtError (XML_ERROR with line/column when the XML is malformed). */
export function parseNetworkXml(xml: string): NetworkDef {
  const root = parseXmlDocument(xml);
  if (root.name !== 'network') {
    throw err(root, 'XML_ERROR', `expecting root element of 'network', not '${root.name}'`);
  }
  return parseNetworkElement(root);
}

function err(
  el: XmlElement | undefined,
  code: 'XML_ERROR' | 'XML_DETAIL' | 'CONFIG_UNSUPPORTED' | 'INTERNAL_ERROR',
  detail: string,
) {
  return new VirtError(code, detail, el ? { position: { line: el.line, column: el.column } } : undefined);
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

function yesNo(el: XmlElement, name: string, what: () => string): boolean | undefined {
  const v = attr(el, name);
  if (v === undefined) return undefined;
  if (v === 'yes') return true;
  if (v === 'no') return false;
  throw err(el, 'XML_ERROR', what().replace('%s', v));
}

/** A yes/no attribute read like virXMLPropTristateBool, with its generic message. */
function triBool(el: XmlElement, name: string): boolean | undefined {
  return yesNo(el, name, () => `Invalid value for attribute '${name}' in element '${el.name}': '%s'.`);
}

function uint(el: XmlElement, name: string, what: () => string, max = 0xffffffff): number | undefined {
  const v = attr(el, name);
  if (v === undefined) return undefined;
  const t = v.trim();
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(t) || Number(t) > max)
    throw err(el, 'XML_ERROR', what().replace('%s', v));
  return Number(t);
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
    if (!u) throw err(uuidEl, 'INTERNAL_ERROR', 'malformed uuid element');
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
  if (port)
    def.portIsolated = triBool(port, 'isolated');
  const vp = firstChild(root, 'virtualport');
  if (vp) def.virtualport = parseVirtualPort(vp);

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

function parseLease(el: XmlElement | undefined, name: string): LeaseDef | undefined {
  if (!el) return undefined;
  const expiry = uint(el, 'expiry', () => `failed to parse expiry value '%s'`);
  if (expiry === undefined) return undefined;
  const unit = attr(el, 'unit');
  if (unit !== undefined && unit !== 'seconds' && unit !== 'minutes' && unit !== 'hours') {
    throw err(el, 'XML_ERROR', `invalid unit: ${unit} in network '${name}'`);
  }
  return unit ? { expiry, unit } : { expiry };
}

function parseDns(el: XmlElement, name: string): DnsDef {
  const dns: DnsDef = { forwarders: [], txts: [], srvs: [], hosts: [] };
  dns.enable = triBool(el, 'enable');
  dns.forwardPlainNames = triBool(el, 'forwardPlainNames');
  for (const f of childElements(el, 'forwarder')) {
    const addr = attr(f, 'addr');
    const domain = attr(f, 'domain');
    if (addr === undefined && domain === undefined) {
      throw err(f, 'XML_ERROR', `Invalid forwarder element, must contain at least one of addr or domain`);
    }
    const fw: DnsDef['forwarders'][number] = {};
    if (addr !== undefined) {
      const ip = parseIp(addr);
      if (!ip) throw err(f, 'XML_ERROR', `Invalid forwarder IP address '${addr}' in network '${name}'`);
      fw.addr = formatIp(ip);
    }
    if (domain !== undefined) fw.domain = domain;
    dns.forwarders.push(fw);
  }
  for (const h of childElements(el, 'host')) {
    const hostnames = childElements(h, 'hostname').map((n) => textContent(n));
    if (hostnames.length === 0 || hostnames.includes('')) {
      throw err(h, 'XML_DETAIL', `Missing hostname in network '${name}' DNS HOST record`);
    }
    const ipText = attr(h, 'ip');
    if (ipText === undefined) {
      throw err(h, 'XML_DETAIL', `Missing IP address in network '${name}' DNS HOST record`);
    }
    const ip = parseIp(ipText);
    if (!ip) throw err(h, 'XML_DETAIL', `Invalid IP address in network '${name}' DNS HOST record`);
    dns.hosts.push({ ip: formatIp(ip), hostnames });
  }
  for (const s of childElements(el, 'srv')) dns.srvs.push(parseSrv(s, name));
  for (const t of childElements(el, 'txt')) {
    const tname = attr(t, 'name');
    const value = attr(t, 'value');
    if (tname === undefined) {
      throw err(t, 'XML_DETAIL', `missing required name attribute in DNS TXT record of network ${name}`);
    }
    if (/[ ,]/.test(tname)) {
      throw err(t, 'XML_DETAIL', `prohibited character in DNS TXT record name '${tname}' of network ${name}`);
    }
    if (value === undefined) {
      throw err(
        t,
        'XML_DETAIL',
        `missing required value attribute in DNS TXT record named '${tname}' of network ${name}`,
      );
    }
    dns.txts.push({ name: tname, value });
  }
  if (
    dns.enable === false &&
    (dns.forwarders.length || dns.txts.length || dns.srvs.length || dns.hosts.length)
  ) {
    throw err(el, 'XML_ERROR', `Extra data in disabled network '${name}'`);
  }
  return dns;
}

/** An unsigned decimal attribute as virXPathUInt reads it: undefined when absent, NaN when malformed. */
function xpathUInt(el: XmlElement, name: string): number | undefined {
  const v = attr(el, name);
  if (v === undefined) return undefined;
  return /^\s*\+?\d+\s*$/.test(v) ? Number(v) : Number.NaN;
}

function parseSrv(s: XmlElement, name: string): DnsDef['srvs'][number] {
  const srv: DnsDef['srvs'][number] = {};
  const service = attr(s, 'service');
  if (service === undefined) {
    throw err(s, 'XML_DETAIL', `missing required service attribute in DNS SRV record of network '${name}'`);
  }
  if (service.length > 63) {
    throw err(s, 'XML_DETAIL', `service attribute '${service}' in network '${name}' is too long, limit is 63 bytes`);
  }
  if (!/^[A-Za-z0-9_\-+/*]*$/.test(service)) {
    throw err(
      s,
      'XML_DETAIL',
      `invalid character in service attribute '${service}' in DNS SRV record of network '${name}'`,
    );
  }
  const protocol = attr(s, 'protocol');
  if (protocol === undefined) {
    throw err(
      s,
      'XML_DETAIL',
      `missing required protocol attribute in DNS SRV record '${service}' of network '${name}'`,
    );
  }
  if (!/^[A-Za-z0-9\-+/]*$/.test(protocol)) {
    throw err(
      s,
      'XML_DETAIL',
      `invalid character in protocol attribute '${protocol}' in DNS SRV record of network '${name}'`,
    );
  }
  srv.service = service;
  srv.protocol = protocol;
  const domain = attr(s, 'domain');
  if (domain !== undefined) srv.domain = domain;
  const target = attr(s, 'target');
  if (target !== undefined) srv.target = target;
  const numbers = [
    ['port', 'invalid', 1],
    ['priority', 'Invalid', 0],
    ['weight', 'invalid', 0],
  ] as const;
  for (const [key, invalid, min] of numbers) {
    const n = xpathUInt(s, key);
    if (n === undefined) continue;
    if (!Number.isNaN(n) && target === undefined) {
      throw err(
        s,
        'XML_DETAIL',
        `DNS SRV ${key} attribute not permitted without target for service '${service}' in network '${name}'`,
      );
    }
    if (Number.isNaN(n) || n < min || n > 65535) {
      throw err(
        s,
        'XML_DETAIL',
        `${invalid} DNS SRV ${key} attribute for service '${service}' in network '${name}'`,
      );
    }
    srv[key] = n;
  }
  return srv;
}

function parseIp4or6(el: XmlElement, name: string): IpDef {
  const ip: IpDef = {};
  const family = attr(el, 'family');
  const addrText = attr(el, 'address');
  if (addrText === undefined) {
    throw err(el, 'XML_ERROR', `Missing required address attribute in network '${name}'`);
  }
  const addr = parseIp(addrText);
  if (!addr) throw err(el, 'XML_ERROR', `Invalid address '${addrText}' in network '${name}'`);
  ip.address = formatIp(addr);
  const netmask = attr(el, 'netmask');
  const mask = netmask === undefined ? undefined : parseIp(netmask);
  if (netmask !== undefined && !mask) {
    throw err(el, 'XML_ERROR', `Invalid netmask '${netmask}' in network '${name}'`);
  }
  const prefixText = attr(el, 'prefix');
  if (prefixText !== undefined) {
    ip.prefix = uint(
      el,
      'prefix',
      () => `Invalid value for attribute 'prefix' in element 'ip': '%s'. Expected non-negative integer value`,
    );
  }
  const lp = triBool(el, 'localPtr');
  if (lp !== undefined) ip.localPtr = lp;
  const prefix = ip.prefix ?? 0;
  const bad = (detail: string) => err(el, 'CONFIG_UNSUPPORTED', detail);
  if (family === undefined || family === 'ipv4') {
    if (addr.family !== 4) {
      throw bad(`${family ?? 'no'} family specified for non-IPv4 address '${addrText}' in network '${name}'`);
    }
    if (mask) {
      if (mask.family !== 4) {
        throw bad(`Invalid netmask '${netmask}' for address '${addrText}' in network '${name}' (both must be IPv4)`);
      }
      if (prefix > 0) throw bad(`Network '${name}' IP address cannot have both a prefix and a netmask`);
      ip.netmask = formatIp(mask);
    } else if (prefix > 32) {
      throw bad(`Invalid IPv4 prefix '${prefix}' in network '${name}'`);
    }
  } else if (family === 'ipv6') {
    if (addr.family !== 6) {
      throw bad(`Family 'ipv6' specified for non-IPv6 address '${addrText}' in network '${name}'`);
    }
    if (netmask !== undefined) throw bad(`netmask not allowed for IPv6 address '${addrText}' in network '${name}'`);
    if (prefix > 128) throw bad(`Invalid IPv6 prefix '${prefix}' in network '${name}'`);
  } else {
    throw err(el, 'XML_ERROR', `Unrecognized family '${family}' in network '${name}'`);
  }
  if (family !== undefined) ip.family = family;
  const isV6 = addr?.family === 6;

  const dhcpEl = firstChild(el, 'dhcp');
  if (dhcpEl) ip.dhcp = parseDhcp(dhcpEl, name, isV6);
  const tftp = firstChild(el, 'tftp');
  if (tftp) {
    if (isV6) {
      throw err(tftp, 'CONFIG_UNSUPPORTED', `Unsupported <tftp> element in an IPv6 element in network '${name}'`);
    }
    const root = attr(tftp, 'root');
    if (root !== undefined) ip.tftpRoot = root;
  }
  return ip;
}

function parseDhcp(el: XmlElement, name: string, isV6: boolean): DhcpDef {
  const dhcp: DhcpDef = { ranges: [], hosts: [] };
  for (const r of childElements(el, 'range')) {
    const s = attr(r, 'start');
    const e = attr(r, 'end');
    if (s === undefined)
      throw err(r, 'XML_ERROR', `Missing 'start' attribute in dhcp range for network '${name}'`);
    if (e === undefined)
      throw err(r, 'XML_ERROR', `Missing 'end' attribute in dhcp range for network '${name}'`);
    const sa = parseIp(s);
    const ea = parseIp(e);
    if (!sa) throw err(r, 'XML_ERROR', `Invalid dhcp range start address '${s}' in network '${name}'`);
    if (!ea) throw err(r, 'XML_ERROR', `Invalid dhcp range end address '${e}' in network '${name}'`);
    if (sa.family !== ea.family || sa.value > ea.value) {
      throw err(r, 'XML_ERROR', `Invalid dhcp range '${s}' to '${e}' in network '${name}'`);
    }
    const lease = parseLease(firstChild(r, 'lease'), name);
    dhcp.ranges.push({ start: formatIp(sa), end: formatIp(ea), ...(lease ? { lease } : {}) });
  }
  for (const h of childElements(el, 'host')) {
    const host: DhcpDef['hosts'][number] = {};
    const mac = attr(h, 'mac');
    const id = attr(h, 'id');
    const hname = attr(h, 'name');
    const ipText = attr(h, 'ip');
    if (mac !== undefined) {
      if (isV6) {
        throw err(
          h,
          'XML_ERROR',
          `Invalid to specify MAC address '${mac}' in network '${name}' IPv6 static host definition`,
        );
      }
      if (!isMac(mac)) throw err(h, 'XML_ERROR', `Cannot parse MAC address '${mac}' in network '${name}'`);
      if (isMulticastMac(mac)) {
        throw err(
          h,
          'XML_ERROR',
          `expected unicast mac address, found multicast '${mac}' in network '${name}'`,
        );
      }
      host.mac = mac.toLowerCase();
    }
    if (id !== undefined) {
      if (!/^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2})*$/.test(id)) {
        throw err(h, 'XML_ERROR', `Invalid character '${id}' in id '${id}' of network '${name}'`);
      }
      host.id = id;
    }
    if (hname !== undefined) {
      if (!/^[A-Za-z]/.test(hname))
        throw err(h, 'XML_ERROR', `Cannot use host name '${hname}' in network '${name}'`);
      host.name = hname;
    }
    if (ipText !== undefined) {
      const ip = parseIp(ipText);
      if (!ip)
        throw err(h, 'XML_ERROR', `Invalid IP address in static host definition for network '${name}'`);
      host.ip = formatIp(ip);
    }
    if (isV6) {
      if (host.id === undefined && host.name === undefined) {
        throw err(
          h,
          'XML_ERROR',
          `Static host definition in IPv6 network '${name}' must have id or name attribute`,
        );
      }
    } else if (host.mac === undefined && host.name === undefined) {
      throw err(
        h,
        'XML_ERROR',
        `Static host definition in IPv4 network '${name}' must have mac or name attribute`,
      );
    }
    if (host.ip === undefined) {
      throw err(h, 'XML_ERROR', `Missing IP address in static host definition for network '${name}'`);
    }
    const lease = parseLease(firstChild(h, 'lease'), name);
    if (lease) host.lease = lease;
    dhcp.hosts.push(host);
  }
  const bootp = firstChild(el, 'bootp');
  if (bootp) {
    const file = attr(bootp, 'file');
    if (file !== undefined) {
      if (isV6)
        throw err(bootp, 'XML_ERROR', `Unsupported <bootp> element in an IPv6 element in network '${name}'`);
      const server = attr(bootp, 'server');
      if (server !== undefined && !parseIp(server)) {
        throw err(bootp, 'XML_ERROR', `Invalid bootp server address '${server}' in network '${name}'`);
      }
      dhcp.bootp = server !== undefined ? { file, server } : { file };
    }
  }
  return dhcp;
}

function parseRoute(el: XmlElement, name: string): RouteDef {
  const address = attr(el, 'address');
  const gateway = attr(el, 'gateway');
  const family = attr(el, 'family');
  if (address === undefined)
    throw err(el, 'XML_ERROR', `Missing required address attribute in network '${name}'`);
  if (gateway === undefined)
    throw err(el, 'XML_ERROR', `Missing required gateway attribute in network '${name}'`);
  const a = parseIp(address);
  const g = parseIp(gateway);
  if (!a)
    throw err(el, 'XML_ERROR', `Bad network address '${address}' in route definition of network '${name}'`);
  if (!g)
    throw err(el, 'XML_ERROR', `Bad gateway address '${gateway}' in route definition of network '${name}'`);
  if (family !== undefined && family !== 'ipv4' && family !== 'ipv6') {
    throw err(el, 'XML_ERROR', `Unrecognized family '${family}' in network '${name}'`);
  }
  if (a.family !== g.family || (family && (family === 'ipv6') !== (a.family === 6))) {
    throw err(el, 'XML_ERROR', `Address family mismatch in route definition of network '${name}'`);
  }
  const route: RouteDef = { address: formatIp(a), gateway: formatIp(g) };
  if (family) route.family = family;
  const netmask = attr(el, 'netmask');
  if (netmask !== undefined) {
    const m = parseIp(netmask);
    if (m?.family !== 4 || a.family !== 4) {
      throw err(el, 'XML_ERROR', `Bad netmask address '${netmask}' in route definition of network '${name}'`);
    }
    route.netmask = formatIp(m);
  }
  const prefix = uint(
    el,
    'prefix',
    () => `Invalid prefix '%s' in route definition of network '${name}'`,
    128,
  );
  if (prefix !== undefined) {
    if (netmask !== undefined) {
      throw err(
        el,
        'XML_ERROR',
        `route definition in network '${name}' cannot have both a prefix and a netmask`,
      );
    }
    if (prefix > (a.family === 4 ? 32 : 128)) {
      throw err(el, 'XML_ERROR', `Invalid prefix ${prefix} in route definition of network '${name}'`);
    }
    route.prefix = prefix;
  }
  const metric = uint(el, 'metric', () => `Invalid metric '%s' in route definition of network '${name}'`);
  if (metric !== undefined) {
    if (metric === 0) throw err(el, 'XML_ERROR', `Invalid metric value, must be > 0 in network '${name}'`);
    route.metric = metric;
  }
  return route;
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

function parseBandwidth(el: XmlElement): BandwidthDef {
  const bw: BandwidthDef = {};
  const inbound = parseRate(firstChild(el, 'inbound'));
  const outbound = parseRate(firstChild(el, 'outbound'));
  if (inbound) bw.inbound = inbound;
  if (outbound) bw.outbound = outbound;
  return bw;
}

function parseVlan(el: XmlElement): VlanDef {
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

function parseVirtualPort(el: XmlElement): VirtualPortDef {
  const vp: VirtualPortDef = {};
  const type = attr(el, 'type');
  if (type !== undefined) {
    if (!['802.1Qbg', '802.1Qbh', 'openvswitch', 'midonet'].includes(type)) {
      throw err(el, 'XML_ERROR', `unknown virtualport type '${type}'`);
    }
    vp.type = type;
  }
  const params = firstChild(el, 'parameters');
  if (params) vp.parameters = params.attributes;
  return vp;
}

function parsePortGroup(el: XmlElement, network: string): PortGroupDef {
  const name = attr(el, 'name');
  if (name === undefined) throw err(el, 'XML_ERROR', 'Missing required name attribute in portgroup');
  void network;
  const pg: PortGroupDef = { name };
  // libvirt: default is true only for a case-insensitive "yes", anything else means no default
  if (attr(el, 'default')?.toLowerCase() === 'yes') pg.default = true;
  const t = triBool(el, 'trustGuestRxFilters');
  if (t !== undefined) pg.trustGuestRxFilters = t;
  const vp = firstChild(el, 'virtualport');
  if (vp) pg.virtualport = parseVirtualPort(vp);
  const bw = firstChild(el, 'bandwidth');
  if (bw) pg.bandwidth = parseBandwidth(bw);
  const vlan = firstChild(el, 'vlan');
  if (vlan) pg.vlan = parseVlan(vlan);
  return pg;
}

function parseForward(el: XmlElement, name: string): ForwardDef {
  const modeText = attr(el, 'mode') ?? 'nat';
  if (!FORWARD_MODES.includes(modeText as ForwardMode)) {
    throw err(el, 'CONFIG_UNSUPPORTED', `unknown forwarding type '${modeText}'`);
  }
  const mode = modeText as ForwardMode;
  const fwd: ForwardDef = { mode, interfaces: [], pciAddresses: [] };
  const managed = attr(el, 'managed');
  if (managed !== undefined) fwd.managed = managed === 'yes';
  const drv = firstChild(el, 'driver');
  if (drv) {
    const dn = attr(drv, 'name');
    const model = attr(drv, 'model');
    if (dn !== undefined && dn !== 'kvm' && dn !== 'vfio' && dn !== 'default') {
      throw err(drv, 'XML_ERROR', `Unknown forward <driver name='${dn}'/> in network ${name}`);
    }
    if (dn !== undefined || model !== undefined) {
      fwd.driver = {};
      if (dn !== undefined && dn !== 'default') fwd.driver.name = dn;
      if (model !== undefined) fwd.driver.model = model;
    }
  }
  const pfs = childElements(el, 'pf');
  if (pfs.length > 1)
    throw err(pfs[1], 'XML_ERROR', `Only one <pf> element is allowed in <forward> of network ${name}`);
  if (pfs[0]) {
    const dev = attr(pfs[0], 'dev');
    if (dev === undefined)
      throw err(pfs[0], 'XML_ERROR', `Missing required dev attribute in <pf> element of network '${name}'`);
    fwd.pf = { dev };
  }
  for (const i of childElements(el, 'interface')) {
    const dev = attr(i, 'dev');
    if (dev === undefined) {
      throw err(
        i,
        'XML_ERROR',
        `Missing required dev attribute in <forward> <interface> element of network ${name}`,
      );
    }
    if (fwd.interfaces.some((x) => x.dev === dev)) {
      throw err(i, 'XML_ERROR', `interface '${dev}' can only be listed once in network ${name}`);
    }
    const c = attr(i, 'connections');
    fwd.interfaces.push(c !== undefined && /^\d+$/.test(c) ? { dev, connections: Number(c) } : { dev });
  }
  for (const a of childElements(el, 'address')) {
    const type = attr(a, 'type');
    if (type !== 'pci') {
      throw err(
        a,
        'XML_ERROR',
        `The use of address type '${type ?? ''}' is not supported for network ${name}`,
      );
    }
    const num = (k: string, max: number) => {
      const v = attr(a, k) ?? '0';
      const n = /^0x[0-9a-fA-F]+$/.test(v)
        ? Number.parseInt(v, 16)
        : /^\d+$/.test(v)
          ? Number(v)
          : Number.NaN;
      if (!(n >= 0 && n <= max))
        throw err(a, 'XML_ERROR', `Invalid PCI address ${k} '${v}' in network ${name}`);
      return n;
    };
    const pci = {
      domain: num('domain', 0xffff),
      bus: num('bus', 0xff),
      slot: num('slot', 0x1f),
      function: num('function', 7),
    };
    const label = pciLabel(pci);
    if (fwd.pciAddresses.some((p) => pciLabel(p) === label)) {
      throw err(a, 'XML_ERROR', `PCI device '${label}' can only be listed once in network ${name}`);
    }
    fwd.pciAddresses.push(pci);
  }
  const dev = attr(el, 'dev');
  if (dev !== undefined) {
    const first = fwd.interfaces[0];
    if (first && first.dev !== dev) {
      throw err(
        el,
        'XML_ERROR',
        `forward dev '${dev}' must match first interface element dev value '${first.dev}' in network '${name}'`,
      );
    }
    if (!first) fwd.interfaces.push({ dev });
    fwd.dev = dev;
  }
  const nat = firstChild(el, 'nat');
  if (nat) {
    if (mode !== 'nat') {
      throw err(nat, 'XML_ERROR', `The <nat> element can only be used when <forward> 'mode' is 'nat'`);
    }
    fwd.nat = {};
    const ipv6 = triBool(nat, 'ipv6');
    if (ipv6 !== undefined) fwd.nat.ipv6 = ipv6;
    const addrs = childElements(nat, 'address');
    if (addrs.length > 1)
      throw err(
        addrs[1],
        'XML_ERROR',
        `Only one <address> element is allowed in <nat> in <forward> in network ${name}`,
      );
    if (addrs[0]) {
      const s = attr(addrs[0], 'start');
      const e = attr(addrs[0], 'end');
      if (s === undefined)
        throw err(
          addrs[0],
          'XML_ERROR',
          `missing 'start' attribute in <address> in <nat> in <forward> in network ${name}`,
        );
      const sa = parseIp(s);
      if (sa?.family !== 4)
        throw err(
          addrs[0],
          'XML_ERROR',
          `Bad ipv4 start address '${s}' in <nat> in <forward> in network '${name}'`,
        );
      const ea = e === undefined ? sa : parseIp(e);
      if (ea?.family !== 4)
        throw err(
          addrs[0],
          'XML_ERROR',
          `Bad ipv4 end address '${e}' in <nat> in <forward> in network '${name}'`,
        );
      if (sa.value > ea.value) {
        throw err(addrs[0], 'XML_ERROR', `Invalid NAT address range '${s}' to '${e}' in network '${name}'`);
      }
      fwd.nat.addressStart = formatIp(sa);
      fwd.nat.addressEnd = formatIp(ea);
    }
    const ports = childElements(nat, 'port');
    if (ports.length > 1)
      throw err(
        ports[1],
        'XML_ERROR',
        `Only one <port> element is allowed in <nat> in <forward> in network ${name}`,
      );
    if (ports[0]) {
      const s = uint(
        ports[0],
        'start',
        () => `Invalid 'start' attribute '%s' in <port> in <nat> in <forward> in network ${name}`,
        65535,
      );
      const e = uint(
        ports[0],
        'end',
        () => `Invalid 'end' attribute '%s' in <port> in <nat> in <forward> in network ${name}`,
        65535,
      );
      if (s === undefined)
        throw err(
          ports[0],
          'XML_ERROR',
          `Missing 'start' attribute in <port> in <nat> in <forward> in network ${name}`,
        );
      if (e !== undefined && e < s) {
        throw err(ports[0], 'XML_ERROR', `Invalid port range '${s}-${e}' in network '${name}'`);
      }
      fwd.nat.portStart = s;
      fwd.nat.portEnd = e ?? s;
    }
  }
  return fwd;
}

export function pciLabel(p: { domain: number; bus: number; slot: number; function: number }): string {
  const h = (n: number, w: number) => n.toString(16).padStart(w, '0');
  return `${h(p.domain, 4)}:${h(p.bus, 2)}:${h(p.slot, 2)}.${p.function}`;
}

/** libvirt: every static route's gateway must lie inside one of the network's own subnets. */
function checkRouteGateways(def: NetworkDef, routeEls: XmlElement[]): void {
  def.routes.forEach((route, i) => {
    const gw = parseIp(route.gateway);
    const reachable = def.ips.some((ip) => {
      const net = ipSubnet(ip);
      return !!gw && !!net && net.family === gw.family && subnetContains(net, gw);
    });
    if (!reachable) {
      throw err(
        routeEls[i],
        'CONFIG_UNSUPPORTED',
        `unreachable static route gateway '${route.gateway}' specified for network '${def.name}'`,
      );
    }
  });
}

/** Parse-time rules about which parts go with which forward mode (libvirt's virNetworkDefParseXML tail). */
function checkForwardCombinations(def: NetworkDef, fwdEl: XmlElement | undefined, mtuEl?: XmlElement): void {
  const mode = def.forward?.mode;
  const name = def.name;
  const f = def.forward;
  // libvirt keeps <interface> and PCI <address> entries in one array (nifs)
  const nifs = f ? f.interfaces.length + f.pciAddresses.length : 0;
  const bridge = def.bridge;
  if (mode === 'nat' || mode === 'route' || mode === 'open') {
    if (def.ips.length === 0) {
      throw err(
        fwdEl,
        'XML_ERROR',
        `${mode} forwarding requested, but no IP address provided for network '${name}'`,
      );
    }
    if (nifs > 1) {
      throw err(
        fwdEl,
        'XML_ERROR',
        `multiple forwarding interfaces specified for network '${name}', only one is supported`,
      );
    }
    if (mode === 'open' && (nifs > 0 || f?.pf)) {
      throw err(fwdEl, 'XML_ERROR', `forward dev not allowed for network '${name}' with forward mode='open'`);
    }
    if (f?.pf) {
      throw err(
        fwdEl,
        'CONFIG_UNSUPPORTED',
        `Unsupported <pf> element in network ${name} with forward mode='${mode}'`,
      );
    }
  } else if (mode !== undefined) {
    if (mode !== 'bridge') {
      if (bridge?.name !== undefined) {
        throw err(fwdEl, 'XML_ERROR', `bridge name not allowed in ${mode} mode (network '${name}')`);
      }
      if (bridge?.zone !== undefined) {
        throw err(fwdEl, 'XML_ERROR', `bridge zone not allowed in ${mode} mode (network '${name}')`);
      }
      if (bridge?.macTableManager !== undefined) {
        throw err(
          fwdEl,
          'XML_ERROR',
          `bridge macTableManager setting not allowed in ${mode} mode (network '${name}')`,
        );
      }
    }
    if (bridge && (bridge.delay || bridge.stp !== undefined || bridge.zone !== undefined)) {
      throw err(
        fwdEl,
        'XML_ERROR',
        `bridge delay/stp/zone options only allowed in route, nat, and isolated mode, not in ${mode} (network '${name}')`,
      );
    }
    if (bridge?.name !== undefined && (nifs > 0 || f?.pf)) {
      throw err(
        fwdEl,
        'XML_ERROR',
        `A network with forward mode='${mode}' can specify a bridge name or a forward dev, but not both (network '${name}')`,
      );
    }
  }
  if (def.mtu && mode !== undefined && mode !== 'nat' && mode !== 'route' && mode !== 'open') {
    throw err(
      mtuEl,
      'XML_ERROR',
      `mtu size only allowed in open, route, nat, and isolated mode, not in ${mode} (network '${name}')`,
    );
  }
}
