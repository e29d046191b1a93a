// <dns> of libvirt network XML (virNetworkDNSDefParseXML): forwarders, hosts, SRV and TXT records.

import { formatIp, parseIp } from './addr.js';
import type { DnsDef, DnsHost, DnsSrv, DnsTxt } from './network-def.js';
import { err, triBool, xpathUInt } from './network-parse-util.js';
import { attr, childElements, textContent, type XmlElement } from './xml-dom.js';

export function parseDns(el: XmlElement, name: string): DnsDef {
  const dns: DnsDef = { forwarders: [], txts: [], srvs: [], hosts: [] };
  dns.enable = triBool(el, 'enable');
  dns.forwardPlainNames = triBool(el, 'forwardPlainNames');
  for (const f of childElements(el, 'forwarder')) {
    const addr = attr(f, 'addr');
    const domain = attr(f, 'domain');
    const fw: DnsDef['forwarders'][number] = {};
    if (addr !== undefined) {
      const ip = parseIp(addr);
      if (!ip) throw err(f, 'XML_ERROR', `Invalid forwarder IP address '${addr}' in network '${name}'`);
      fw.addr = formatIp(ip);
    }
    if (domain !== undefined) fw.domain = domain;
    if (addr === undefined && domain === undefined) {
      throw err(f, 'XML_ERROR', 'Invalid forwarder element, must contain at least one of addr or domain');
    }
    dns.forwarders.push(fw);
  }
  for (const h of childElements(el, 'host')) dns.hosts.push(parseDnsHost(h, name));
  for (const s of childElements(el, 'srv')) dns.srvs.push(parseSrv(s, name));
  for (const t of childElements(el, 'txt')) dns.txts.push(parseDnsTxt(t, name));
  if (
    dns.enable === false &&
    (dns.forwarders.length || dns.txts.length || dns.srvs.length || dns.hosts.length)
  ) {
    throw err(el, 'XML_ERROR', `Extra data in disabled network '${name}'`);
  }
  return dns;
}

/** One <host> of <dns>; with partialOkay (net-update delete/modify) either the IP or the hostnames may be missing. */
export function parseDnsHost(h: XmlElement, name: string, partialOkay = false): DnsHost {
  const hostnames = childElements(h, 'hostname').map((n) => textContent(n));
  const ipText = attr(h, 'ip');
  if (partialOkay && hostnames.length === 0 && ipText === undefined) {
    throw err(h, 'XML_DETAIL', `Missing ip and hostname in network '${name}' DNS HOST record`);
  }
  if (hostnames.includes('') || (hostnames.length === 0 && !partialOkay)) {
    throw err(h, 'XML_DETAIL', `Missing hostname in network '${name}' DNS HOST record`);
  }
  if (ipText === undefined) {
    if (partialOkay) return { ip: '', hostnames };
    throw err(h, 'XML_DETAIL', `Missing IP address in network '${name}' DNS HOST record`);
  }
  const ip = parseIp(ipText);
  if (!ip) throw err(h, 'XML_DETAIL', `Invalid IP address in network '${name}' DNS HOST record`);
  return { ip: formatIp(ip), hostnames };
}

/** One <txt> of <dns>; with partialOkay (net-update delete) the value may be missing. */
export function parseDnsTxt(t: XmlElement, name: string, partialOkay = false): DnsTxt {
  const tname = attr(t, 'name');
  const value = attr(t, 'value');
  if (tname === undefined) {
    throw err(t, 'XML_DETAIL', `missing required name attribute in DNS TXT record of network ${name}`);
  }
  if (/[ ,]/.test(tname)) {
    throw err(t, 'XML_DETAIL', `prohibited character in DNS TXT record name '${tname}' of network ${name}`);
  }
  if (value === undefined) {
    if (partialOkay) return { name: tname, value: '' };
    throw err(
      t,
      'XML_DETAIL',
      `missing required value attribute in DNS TXT record named '${tname}' of network ${name}`,
    );
  }
  return { name: tname, value };
}

/** One <srv> of <dns>; with partialOkay (net-update delete) service and protocol may be missing. */
export function parseSrv(s: XmlElement, name: string, partialOkay = false): DnsSrv {
  const srv: DnsSrv = {};
  const service = attr(s, 'service');
  if (service === undefined && !partialOkay) {
    throw err(s, 'XML_DETAIL', `missing required service attribute in DNS SRV record of network '${name}'`);
  }
  // DNS_RECORD_LENGTH_SRV: 512 - 30
  if (service !== undefined && new TextEncoder().encode(service).length > 482) {
    throw err(
      s,
      'XML_DETAIL',
      `service attribute '${service}' in network '${name}' is too long, limit is 482 bytes`,
    );
  }
  if (service !== undefined && !/^[A-Za-z0-9_\-+/*]*$/.test(service)) {
    throw err(
      s,
      'XML_DETAIL',
      `invalid character in service attribute '${service}' in DNS SRV record of network '${name}'`,
    );
  }
  const protocol = attr(s, 'protocol');
  if (protocol === undefined && !partialOkay) {
    throw err(
      s,
      'XML_DETAIL',
      `missing required protocol attribute in DNS SRV record '${service}' of network '${name}'`,
    );
  }
  if (protocol !== undefined && !/^[A-Za-z0-9\-+/]*$/.test(protocol)) {
    throw err(
      s,
      'XML_DETAIL',
      `invalid character in protocol attribute '${protocol}' in DNS SRV record of network '${name}'`,
    );
  }
  if (service !== undefined) srv.service = service;
  if (protocol !== undefined) srv.protocol = protocol;
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
