// <ip> (with <dhcp>, <tftp>) and <route> of libvirt network XML, with libvirt 9.0's checks and messages.

import { formatIp, type IpAddr, netmaskToPrefix, parseIp, prefixMask } from './addr.js';
import type { DhcpDef, DhcpHost, DhcpRange, IpDef, LeaseDef, NetworkDef, RouteDef } from './network-def.js';
import { err, parseMac, propEnum, propUInt, triBool, xattr } from './network-parse-util.js';
import { attr, childElements, firstChild, type XmlElement } from './xml-dom.js';

/** virSocketAddrParse's complaint (getaddrinfo with AI_NUMERICHOST) for text that is no IP address. */
function cannotParse(el: XmlElement, text: string) {
  return err(el, 'MALFORMED_ADDRESS', `Cannot parse socket address '${text}': Name or service not known`);
}

function parseLease(el: XmlElement | undefined): LeaseDef | undefined {
  if (!el) return undefined;
  const expiry = propUInt(el, 'expiry', { u64: true });
  if (expiry === undefined) return undefined;
  const unit = propEnum(el, 'unit', ['seconds', 'minutes', 'hours'] as const) ?? 'minutes';
  // dnsmasq's minimum lease time is two minutes
  if (expiry > 0 && ((unit === 'seconds' && expiry < 120) || (unit === 'minutes' && expiry < 2))) {
    throw err(el, 'CONFIG_UNSUPPORTED', 'The minimum lease time should be greater than 2 minutes');
  }
  return { expiry, unit };
}

/** The prefix libvirt uses for an <ip> (virSocketAddrGetIPPrefix): -1 when the netmask has holes. */
export function libvirtPrefix(ip: IpDef): number {
  const a = ip.address === undefined ? undefined : parseIp(ip.address);
  if (ip.prefix !== undefined && ip.prefix > 0) return ip.prefix;
  if (ip.netmask !== undefined) {
    const m = parseIp(ip.netmask);
    return (m && netmaskToPrefix(m)) ?? -1;
  }
  if (!a) return 0;
  if (a.family === 6) return a.value === 0n ? 0 : 64;
  if (a.value === 0n) return 0;
  const first = Number(a.value >> 24n);
  return first < 128 ? 8 : first < 192 ? 16 : first < 224 ? 24 : -1;
}

/** libvirt's sanity check of an address range (virSocketAddrGetRange), against the <ip> when given. */
export function checkRange(el: XmlElement, s: IpAddr, e: IpAddr, net?: { address: IpAddr; prefix: number }) {
  const [ss, es] = [formatIp(s), formatIp(e)];
  const fail = (detail: string) => err(el, 'MALFORMED_VALUE', detail);
  if (s.family !== e.family) throw fail(`mismatch of address family in range ${ss} - ${es}`);
  if (net) {
    const ns = formatIp(net.address);
    if (s.family !== net.address.family)
      throw fail(`mismatch of address family in range ${ss} - ${es} for network ${ns}`);
    const total = s.family === 4 ? 32 : 128;
    if (net.prefix < 0 || net.prefix > total)
      // (sic: two spaces in libvirt 9.0's message)
      throw fail(`bad prefix ${net.prefix} for network ${ns} when  checking range ${ss} - ${es}`);
    const mask = prefixMask(s.family, net.prefix);
    const netaddr = net.address.value & mask;
    if ((s.value & mask) !== netaddr || (e.value & mask) !== netaddr)
      throw fail(`range ${ss} - ${es} is not entirely within network ${ns}/${net.prefix}`);
    if (s.family === 4) {
      const broadcast = netaddr | (~mask & 0xffffffffn);
      if (s.value === netaddr)
        throw fail(`start of range ${ss} - ${es} in network ${ns}/${net.prefix} is the network address`);
      if (e.value === broadcast)
        throw fail(`end of range ${ss} - ${es} in network ${ns}/${net.prefix} is the broadcast address`);
    }
  }
  // legacy check: all but the last 16 bits must be equal
  if (s.value >> 16n !== e.value >> 16n) throw fail(`range ${ss} - ${es} is too large (> 65535)`);
  if ((e.value & 0xffffn) < (s.value & 0xffffn)) {
    throw fail(
      s.family === 4 ? `range ${ss} - ${es} is reversed ` : `range ${ss} - ${es} start larger than end`,
    );
  }
}

export function parseIp4or6(el: XmlElement, name: string): IpDef {
  const ip: IpDef = {};
  const family = xattr(el, 'family');
  const addrText = xattr(el, 'address');
  if (addrText === undefined)
    throw err(el, 'XML_ERROR', `Missing required address attribute in network '${name}'`);
  const addr = parseIp(addrText);
  if (!addr) throw err(el, 'XML_ERROR', `Invalid address '${addrText}' in network '${name}'`);
  ip.address = formatIp(addr);
  const netmask = xattr(el, 'netmask');
  const mask = netmask === undefined ? undefined : parseIp(netmask);
  if (netmask !== undefined && !mask)
    throw err(el, 'XML_ERROR', `Invalid netmask '${netmask}' in network '${name}'`);
  const prefix = propUInt(el, 'prefix') ?? 0;
  if (attr(el, 'prefix') !== undefined) ip.prefix = prefix;
  const lp = triBool(el, 'localPtr');
  if (lp !== undefined) ip.localPtr = lp;
  const bad = (detail: string) => err(el, 'CONFIG_UNSUPPORTED', detail);
  if (family === undefined || family === 'ipv4') {
    if (addr.family !== 4) {
      throw bad(`${family ?? 'no'} family specified for non-IPv4 address '${addrText}' in network '${name}'`);
    }
    if (mask) {
      if (mask.family !== 4) {
        throw bad(
          `Invalid netmask '${netmask}' for address '${addrText}' in network '${name}' (both must be IPv4)`,
        );
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
    if (netmask !== undefined)
      throw bad(`netmask not allowed for IPv6 address '${addrText}' in network '${name}'`);
    if (prefix > 128) throw bad(`Invalid IPv6 prefix '${prefix}' in network '${name}'`);
  } else {
    throw err(el, 'XML_ERROR', `Unrecognized family '${family}' in network '${name}'`);
  }
  if (family !== undefined) ip.family = family;
  const dhcpEl = firstChild(el, 'dhcp');
  if (dhcpEl) ip.dhcp = parseDhcp(dhcpEl, name, ip, addr);
  const tftp = firstChild(el, 'tftp');
  if (tftp) {
    if (addr.family !== 4) {
      throw err(
        tftp,
        'CONFIG_UNSUPPORTED',
        `Unsupported <tftp> element in an IPv6 element in network '${name}'`,
      );
    }
    const root = xattr(tftp, 'root');
    if (root !== undefined) ip.tftpRoot = root;
  }
  return ip;
}

/** <dhcp>: its children in document order, as libvirt 9.0 reads them (a later <bootp> replaces an earlier one). */
function parseDhcp(el: XmlElement, name: string, ip: IpDef, addr: IpAddr): DhcpDef {
  const dhcp: DhcpDef = { ranges: [], hosts: [] };
  const net = { address: addr, prefix: libvirtPrefix(ip) };
  for (const c of childElements(el)) {
    if (c.name === 'range') dhcp.ranges.push(parseDhcpRange(c, name, net));
    else if (c.name === 'host') dhcp.hosts.push(parseDhcpHost(c, name, addr.family === 6));
    else if (c.name === 'bootp' && addr.family === 4) {
      // ignored in an IPv6 <ip>, and without a file
      const file = attr(c, 'file');
      if (file === undefined) continue;
      const server = attr(c, 'server');
      if (server === undefined) dhcp.bootp = { file };
      else {
        const s = parseIp(server);
        if (!s) throw cannotParse(c, server);
        dhcp.bootp = { file, server: formatIp(s) };
      }
    }
  }
  return dhcp;
}

/**
 * One <range> of <dhcp> (virNetworkDHCPRangeDefParseXML); checked against its <ip> (address and libvirt's
 * prefix) when `net` is given.
 */
export function parseDhcpRange(
  r: XmlElement,
  name: string,
  net?: { address: IpAddr; prefix: number },
): DhcpRange {
  const s = attr(r, 'start');
  if (s === undefined)
    throw err(r, 'XML_ERROR', `Missing 'start' attribute in dhcp range for network '${name}'`);
  const sa = parseIp(s);
  if (!sa) throw cannotParse(r, s);
  const e = attr(r, 'end');
  if (e === undefined)
    throw err(r, 'XML_ERROR', `Missing 'end' attribute in dhcp range for network '${name}'`);
  const ea = parseIp(e);
  if (!ea) throw cannotParse(r, e);
  checkRange(r, sa, ea, net);
  const lease = parseLease(firstChild(r, 'lease'));
  return { start: formatIp(sa), end: formatIp(ea), ...(lease ? { lease } : {}) };
}

/**
 * One <host> of <dhcp> (virNetworkDHCPHostDefParseXML); with partialOkay (net-update delete) the IP and the
 * mac/name/id requirements are waived.
 */
export function parseDhcpHost(h: XmlElement, name: string, isV6: boolean, partialOkay = false): DhcpHost {
  const host: DhcpHost = {};
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
    const parsed = parseMac(mac);
    if (!parsed) throw err(h, 'XML_ERROR', `Cannot parse MAC address '${mac}' in network '${name}'`);
    if (parsed.multicast) {
      throw err(
        h,
        'XML_ERROR',
        `expected unicast mac address, found multicast '${mac}' in network '${name}'`,
      );
    }
    // libvirt keeps the text as written (virMacAddrParse only checks it)
    host.mac = mac;
  }
  if (id !== undefined) {
    const badChar = /[^0-9a-fA-F:]/.exec(id)?.[0];
    if (badChar !== undefined) {
      throw err(h, 'XML_ERROR', `Invalid character '${badChar}' in id '${id}' of network '${name}'`);
    }
    host.id = id;
  }
  if (hname !== undefined) {
    if (!/^[A-Za-z0-9]/.test(hname))
      throw err(h, 'XML_ERROR', `Cannot use host name '${hname}' in network '${name}'`);
    host.name = hname;
  }
  if (ipText !== undefined) {
    const ip = parseIp(ipText);
    if (!ip) throw err(h, 'XML_ERROR', `Invalid IP address in static host definition for network '${name}'`);
    host.ip = formatIp(ip);
  }
  if (partialOkay) {
    // net-update delete: whatever was given is matched
  } else if (isV6) {
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
  if (host.ip === undefined && !partialOkay) {
    throw err(h, 'XML_ERROR', `Missing IP address in static host definition for network '${name}'`);
  }
  const lease = parseLease(firstChild(h, 'lease'));
  if (lease) host.lease = lease;
  return host;
}

/** <route>, as libvirt's virNetDevIPRouteParseXML/virNetDevIPRouteCreate check it (messages prefixed by the network name). */
export function parseRoute(el: XmlElement, name: string): RouteDef {
  const fail = (detail: string) => err(el, 'XML_ERROR', `${name}: ${detail}`);
  const prefix = propUInt(el, 'prefix');
  const metric = propUInt(el, 'metric', { nonzero: true });
  const family = attr(el, 'family');
  const address = attr(el, 'address');
  const netmask = attr(el, 'netmask');
  const gateway = attr(el, 'gateway');
  if (address === undefined) throw fail('Missing required address attribute in route definition');
  if (gateway === undefined) throw fail('Missing required gateway attribute in route definition');
  const a = parseIp(address);
  if (!a) throw fail(`Bad network address '${address}' in route definition`);
  const g = parseIp(gateway);
  if (!g) throw fail(`Bad gateway address '${gateway}' in route definition`);
  let mask: IpAddr | undefined;
  if (family === undefined || family === 'ipv4') {
    const which = family === undefined ? 'No family' : 'IPv4 family';
    if (a.family !== 4)
      throw fail(`${which} specified for non-IPv4 address '${address}' in route definition`);
    // libvirt prints the address here, not the gateway
    if (g.family !== 4)
      throw fail(`${which} specified for non-IPv4 gateway '${address}' in route definition`);
    if (netmask !== undefined) {
      mask = parseIp(netmask);
      if (!mask) throw fail(`Bad netmask address '${netmask}' in route definition`);
      if (mask.family !== 4)
        throw fail(`Invalid netmask '${netmask}' for address '${address}' (both must be IPv4)`);
      if (prefix !== undefined) throw fail('Route definition cannot have both a prefix and a netmask');
    }
    if ((prefix ?? 0) > 32)
      throw fail(`Invalid prefix ${prefix} specified in route definition, must be 0 - 32`);
  } else if (family === 'ipv6') {
    if (a.family !== 6)
      throw fail(`ipv6 family specified for non-IPv6 address '${address}' in route definition`);
    if (netmask !== undefined) {
      throw fail(`Specifying netmask invalid for IPv6 address '${address}' in route definition`);
    }
    if (g.family !== 6)
      throw fail(`ipv6 specified for non-IPv6 gateway address '${gateway}' in route definition`);
    if ((prefix ?? 0) > 128)
      throw fail(`Invalid prefix ${prefix} specified in route definition, must be 0 - 128`);
  } else {
    throw fail(`Unrecognized family '${family}' in route definition`);
  }
  // a plain AND with the netmask, holes included (virSocketAddrMask)
  const masked = mask ? a.value & mask.value : a.value & prefixMask(a.family, prefix ?? 0);
  if (masked !== a.value) throw fail(`Address '${address}' in route definition is not a network address`);
  const route: RouteDef = { address: formatIp(a), gateway: formatIp(g) };
  if (family) route.family = family;
  if (mask) route.netmask = formatIp(mask);
  if (prefix !== undefined) route.prefix = prefix;
  if (metric !== undefined) route.metric = metric;
  return route;
}

/** libvirt: every static route's gateway must lie inside one of the network's own subnets. */
export function checkRouteGateways(def: NetworkDef, routeEls: XmlElement[]): void {
  def.routes.forEach((route, i) => {
    const gw = parseIp(route.gateway);
    const reachable = def.ips.some((ip) => {
      const a = ip.address === undefined ? undefined : parseIp(ip.address);
      if (!gw || !a || a.family !== gw.family) return false;
      const p = libvirtPrefix(ip);
      // virSocketAddrMaskByPrefix fails for a bad prefix: no match
      if (p < 0 || p > (a.family === 4 ? 32 : 128)) return false;
      const m = prefixMask(a.family, p);
      return (a.value & m) === (gw.value & m);
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
