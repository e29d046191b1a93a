// Guards against configuration injection: every string that reaches a dnsmasq config line, a file name, an nft
// identifier or an argv is checked (or encoded) here first, so a crafted name can never add an option, a rule or
// a path. Pure: the API's schemas, the daemon, the renderers and the web UI share these rules.

import { isMac, parseIp } from './addr.js';
import { VirtError } from './errors.js';
import type { NetworkDef } from './network-def.js';
import { parseMac } from './network-parse-util.js';

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

/**
 * A Linux interface name as virtnet accepts it: 1–15 characters from letters, digits and `_ . @ + -`, not '.' or
 * '..' (the kernel refuses '/', ':', whitespace; the rest would reach paths under /sys and argv unquoted).
 */
export function isIfName(name: string): boolean {
  return /^[A-Za-z0-9_.@+-]{1,15}$/.test(name) && name !== '.' && name !== '..';
}

export function assertIfName(name: string, what: string): void {
  if (!isIfName(name)) throw bad(what, name, 'is not a valid interface name');
}

/** What is wrong with an interface name, in assertIfName's words (undefined: nothing). */
export function ifNameProblem(name: string, what: string): string | undefined {
  return isIfName(name) ? undefined : bad(what, name, 'is not a valid interface name').detail;
}

/** The API's words for a MAC, a UUID and an IPv4 address it cannot use (undefined: nothing wrong). */
export function macProblem(mac: string): string | undefined {
  return isMac(mac) ? undefined : `'${mac}' is not a MAC address`;
}

export function uuidProblem(text: string): string | undefined {
  return /^[0-9a-fA-F-]{32,40}$/.test(text) && text.replace(/-/g, '').length === 32
    ? undefined
    : `'${text}' is not a UUID`;
}

export function ipv4Problem(text: string): string | undefined {
  return parseIp(text)?.family === 4 ? undefined : `'${text}' is not an IPv4 address`;
}

/** A TCP/UDP port number 1–65535. */
export function isPort(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535;
}

/** Characters a network name keeps in its file names; everything else is %XX-encoded (UTF-8 bytes). */
const FILE_SAFE = /[A-Za-z0-9_.-]/;
/** Longest encoded name: NAME plus the longest suffix and the atomic writer's temp decoration stay below 255. */
export const MAX_NETWORK_FILE_NAME = 200;

/**
 * The part of a file name that stands for a network (NAME.xml, NAME.json, NAME.conf, NAME.pid, ...), a network
 * filter (nwfilter/NAME.xml) or a filter binding's port device (nwfilter-binding/DEV.xml): the name
 * itself when it is made of letters, digits, '-', '_' and '.', else those kept and every other byte written %XX,
 * a leading '.' included (the store skips dot files; dnsmasq reads '#' and '"' specially). Injective: '%' is
 * always encoded, so networkNameFromFileName undoes it exactly.
 */
export function networkFileName(name: string): string {
  let out = '';
  for (const ch of name) {
    if (FILE_SAFE.test(ch) && !(out === '' && ch === '.')) out += ch;
    else
      for (const b of new TextEncoder().encode(ch))
        out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The network name a file name stands for (undefined when it is not one networkFileName makes). */
export function networkNameFromFileName(file: string): string | undefined {
  if (!/^(?:[A-Za-z0-9_-]|%[0-9A-F]{2})(?:[A-Za-z0-9_.-]|%[0-9A-F]{2})*$/.test(file)) return undefined;
  try {
    const name = decodeURIComponent(file);
    return networkFileName(name) === file ? name : undefined;
  } catch {
    return undefined;
  }
}

/** A network filter name as virtnet takes it: 1-100 of letters, digits and `_ . : + -`, a letter or digit first. */
const NWFILTER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:+-]{0,99}$/;

/** What is wrong with a network filter name (undefined: nothing); filter names become file names. */
export function nwfilterNameProblem(name: string): string | undefined {
  return NWFILTER_NAME.test(name)
    ? undefined
    : `filter name '${JSON.stringify(name).slice(1, -1)}' may only hold letters, digits and _.:+- (1-100, not first)`;
}

/** Refuses a network name too long for the files made from it (libvirt 9.0 fails later, on the file). */
export function assertNetworkNameFits(name: string): void {
  const encoded = networkFileName(name).length;
  if (encoded > MAX_NETWORK_FILE_NAME) {
    throw new VirtError(
      'CONFIG_UNSUPPORTED',
      `network name '${name.length > 40 ? `${name.slice(0, 40)}…` : name}' is too long: its file names need ${encoded} bytes, at most ${MAX_NETWORK_FILE_NAME} (letters, digits, '-', '_' and '.' take one, every other character three per UTF-8 byte)`,
    );
  }
}

/**
 * Devices named in a definition reach argv, nft rules and /sys paths: each must be a valid interface name
 * (libvirt finds bad ones only when the kernel refuses them at start).
 */
export function assertDeviceNames(def: NetworkDef): void {
  if (def.bridge?.name !== undefined) assertIfName(def.bridge.name, 'bridge name');
  const f = def.forward;
  if (f?.dev !== undefined) assertIfName(f.dev, 'forward dev');
  for (const i of f?.interfaces ?? []) if (i.dev !== undefined) assertIfName(i.dev, 'forward interface dev');
  if (f?.pf?.dev !== undefined) assertIfName(f.pf.dev, 'forward pf dev');
}

function noControl(what: string, value: string | undefined): void {
  if (value !== undefined && CONTROL.test(value)) throw bad(what, value, 'contains a control character');
}

/**
 * dnsmasq reads a config line with its own rules: '"' quotes (and is removed), '#' after a blank starts a comment,
 * trailing blanks go. A value it would read differently from what was written is refused.
 */
function plain(what: string, value: string | undefined): void {
  noControl(what, value);
  if (value === undefined) return;
  if (value.includes('"')) throw bad(what, value, "must not contain '\"' (dnsmasq reads it as a quote)");
  if (/(^|\s)#/.test(value))
    throw bad(what, value, "must not contain '#' after a blank (dnsmasq reads a comment)");
  if (/\s$/.test(value)) throw bad(what, value, 'must not end in a blank (dnsmasq drops it)');
}

function noComma(what: string, value: string | undefined): void {
  plain(what, value);
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
    plain('TXT record value', t.value);
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
      if (h.mac !== undefined && !parseMac(h.mac))
        throw bad('DHCP host MAC', h.mac, 'is not a valid MAC address');
      if (h.id !== undefined && !DUID.test(h.id)) throw bad('DHCP host id', h.id, 'is not a valid DUID');
    }
  }
  // libvirt passes dnsmasq:options through verbatim by design; only a second line is refused
  for (const o of def.dnsmasqOptions) noControl('dnsmasq option', o);
}
