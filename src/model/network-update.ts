// net-update: libvirt's virNetworkDefUpdateSection — add, delete or modify one element of a network definition.

import { parseIp, subnetContains } from './addr.js';
import { VirtError } from './errors.js';
import type { DhcpHost, DnsDef, IpDef, NetworkDef } from './network-def.js';
import { formatNetworkXml } from './network-format.js';
import { ipAddress, ipSubnet } from './network-ip.js';
import { parseNetworkXml, parsePortGroup } from './network-parse.js';
import { parseDnsHost, parseDnsTxt, parseSrv } from './network-parse-dns.js';
import { parseDhcpHost, parseDhcpRange } from './network-parse-ip.js';
import { validateNetworkDef } from './network-validate.js';
import { attr, parseXmlDocument, type XmlElement } from './xml-dom.js';

/** virsh's command names; "add" is add-last. */
export const UPDATE_COMMANDS = ['add', 'add-first', 'add-last', 'delete', 'modify'] as const;
export type UpdateCommand = (typeof UPDATE_COMMANDS)[number];

/** virsh's section names (virNetworkSection). */
export const UPDATE_SECTIONS = [
  'bridge',
  'domain',
  'ip',
  'ip-dhcp-host',
  'ip-dhcp-range',
  'forward',
  'forward-interface',
  'forward-pf',
  'portgroup',
  'dns-host',
  'dns-txt',
  'dns-srv',
] as const;
export type UpdateSection = (typeof UPDATE_SECTIONS)[number];

/** Sections whose live change dnsmasq picks up on SIGHUP (hosts files), without a restart. */
export const HUP_SECTIONS: readonly UpdateSection[] = ['ip-dhcp-host', 'dns-host'];

type Cmd = 'add-first' | 'add-last' | 'delete' | 'modify';

function invalid(detail: string): VirtError {
  return new VirtError('OPERATION_INVALID', detail);
}

function unsupported(detail: string): VirtError {
  return new VirtError('OPERATION_UNSUPPORTED', detail);
}

export function parseUpdateCommand(text: string): Cmd {
  if (text === 'add') return 'add-last';
  if (text === 'add-first' || text === 'add-last' || text === 'delete' || text === 'modify') return text;
  throw new VirtError('INVALID_ARG', `unrecognized command name '${text}'`);
}

export function parseUpdateSection(text: string): UpdateSection {
  if ((UPDATE_SECTIONS as readonly string[]).includes(text)) return text as UpdateSection;
  throw new VirtError('INVALID_ARG', `unrecognized section name '${text}'`);
}

/**
 * Applies one net-update to a copy of `def` and returns the copy; throws VirtError with libvirt's messages.
 * `parentIndex` selects the <ip> for the DHCP sections (undefined or negative: the <ip> that already has DHCP,
 * else the first IPv4, else the first IPv6 one).
 */
export function updateNetworkDef(
  def: NetworkDef,
  command: string,
  section: string,
  xml: string,
  parentIndex?: number,
): NetworkDef {
  const cmd = parseUpdateCommand(command);
  const sec = parseUpdateSection(section);
  const next = structuredClone(def);
  const el = parseXmlDocument(xml);
  const index = parentIndex ?? -1;
  switch (sec) {
    case 'bridge':
    case 'domain':
    case 'ip':
    case 'forward':
      throw unsupported(`can't update '${sec}' section of network '${def.name}'`);
    case 'forward-pf':
      throw unsupported(`can't update 'forward pf' section of network '${def.name}'`);
    case 'ip-dhcp-host':
      updateDhcpHost(next, cmd, el, index);
      break;
    case 'ip-dhcp-range':
      updateDhcpRange(next, cmd, el, index);
      break;
    case 'forward-interface':
      updateForwardInterface(next, cmd, el);
      break;
    case 'portgroup':
      updatePortGroup(next, cmd, el);
      break;
    case 'dns-host':
      updateDnsHost(next, cmd, el);
      break;
    case 'dns-txt':
      updateDnsTxt(next, cmd, el);
      break;
    case 'dns-srv':
      updateDnsSrv(next, cmd, el);
      break;
  }
  // what define would refuse must not get in through an update: the result has to define again as it is
  validateNetworkDef(parseNetworkXml(formatNetworkXml(next, { inactive: true })));
  return next;
}

function checkElementName(def: NetworkDef, el: XmlElement, expected: string): void {
  if (el.name !== expected) {
    throw new VirtError(
      'XML_ERROR',
      `unexpected element <${el.name}>, expecting <${expected}>, while updating network '${def.name}'`,
    );
  }
}

function familyOf(ip: IpDef): 4 | 6 | undefined {
  return ipAddress(ip)?.family;
}

/** virNetworkIPDefByIndex */
function ipByIndex(def: NetworkDef, parentIndex: number): IpDef {
  if (parentIndex >= 0) {
    const ip = def.ips[parentIndex];
    if (!ip) {
      throw invalid(
        `couldn't update dhcp host entry - no <ip> element found at index ${parentIndex} in network '${def.name}'`,
      );
    }
    return ip;
  }
  const ip =
    def.ips.find((i) => i.dhcp && (i.dhcp.ranges.length || i.dhcp.hosts.length)) ??
    def.ips.find((i) => familyOf(i) === 4) ??
    def.ips.find((i) => familyOf(i) === 6);
  if (!ip) throw invalid(`couldn't update dhcp host entry - no <ip> element found in network '${def.name}'`);
  return ip;
}

/** virNetworkDefUpdateCheckMultiDHCP */
function checkMultiDhcp(def: NetworkDef, ipdef: IpDef): void {
  const family = familyOf(ipdef);
  for (const ip of def.ips) {
    if (ip === ipdef || familyOf(ip) !== family) continue;
    if (ip.dhcp && (ip.dhcp.ranges.length || ip.dhcp.hosts.length)) {
      throw invalid(
        `dhcp is supported only for a single ${family === 4 ? 'IPv4' : 'IPv6'} address on each network`,
      );
    }
  }
}

function insertAt<T>(list: T[], cmd: Cmd, item: T): void {
  if (cmd === 'add-first') list.unshift(item);
  else list.push(item);
}

function sameIp(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const x = parseIp(a);
  const y = parseIp(b);
  return !!x && !!y && x.family === y.family && x.value === y.value;
}

function dhcpOf(ip: IpDef): NonNullable<IpDef['dhcp']> {
  ip.dhcp ??= { ranges: [], hosts: [] };
  return ip.dhcp;
}

function updateDhcpHost(def: NetworkDef, cmd: Cmd, el: XmlElement, parentIndex: number): void {
  checkElementName(def, el, 'host');
  const ipdef = ipByIndex(def, parentIndex);
  const partialOkay = cmd === 'delete';
  const family = familyOf(ipdef);
  const host = parseDhcpHost(el, def.name, family === 6, partialOkay);
  if (!partialOkay && parseIp(host.ip ?? '')?.family !== family) {
    throw invalid(
      "the address family of a host entry IP must match the address family of the dhcp element's parent",
    );
  }
  const hosts = ipdef.dhcp?.hosts ?? [];
  const shown = (h: DhcpHost) =>
    `mac='${h.mac ?? 'unknown'}' name='${h.name ?? '(null)'}' ip='${h.ip ?? 'unknown'}'`;
  if (cmd === 'modify') {
    const i = hosts.findIndex(
      (h) =>
        (host.mac !== undefined && sameMac(h.mac, host.mac)) ||
        sameIp(host.ip, h.ip) ||
        (host.name !== undefined && h.name === host.name),
    );
    if (i < 0) {
      throw invalid(
        `couldn't locate an existing dhcp host entry with "mac='${host.mac ?? 'unknown'}'" "name='${host.name ?? '(null)'}'" "ip='${host.ip ?? 'unknown'}'" in network '${def.name}'`,
      );
    }
    hosts[i] = host;
  } else if (cmd === 'delete') {
    const i = hosts.findIndex(
      (h) =>
        (host.mac === undefined || h.mac === undefined || sameMac(h.mac, host.mac)) &&
        (host.name === undefined || h.name === host.name) &&
        (host.ip === undefined || sameIp(host.ip, h.ip)),
    );
    if (i < 0) throw invalid(`couldn't locate a matching dhcp host entry in network '${def.name}'`);
    hosts.splice(i, 1);
  } else {
    checkMultiDhcp(def, ipdef);
    const clash = hosts.some(
      (h) =>
        (host.mac !== undefined && sameMac(h.mac, host.mac)) ||
        (host.name !== undefined && h.name === host.name) ||
        sameIp(host.ip, h.ip),
    );
    if (clash) {
      throw invalid(
        `there is an existing dhcp host entry in network '${def.name}' that matches "<host ${shown(host)}/>"`,
      );
    }
    insertAt(dhcpOf(ipdef).hosts, cmd, host);
  }
}

function updateDhcpRange(def: NetworkDef, cmd: Cmd, el: XmlElement, parentIndex: number): void {
  checkElementName(def, el, 'range');
  const ipdef = ipByIndex(def, parentIndex);
  if (cmd === 'modify') throw unsupported('dhcp ranges cannot be modified, only added or deleted');
  const range = parseDhcpRange(el, def.name);
  if (parseIp(range.start)?.family !== familyOf(ipdef)) {
    throw invalid(
      "the address family of a dhcp range must match the address family of the dhcp element's parent",
    );
  }
  const net = ipSubnet(ipdef);
  const [start, end] = [parseIp(range.start), parseIp(range.end)];
  if (cmd !== 'delete' && net && start && end && !(subnetContains(net, start) && subnetContains(net, end))) {
    throw new VirtError(
      'XML_ERROR',
      `range ${range.start} - ${range.end} is not entirely within network ${ipdef.address}/${net.prefix}`,
    );
  }
  const ranges = ipdef.dhcp?.ranges ?? [];
  const i = ranges.findIndex((r) => sameIp(r.start, range.start) && sameIp(r.end, range.end));
  if (cmd === 'delete') {
    if (i < 0) throw invalid(`couldn't locate a matching dhcp range entry in network '${def.name}'`);
    ranges.splice(i, 1);
    return;
  }
  checkMultiDhcp(def, ipdef);
  if (i >= 0) {
    throw invalid(
      `there is an existing dhcp range entry in network '${def.name}' that matches "<range start='${range.start}' end='${range.end}'/>"`,
    );
  }
  insertAt(dhcpOf(ipdef).ranges, cmd, range);
}

function updateForwardInterface(def: NetworkDef, cmd: Cmd, el: XmlElement): void {
  checkElementName(def, el, 'interface');
  if (cmd === 'modify') {
    throw unsupported('forward interface entries cannot be modified, only added or deleted');
  }
  const dev = attr(el, 'dev');
  if (dev === undefined) throw new VirtError('XML_ERROR', 'missing dev attribute in <interface> element');
  const ifs = def.forward?.interfaces ?? [];
  const i = ifs.findIndex((f) => f.dev === dev);
  if (cmd === 'delete') {
    if (i < 0) {
      throw invalid(
        `couldn't find an interface entry in network '${def.name}' matching <interface dev='${dev}'>`,
      );
    }
    const used = ifs[i]?.connections ?? 0;
    if (used > 0) {
      throw invalid(
        `unable to delete interface '${dev}' in network '${def.name}'. It is currently being used by ${used} domains.`,
      );
    }
    ifs.splice(i, 1);
    return;
  }
  if (i >= 0) {
    throw invalid(
      `there is an existing interface entry in network '${def.name}' that matches "<interface dev='${dev}'>"`,
    );
  }
  if (!def.forward) {
    // libvirt keeps the list on a network without <forward>, but formats nothing; refuse instead of losing it
    throw invalid(`network '${def.name}' has no <forward> element to add an interface to`);
  }
  insertAt(def.forward.interfaces, cmd, { dev });
}

function updatePortGroup(def: NetworkDef, cmd: Cmd, el: XmlElement): void {
  checkElementName(def, el, 'portgroup');
  const pg = parsePortGroup(el, def.name);
  const foundName = def.portgroups.findIndex((p) => p.name === pg.name);
  const foundDefault = def.portgroups.findIndex((p) => p.default);
  if (foundName < 0 && (cmd === 'modify' || cmd === 'delete')) {
    throw invalid(
      `couldn't find a portgroup entry in network '${def.name}' matching <portgroup name='${pg.name}'>`,
    );
  }
  if (foundName >= 0 && (cmd === 'add-first' || cmd === 'add-last')) {
    throw invalid(
      `there is an existing portgroup entry in network '${def.name}' that matches "<portgroup name='${pg.name}'>"`,
    );
  }
  if (cmd !== 'delete' && pg.default && foundDefault >= 0 && foundDefault !== foundName) {
    throw invalid(
      `a different portgroup entry in network '${def.name}' is already set as the default. Only one default is allowed.`,
    );
  }
  if (cmd === 'modify') def.portgroups[foundName] = pg;
  else if (cmd === 'delete') def.portgroups.splice(foundName, 1);
  else insertAt(def.portgroups, cmd, pg);
}

function dnsOf(def: NetworkDef): DnsDef {
  def.dns ??= { forwarders: [], txts: [], srvs: [], hosts: [] };
  return def.dns;
}

function updateDnsHost(def: NetworkDef, cmd: Cmd, el: XmlElement): void {
  checkElementName(def, el, 'host');
  const isAdd = cmd === 'add-first' || cmd === 'add-last';
  const host = parseDnsHost(el, def.name, cmd === 'delete');
  const hosts = def.dns?.hosts ?? [];
  const matches: number[] = [];
  hosts.forEach((h, i) => {
    const byIp = sameIp(host.ip || undefined, h.ip);
    // adding: several records may share a hostname, only the address must be new
    const byName = !isAdd && cmd !== 'modify' && host.hostnames.some((n) => h.hostnames.includes(n));
    if (byIp || byName) matches.push(i);
  });
  if (isAdd) {
    if (matches.length) {
      throw invalid(
        `there is already at least one DNS HOST record with a matching field in network ${def.name}`,
      );
    }
    insertAt(dnsOf(def).hosts, cmd, host);
    return;
  }
  if (matches.length === 0)
    throw invalid(`couldn't locate a matching DNS HOST record in network ${def.name}`);
  if (matches.length > 1) {
    throw invalid(`multiple matching DNS HOST records were found in network ${def.name}`);
  }
  const i = matches[0] as number;
  if (cmd === 'modify') hosts[i] = host;
  else hosts.splice(i, 1);
}

function updateDnsTxt(def: NetworkDef, cmd: Cmd, el: XmlElement): void {
  checkElementName(def, el, 'txt');
  const isAdd = cmd === 'add-first' || cmd === 'add-last';
  const txt = parseDnsTxt(el, def.name, cmd === 'delete');
  const txts = def.dns?.txts ?? [];
  const i = txts.findIndex((t) => t.name === txt.name);
  if (isAdd) {
    if (i >= 0) {
      throw invalid(`there is already a DNS TXT record with name '${txt.name}' in network ${def.name}`);
    }
    insertAt(dnsOf(def).txts, cmd, txt);
    return;
  }
  if (i < 0) throw invalid(`couldn't locate a matching DNS TXT record in network ${def.name}`);
  if (cmd === 'modify') txts[i] = txt;
  else txts.splice(i, 1);
}

function updateDnsSrv(def: NetworkDef, cmd: Cmd, el: XmlElement): void {
  checkElementName(def, el, 'srv');
  const isAdd = cmd === 'add-first' || cmd === 'add-last';
  const srv = parseSrv(el, def.name, cmd === 'delete');
  const srvs = def.dns?.srvs ?? [];
  const matches: number[] = [];
  srvs.forEach((s, i) => {
    if (
      (srv.domain === undefined || srv.domain === s.domain) &&
      (srv.service === undefined || srv.service === s.service) &&
      (srv.protocol === undefined || srv.protocol === s.protocol) &&
      (srv.target === undefined || srv.target === s.target)
    ) {
      matches.push(i);
    }
  });
  if (isAdd) {
    if (matches.length) {
      throw invalid(
        `there is already at least one DNS SRV record matching all specified fields in network ${def.name}`,
      );
    }
    insertAt(dnsOf(def).srvs, cmd, srv);
    return;
  }
  if (matches.length === 0) throw invalid(`couldn't locate a matching DNS SRV record in network ${def.name}`);
  if (matches.length > 1) {
    throw invalid(`multiple DNS SRV records matching all specified fields were found in network ${def.name}`);
  }
  const i = matches[0] as number;
  if (cmd === 'modify') srvs[i] = srv;
  else srvs.splice(i, 1);
}

/** libvirt compares MAC addresses as addresses (virMacAddrCompare), whatever their case. */
function sameMac(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}
