// <ip> (with <dhcp>, <tftp>) and <route> of libvirt network XML, with libvirt's checks and messages.

import { formatIp, isMac, isMulticastMac, netmaskToPrefix, parseIp, subnetContains } from './addr.js';
import type { DhcpDef, DhcpHost, DhcpRange, IpDef, LeaseDef, NetworkDef, RouteDef } from './network-def.js';
import { ipSubnet } from './network-ip.js';
import { err, triBool, uint, xpathUInt } from './network-parse-util.js';
import { attr, childElements, firstChild, type XmlElement } from './xml-dom.js';

function parseLease(el: XmlElement | undefined, _network: string): LeaseDef | undefined {
  if (!el) return undefined;
  const expiry = uint(
    el,
    'expiry',
    () =>
      `Invalid value for attribute 'expiry' in element 'lease': '%s'. Expected non-negative integer value`,
    Number.MAX_SAFE_INTEGER,
  );
  if (expiry === undefined) return undefined;
  const unit = attr(el, 'unit');
  if (unit !== undefined && unit !== 'seconds' && unit !== 'minutes' && unit !== 'hours') {
    throw err(el, 'XML_ERROR', `Invalid value for attribute 'unit' in element 'lease': '${unit}'.`);
  }
  // dnsmasq's minimum lease time is two minutes
  if (
    expiry > 0 &&
    ((unit === 'seconds' && expiry < 120) || ((unit ?? 'minutes') === 'minutes' && expiry < 2))
  ) {
    throw err(el, 'CONFIG_UNSUPPORTED', 'The minimum lease time should be greater than 2 minutes');
  }
  return unit ? { expiry, unit } : { expiry };
}

export function parseIp4or6(el: XmlElement, name: string): IpDef {
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
  const isV6 = addr?.family === 6;

  const dhcpEl = firstChild(el, 'dhcp');
  if (dhcpEl) ip.dhcp = parseDhcp(dhcpEl, name, isV6);
  const tftp = firstChild(el, 'tftp');
  if (tftp) {
    if (isV6) {
      throw err(
        tftp,
        'CONFIG_UNSUPPORTED',
        `Unsupported <tftp> element in an IPv6 element in network '${name}'`,
      );
    }
    const root = attr(tftp, 'root');
    if (root !== undefined) ip.tftpRoot = root;
  }
  return ip;
}

function parseDhcp(el: XmlElement, name: string, isV6: boolean): DhcpDef {
  const dhcp: DhcpDef = { ranges: [], hosts: [] };
  for (const r of childElements(el, 'range')) dhcp.ranges.push(parseDhcpRange(r, name));
  for (const h of childElements(el, 'host')) dhcp.hosts.push(parseDhcpHost(h, name, isV6));
  const bootp = firstChild(el, 'bootp');
  if (bootp) {
    const file = attr(bootp, 'file');
    // libvirt ignores <bootp> in an IPv6 <ip>
    if (!isV6) {
      if (file === undefined) {
        throw err(bootp, 'XML_ERROR', "Missing required attribute 'file' in element 'bootp'");
      }
      const server = attr(bootp, 'server');
      if (server !== undefined && !parseIp(server)) {
        throw err(bootp, 'XML_ERROR', `Invalid bootp server address '${server}' in network '${name}'`);
      }
      dhcp.bootp = server !== undefined ? { file, server } : { file };
    }
  }
  return dhcp;
}

/** One <range> of <dhcp> (virNetworkDHCPRangeDefParseXML). */
export function parseDhcpRange(r: XmlElement, name: string): DhcpRange {
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
  const lease = parseLease(firstChild(h, 'lease'), name);
  if (lease) host.lease = lease;
  return host;
}

/** <route>, as libvirt's virNetDevIPRouteParseXML/virNetDevIPRouteCreate check it (messages prefixed by the network name). */
export function parseRoute(el: XmlElement, name: string): RouteDef {
  const fail = (detail: string) => err(el, 'XML_ERROR', `${name}: ${detail}`);
  const family = attr(el, 'family');
  const address = attr(el, 'address');
  const netmask = attr(el, 'netmask');
  const gateway = attr(el, 'gateway');
  const prefix = xpathUInt(el, 'prefix');
  if (prefix !== undefined && Number.isNaN(prefix))
    throw fail('Invalid prefix specified in route definition');
  const metric = xpathUInt(el, 'metric');
  if (metric !== undefined && Number.isNaN(metric))
    throw fail('Invalid metric specified in route definition');
  if (metric === 0) throw fail('Invalid metric value, must be > 0 in route definition');
  if (address === undefined) throw fail('Missing required address attribute in route definition');
  if (gateway === undefined) throw fail('Missing required gateway attribute in route definition');
  const a = parseIp(address);
  if (!a) throw fail(`Bad network address '${address}' in route definition`);
  const g = parseIp(gateway);
  if (!g) throw fail(`Bad gateway address '${gateway}' in route definition`);
  let mask: ReturnType<typeof parseIp>;
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
      if (mask.family !== 4) {
        throw fail(`Invalid netmask '${netmask}' for address '${address}' (both must be IPv4)`);
      }
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
    if (g.family !== 6) {
      throw fail(`ipv6 specified for non-IPv6 gateway address '${gateway}' in route definition`);
    }
    if ((prefix ?? 0) > 128)
      throw fail(`Invalid prefix ${prefix} specified in route definition, must be 0 - 128`);
  } else {
    throw fail(`Unrecognized family '${family}' in route definition`);
  }
  const bitsOf = a.family === 4 ? 32 : 128;
  const plen = mask ? netmaskToPrefix(mask) : (prefix ?? 0);
  if (plen === undefined) {
    throw err(
      el,
      'MALFORMED_VALUE',
      `${name}: Error converting address '${address}' with netmask '${netmask}' to network-address in route definition`,
    );
  }
  const hostBits = (1n << BigInt(bitsOf - plen)) - 1n;
  if ((a.value & hostBits) !== 0n)
    throw fail(`Address '${address}' in route definition is not a network address`);
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
