// Guards against configuration injection: every string that reaches a dnsmasq config line or an nft rule is
// checked here first, so a crafted name can never add an option or a rule.

import { VirtError } from './errors.js';
import type { NetworkDef } from './network-def.js';

const CONTROL = /[\x00-\x1f\x7f]/;
const DNS_NAME = /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$/;

function bad(what: string, value: string, why: string): VirtError {
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

function dnsName(what: string, value: string | undefined): void {
  if (value === undefined) return;
  if (!DNS_NAME.test(value)) throw bad(what, value, 'is not a valid DNS name');
}

/** Throws when any string of the definition could break out of its dnsmasq config line. */
export function assertSafeForDnsmasq(def: NetworkDef): void {
  noControl('network name', def.name);
  if (def.bridge?.name !== undefined) assertIfName(def.bridge.name, 'bridge name');
  if (def.domain) dnsName('domain name', def.domain.name);
  for (const f of def.dns?.forwarders ?? []) dnsName('forwarder domain', f.domain);
  for (const t of def.dns?.txts ?? []) {
    noControl('TXT record name', t.name);
    noControl('TXT record value', t.value);
    if (t.name.includes(',')) throw bad('TXT record name', t.name, "must not contain ','");
  }
  for (const s of def.dns?.srvs ?? []) {
    dnsName('SRV domain', s.domain);
    if (s.target !== '.') dnsName('SRV target', s.target);
  }
  for (const h of def.dns?.hosts ?? []) for (const n of h.hostnames) dnsName('DNS host name', n);
  for (const ip of def.ips) {
    noControl('tftp root', ip.tftpRoot);
    noControl('bootp file', ip.dhcp?.bootp?.file);
    if (ip.dhcp?.bootp?.file.includes(','))
      throw bad('bootp file', ip.dhcp.bootp.file, "must not contain ','");
    for (const h of ip.dhcp?.hosts ?? []) dnsName('DHCP host name', h.name);
  }
  for (const o of def.dnsmasqOptions) noControl('dnsmasq option', o);
}
