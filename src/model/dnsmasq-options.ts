// Which <dnsmasq:options> a definition may carry. libvirt passes them to dnsmasq verbatim, and dnsmasq runs as
// root until it drops privileges: `dhcp-script=/tmp/x` runs a program as root, `conf-file=` reads any file, and
// `addn-hosts=`, `tftp-root=`, `log-facility=/path` or `pid-file=` name files it opens or writes. virtnet keeps an
// allowlist of options known to do neither (DNS records, DHCP options and tags, tuning, logging to syslog);
// anything else is refused unless the operator started virtnetd with --allow-dnsmasq-programs, and even then only
// from the read-write socket. Pure.

import { VirtError } from './errors.js';
import type { NetworkDef } from './network-def.js';

/** dnsmasq 2.90 options that neither run a program, nor name a file or directory, nor change where it listens. */
export const SAFE_DNSMASQ_OPTIONS: ReadonlySet<string> = new Set([
  // DNS records and answers
  'address',
  'alias',
  'bogus-nxdomain',
  'caa-record',
  'cname',
  'dns-rr',
  'host-record',
  'ignore-address',
  'mx-host',
  'mx-target',
  'localmx',
  'selfmx',
  'naptr-record',
  'ptr-record',
  'srv-host',
  'synth-domain',
  'txt-record',
  'filter-A',
  'filter-AAAA',
  'filter-rr',
  'no-ident',
  'no-round-robin',
  // forwarding and caching
  'all-servers',
  'bogus-priv',
  'cache-rr',
  'cache-size',
  'clear-on-reload',
  'dns-forward-max',
  'dns-loop-detect',
  'domain',
  'domain-needed',
  'edns-packet-max',
  'expand-hosts',
  'fast-dns-retry',
  'filterwin2k',
  'local',
  'local-ttl',
  'localise-queries',
  'max-cache-ttl',
  'max-port',
  'max-tcp-connections',
  'max-ttl',
  'min-cache-ttl',
  'min-port',
  'neg-ttl',
  'no-negcache',
  'no-poll',
  'no-resolv',
  'port-limit',
  'query-port',
  'rebind-domain-ok',
  'rebind-localhost-ok',
  'rev-server',
  'server',
  'stop-dns-rebind',
  'strict-order',
  'use-stale-cache',
  'add-cpe-id',
  'add-mac',
  'add-subnet',
  'strip-mac',
  'strip-subnet',
  'proxy-dnssec',
  'dnssec',
  'dnssec-check-unsigned',
  'dnssec-debug',
  'dnssec-limits',
  'dnssec-no-timecheck',
  'trust-anchor',
  'auth-sec-servers',
  'auth-soa',
  'auth-ttl',
  'umbrella',
  // DHCP and router advertisements
  'bootp-dynamic',
  'dhcp-authoritative',
  'dhcp-boot',
  'dhcp-broadcast',
  'dhcp-circuitid',
  'dhcp-client-update',
  'dhcp-duid',
  'dhcp-fqdn',
  'dhcp-generate-names',
  'dhcp-host',
  'dhcp-ignore',
  'dhcp-ignore-clid',
  'dhcp-ignore-names',
  'dhcp-lease-max',
  'dhcp-mac',
  'dhcp-match',
  'dhcp-name-match',
  'dhcp-no-override',
  'dhcp-option',
  'dhcp-option-force',
  'dhcp-pxe-vendor',
  'dhcp-range',
  'dhcp-rapid-commit',
  'dhcp-remoteid',
  'dhcp-reply-delay',
  'dhcp-sequential-ip',
  'dhcp-subscrid',
  'dhcp-ttl',
  'dhcp-userclass',
  'dhcp-vendorclass',
  'enable-ra',
  'no-ping',
  'pxe-prompt',
  'pxe-service',
  'ra-param',
  'tag-if',
  // logging to syslog (log-facility may name a file, so it is not here)
  'log-async',
  'log-debug',
  'log-dhcp',
  'log-queries',
  'quiet-dhcp',
  'quiet-dhcp6',
  'quiet-ra',
  'quiet-tftp',
]);

/** Why an option that is not on the allowlist is dangerous, for the options people reach for most. */
const REASONS: Record<string, string> = {
  'dhcp-script': 'runs a program as root',
  'dhcp-luascript': 'runs a program as root',
  'conf-script': 'runs a program as root',
  'dhcp-scriptuser': 'chooses the user lease scripts run as',
  'script-arp': 'runs the lease script',
  'script-on-renewal': 'runs the lease script',
  'conf-file': 'reads a file as configuration',
  'conf-dir': 'reads a directory as configuration',
  'servers-file': 'reads a file',
  'resolv-file': 'reads a file',
  'addn-hosts': 'reads a file',
  hostsdir: 'reads a directory',
  'dhcp-hostsfile': 'reads a file',
  'dhcp-hostsdir': 'reads a directory',
  'dhcp-optsfile': 'reads a file',
  'dhcp-optsdir': 'reads a directory',
  'read-ethers': 'reads a file',
  'dhcp-leasefile': 'writes a file',
  'pid-file': 'writes a file',
  'log-facility': 'may write a file',
  dumpfile: 'writes a file',
  'dnssec-timestamp': 'writes a file',
  'enable-tftp': 'serves files from the host',
  'tftp-root': 'serves files from a directory',
  user: 'chooses the user dnsmasq runs as',
  group: 'chooses the group dnsmasq runs as',
  ipset: "changes the host's firewall sets",
  nftset: "changes the host's firewall sets",
  interface: 'changes where dnsmasq listens',
  'listen-address': 'changes where dnsmasq listens',
  'except-interface': 'changes where dnsmasq listens',
  'bind-interfaces': 'changes where dnsmasq listens',
  port: 'changes where dnsmasq listens',
  'auth-server': 'changes where dnsmasq listens',
  'dhcp-relay': 'relays DHCP to other hosts',
};

/** The option's name as dnsmasq reads a config line: leading blanks skipped, up to '=' or the end. */
export function dnsmasqOptionName(option: string): string {
  return option.trimStart().split('=', 1)[0]?.trim() ?? '';
}

export interface RefusedOption {
  option: string;
  name: string;
  reason: string;
}

/** The options of a definition that are not on the allowlist, with why each is refused. */
export function unsafeDnsmasqOptions(def: NetworkDef): RefusedOption[] {
  return def.dnsmasqOptions.flatMap((option) => {
    const name = dnsmasqOptionName(option);
    if (SAFE_DNSMASQ_OPTIONS.has(name)) return [];
    const reason = REASONS[name] ?? 'is not an option virtnet knows to be harmless';
    return [{ option, name, reason }];
  });
}

/** Who asks: whether the daemon allows such options at all, and whether the request came in on the 0600 socket. */
export interface DnsmasqOptionPolicy {
  allowPrograms: boolean;
  fullAccess: boolean;
}

/**
 * Throws OPERATION_DENIED naming the first refused option and what to change. Checked at define, create and start
 * (a definition stored earlier refuses to start with the same words).
 */
export function assertDnsmasqOptionsAllowed(def: NetworkDef, policy: DnsmasqOptionPolicy): void {
  const first = unsafeDnsmasqOptions(def)[0];
  if (!first || (policy.allowPrograms && policy.fullAccess)) return;
  const shown = first.option.length > 80 ? `${first.option.slice(0, 80)}…` : first.option;
  const what = `dnsmasq option '${shown}' of network '${def.name}' is refused: '${first.name}' ${first.reason}, and dnsmasq runs as root`;
  throw new VirtError(
    'OPERATION_DENIED',
    policy.allowPrograms
      ? `${what}; such options are accepted only on the read-write UNIX socket`
      : `${what}; start virtnetd with --allow-dnsmasq-programs to accept such options (on the read-write socket only)`,
  );
}
