// The dnsmasq configuration of a network, line for line what libvirt 9.0 writes (networkDnsmasqConfContents),
// with our own file paths and header. Pure text.
// Command line: dnsmasq daemonizes (no --keep-in-foreground): the parent's exit status is a synchronous verdict
// on the configuration, the child writes pid-file and survives a virtnetd restart; the host side supervises it
// by PID (pid-file + /proc/PID/cmdline naming our --conf-file). It runs from root and drops to Debian's
// compiled-in user (nobody), so no user= line is needed, but the hosts files must be world-readable.

import { formatIp, type IpAddr, parseIp, prefixToNetmask, rangeSize } from '../model/addr.js';
import type { DhcpHost, IpDef, LeaseDef, NetworkDef } from '../model/network-def.js';
import { ipAddress, ipPrefix } from '../model/network-ip.js';
import { renderServersFile } from '../model/resolv-conf.js';
import { assertSafeForDnsmasq } from '../model/safe-strings.js';

/** Where the rendered configuration points dnsmasq; ours live under virtnet's own state and run dirs. */
export interface DnsmasqPaths {
  pidFile: string;
  hostsFile: string;
  addnHostsFile: string;
  /**
   * Where the host's upstream servers are (see usesHostUpstream). Absent: dnsmasq reads resolv.conf itself, as
   * libvirt's does (the conformance tests compare that form).
   */
  serversFile?: string;
}

export interface DnsmasqFiles {
  conf: string;
  /** dhcp-hostsfile content (written whenever DHCP is on, possibly empty). */
  hostsfile?: string;
  /** addn-hosts content (written whenever DNS is on, possibly empty). */
  addnhosts?: string;
  /** servers-file content (written whenever the network uses the host's upstream servers, possibly empty). */
  servers?: string;
}

/**
 * Whether the network's dnsmasq forwards to the host's upstream servers (libvirt: it reads resolv.conf). Not
 * when DNS is off, the network is isolated, or a <forwarder addr> replaces them.
 */
export function usesHostUpstream(def: NetworkDef): boolean {
  if (def.dns?.enable === false || !def.forward) return false;
  return !(def.dns?.forwarders ?? []).some((f) => f.domain === undefined && f.addr !== undefined);
}

/** libvirt starts no dnsmasq for a network with DNS disabled and no DHCP. */
export function needsDnsmasq(def: NetworkDef): boolean {
  if (def.ips.length === 0) return false;
  const wantDns = def.dns?.enable !== false;
  return wantDns || def.ips.some((ip) => (ip.dhcp?.ranges.length ?? 0) + (ip.dhcp?.hosts.length ?? 0) > 0);
}

function leaseSuffix(lease: LeaseDef | undefined): string {
  if (!lease) return '';
  if (lease.expiry === 0) return ',infinite';
  const unit = lease.unit === 'hours' ? 'h' : lease.unit === 'seconds' ? 's' : 'm';
  return `,${lease.expiry}${unit}`;
}

function hostLine(h: DhcpHost, v6: boolean): string {
  const parts: string[] = [];
  if (v6) {
    if (h.id !== undefined) parts.push(`id:${h.id}`);
    if (h.name !== undefined) parts.push(h.name);
    parts.push(`[${h.ip}]`);
  } else {
    if (h.mac !== undefined) parts.push(h.mac);
    parts.push(h.ip ?? '');
    if (h.name !== undefined) parts.push(h.name);
  }
  return parts.join(',') + leaseSuffix(h.lease);
}

/** The reverse-DNS zone of a subnet (whole octets for IPv4, nibbles for IPv6). */
export function ptrZone(addr: IpAddr, prefix: number): string | undefined {
  if (addr.family === 4) {
    if (prefix % 8 !== 0 || prefix === 0) return undefined;
    const octets = formatIp(addr)
      .split('.')
      .slice(0, prefix / 8);
    return `${octets.reverse().join('.')}.in-addr.arpa`;
  }
  if (prefix % 4 !== 0 || prefix === 0) return undefined;
  const hex = addr.value
    .toString(16)
    .padStart(32, '0')
    .slice(0, prefix / 4);
  return `${hex.split('').reverse().join('.')}.ip6.arpa`;
}

function hasDhcp(ip: IpDef): boolean {
  return (ip.dhcp?.ranges.length ?? 0) + (ip.dhcp?.hosts.length ?? 0) > 0;
}

/**
 * The dnsmasq configuration and its hosts files for a network, as libvirt 9.0 writes them for the same XML (but
 * for the servers file, when paths name one: `upstream` are the host's nameservers it lists). `bindInterfaces`:
 * bind the bridge's addresses once instead of libvirt's bind-dynamic (see dnsGuarded in nft-ruleset.ts: only
 * behind the firewall's guard).
 * Throws VirtError CONFIG_UNSUPPORTED (via assertSafeForDnsmasq) when a string could break out of its line.
 */
/**
 * Whether dnsmasq with this configuration acts on the host's address and route changes: with bind-dynamic (it
 * binds new addresses) and with IPv6 (RA and DHCPv6 follow the bridge's addresses). One that binds once and serves
 * IPv4 only can be taken off those events (src/host/route-event-mute.ts).
 */
export function dnsmasqFollowsAddresses(def: NetworkDef, opts: { bindInterfaces?: boolean } = {}): boolean {
  return opts.bindInterfaces !== true || def.ips.some((ip) => ipAddress(ip)?.family === 6);
}

export function renderDnsmasqFiles(
  def: NetworkDef,
  paths: DnsmasqPaths,
  upstream: string[] = [],
  opts: { bindInterfaces?: boolean } = {},
): DnsmasqFiles {
  assertSafeForDnsmasq(def);
  const c: string[] = [
    '##WARNING:  THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE',
    '##OVERWRITTEN AND LOST.  Changes to this configuration should be made using:',
    `##    virtnet net-edit ${def.name}`,
    '## or other application using the virtnet API.',
    '##',
    '## dnsmasq conf file created by virtnet',
    'strict-order',
  ];
  const dns = def.dns;
  const wantDns = dns?.enable !== false;
  let noResolv = false;
  for (const f of dns?.forwarders ?? []) {
    let line = 'server=';
    if (f.domain !== undefined) line += `/${f.domain}/`;
    line += f.addr !== undefined ? f.addr + (f.port ? `#${f.port}` : '') : '#';
    c.push(line);
    if (f.domain === undefined && f.addr !== undefined) noResolv = true;
  }
  if (noResolv) c.push('no-resolv');
  // why: a dnsmasq reading resolv.conf takes an inotify instance to watch it, and there are 128 per user on the
  // whole machine; virtnetd watches resolv.conf once and rewrites this file (re-read on SIGHUP) instead
  const servers = paths.serversFile !== undefined && usesHostUpstream(def);
  if (servers) c.push('no-resolv', `servers-file=${paths.serversFile}`);
  if (def.domain) {
    if (def.domain.localOnly === true) c.push(`local=/${def.domain.name}/`);
    c.push(`domain=${def.domain.name}`, 'expand-hosts');
  }
  if (dns?.forwardPlainNames === false) c.push('domain-needed', 'local=//');
  for (const ip of def.ips) {
    const a = ipAddress(ip);
    const p = ipPrefix(ip);
    if (ip.localPtr !== true || !a || p === undefined) continue;
    const zone = ptrZone(a, p);
    if (zone) c.push(`local=/${zone}/`);
  }
  c.push(`pid-file=${paths.pidFile}`);
  if (!wantDns) c.push('port=0');
  const bind = opts.bindInterfaces ? 'bind-interfaces' : 'bind-dynamic';
  c.push('except-interface=lo', bind, `interface=${def.bridge?.name ?? ''}`);
  if (!def.forward) c.push('dhcp-option=3', 'no-resolv', 'ra-param=*,0,0');
  for (const t of dns?.txts ?? []) c.push(`txt-record=${t.name},${t.value}`);
  for (const s of dns?.srvs ?? []) {
    let line = `srv-host=_${s.service}._${s.protocol}`;
    if (s.domain !== undefined) line += `.${s.domain}`;
    if (s.target !== undefined && s.target !== '.') {
      line += `,${s.target}`;
      if (s.port || s.priority || s.weight) line += `,${s.port || 1}`;
      if (s.priority || s.weight) line += `,${s.priority ?? 0}`;
      if (s.weight) line += `,${s.weight}`;
    }
    c.push(line);
  }

  const v4 = def.ips.find((ip) => ipAddress(ip)?.family === 4 && hasDhcp(ip));
  let v6 = def.ips.find((ip) => ipAddress(ip)?.family === 6 && hasDhcp(ip));
  // libvirt drops DHCPv6 when another IPv6 address on the network is SLAAC-only
  if (v6 && def.ips.some((ip) => ipAddress(ip)?.family === 6 && !hasDhcp(ip))) v6 = undefined;
  for (const ip of def.ips) {
    if (ipAddress(ip)?.family === 4 && ip.tftpRoot !== undefined)
      c.push('enable-tftp', `tftp-root=${ip.tftpRoot}`);
  }
  let leases = 0n;
  const hostLines: string[] = [];
  for (const ip of [v4, v6]) {
    if (!ip?.dhcp) continue;
    const addr = ipAddress(ip) as IpAddr;
    const prefix = ipPrefix(ip) ?? 0;
    const isV6 = addr.family === 6;
    for (const r of ip.dhcp.ranges) {
      const s = parseIp(r.start) as IpAddr;
      const e = parseIp(r.end) as IpAddr;
      const mask = isV6 ? String(prefix) : formatIp(prefixToNetmask(4, prefix));
      c.push(`dhcp-range=${r.start},${r.end},${mask}${leaseSuffix(r.lease)}`);
      leases += rangeSize(s, e);
    }
    if (ip.dhcp.ranges.length === 0 && ip.dhcp.hosts.length > 0) {
      c.push(`dhcp-range=${formatIp(addr)},static${isV6 ? `,${prefix}` : ''}`);
    }
    for (const h of ip.dhcp.hosts) if (h.ip !== undefined) hostLines.push(hostLine(h, isV6));
    if (!isV6) {
      c.push('dhcp-no-override', 'dhcp-authoritative');
      const b = ip.dhcp.bootp;
      if (b) c.push(b.server !== undefined ? `dhcp-boot=${b.file},,${b.server}` : `dhcp-boot=${b.file}`);
    }
  }
  if (leases > 0n) c.push(`dhcp-lease-max=${leases}`);
  const files: DnsmasqFiles = { conf: '' };
  if (servers) files.servers = renderServersFile(upstream);
  if (v4 || v6) {
    c.push(`dhcp-hostsfile=${paths.hostsFile}`);
    files.hostsfile = hostLines.map((l) => `${l}\n`).join('');
  }
  if (wantDns) {
    c.push(`addn-hosts=${paths.addnHostsFile}`);
    const byIp = new Map<string, string[]>();
    for (const h of dns?.hosts ?? []) byIp.set(h.ip, [...(byIp.get(h.ip) ?? []), ...h.hostnames]);
    files.addnhosts = [...byIp]
      .map(([ip, names]) => `${ip}\t${names.map((n) => `${n}\t`).join('')}\n`)
      .join('');
  }
  if (def.mtu) c.push(`dhcp-option=option:mtu,${def.mtu}`);
  if (v6) c.push('enable-ra');
  else {
    for (const ip of def.ips) {
      const a = ipAddress(ip);
      if (a?.family === 6 && !hasDhcp(ip)) c.push(`dhcp-range=${formatIp(a)},ra-only`);
    }
  }
  for (const o of def.dnsmasqOptions) c.push(o);
  files.conf = `${c.join('\n')}\n`;
  return files;
}

/**
 * dnsmasq's command line (arguments after the binary). No --keep-in-foreground: the parent exits non-zero with
 * the error when the configuration is bad (a synchronous, reliable start check), and the daemonized child
 * outlives virtnetd. The lease file is ours (not --leasefile-ro with a helper script as libvirt does).
 */
export function dnsmasqArgs(confFile: string, leaseFile: string): string[] {
  return [`--conf-file=${confFile}`, `--dhcp-leasefile=${leaseFile}`];
}
