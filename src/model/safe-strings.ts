// Guards against configuration injection: every string that reaches a dnsmasq config line or an nft rule is
// checked here first, so a crafted name can never add an option or a rule.

import { isMac, parseIp } from './addr.js';
import { VirtError } from './errors.js';
import type { NetworkDef } from './network-def.js';

const CONTROL = /[\x00-\x1f\x7f]/;
const DNS_NAME = /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$/;
// SRV service and protocol labels: dnsmasq builds "_service._protocol" from them
const SRV_LABEL = /^[A-Za-z0-9_-]{1,63}$/;
// A DHCPv6 DUID as libvirt accepts it: hex octets separated by ':'
const DUID = /^[0-9A-Fa-f]{1,2}(:[0-9A-Fa-f]{1,2})*$/;

function bad(what: string, value: string, why: string): VirtError {
  // JSON.stringify shows control characters escaped, so the message itself stays one line
  return new VirtError('CONFIG_UNSUPPORTED', `${what} '${JSON.stringify(value).slice(1, -1)}' ${why}`);
}

/** A Linux interface name: 1–15 chars, no '/', whitespace, ':' or control characters, not '.' or '..'. */
export function assertIfName(name: string, what: string): void {
  if (!/^[A-Za-z0-9_.@+-]{1,15}$/.test(name) || name === '.' || name === '..') {
    throw bad(what, name, 'is not a valid interface name');
  }
}

function noControl(what: string, value: string | undefined): void {
  if (value !== undefined && CONTROL.test(value)) throw bad(what, value, 'contains a control character');
}

function noComma(what: string, value: string | undefined): void {
  noControl(what, value);
  if (value?.includes(',')) throw bad(what, value, "must not contain ','");
}

function dnsName(what: string, value: string | undefined): void {
  if (value !== undefined && !DNS_NAME.test(value)) throw bad(what, value, 'is not a valid DNS name');
}

function ipAddr(what: string, value: string | undefined): void {
  if (value !== undefined && !parseIp(value)) throw bad(what, value, 'is not a valid IP address');
}

/** Throws CONFIG_UNSUPPORTED when any string of the definition could break out of its dnsmasq config line. */
export function assertSafeForDnsmasq(def: NetworkDef): void {
  noControl('network name', def.name);
  if (def.name.includes('/')) throw bad('network name', def.name, "must not contain '/'");
  if (def.bridge?.name !== undefined) assertIfName(def.bridge.name, 'bridge name');
  if (def.domain) dnsName('domain name', def.domain.name);
  for (const f of def.dns?.forwarders ?? []) {
    dnsName('forwarder domain', f.domain);
    ipAddr('forwarder address', f.addr);
  }
  for (const t of def.dns?.txts ?? []) {
    noComma('TXT record name', t.name);
    noControl('TXT record value', t.value);
  }
  for (const s of def.dns?.srvs ?? []) {
    for (const [what, v] of [
      ['SRV service', s.service],
      ['SRV protocol', s.protocol],
    ] as const) {
      if (v !== undefined && !SRV_LABEL.test(v)) throw bad(what, v, 'is not a valid SRV label');
    }
    dnsName('SRV domain', s.domain);
    if (s.target !== '.') dnsName('SRV target', s.target);
  }
  for (const h of def.dns?.hosts ?? []) {
    ipAddr('DNS host address', h.ip);
    for (const n of h.hostnames) dnsName('DNS host name', n);
  }
  for (const ip of def.ips) {
    noComma('tftp root', ip.tftpRoot);
    noComma('bootp file', ip.dhcp?.bootp?.file);
    ipAddr('bootp server', ip.dhcp?.bootp?.server);
    for (const r of ip.dhcp?.ranges ?? []) {
      ipAddr('DHCP range start', r.start);
      ipAddr('DHCP range end', r.end);
    }
    for (const h of ip.dhcp?.hosts ?? []) {
      dnsName('DHCP host name', h.name);
      ipAddr('DHCP host address', h.ip);
      if (h.mac !== undefined && !isMac(h.mac))
        throw bad('DHCP host MAC', h.mac, 'is not a valid MAC address');
      if (h.id !== undefined && !DUID.test(h.id)) throw bad('DHCP host id', h.id, 'is not a valid DUID');
    }
  }
  // libvirt passes dnsmasq:options through verbatim by design; only a second line is refused
  for (const o of def.dnsmasqOptions) noControl('dnsmasq option', o);
}
