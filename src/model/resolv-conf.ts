// The host's upstream DNS servers, read from resolv.conf the way dnsmasq reads it (nameserver lines only), for the
// servers file each network's dnsmasq gets instead of watching resolv.conf itself. Pure.

import { parseIp } from './addr.js';
import { isIfName } from './safe-strings.js';

/** dnsmasq takes at most this many servers from resolv.conf-like sources; more would only grow every file. */
const MAX_SERVERS = 16;

/**
 * The nameserver addresses of a resolv.conf, in order, without duplicates. Only addresses parseIp accepts (an IPv6
 * link-local one may name its interface after '%'): anything else is skipped, so nothing from the file but a
 * checked address reaches a dnsmasq line.
 */
export function parseResolvConf(text: string): string[] {
  const out: string[] = [];
  for (const line of text.slice(0, 65536).split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (!m?.[1]) continue;
    const [addr = '', scope, extra] = m[1].split('%');
    if (extra !== undefined || !parseIp(addr)) continue;
    if (scope !== undefined && (!addr.includes(':') || !isIfName(scope))) continue;
    if (!out.includes(m[1])) out.push(m[1]);
    if (out.length === MAX_SERVERS) break;
  }
  return out;
}

/** The servers file dnsmasq re-reads on SIGHUP (--servers-file): one server= line per upstream address. */
export function renderServersFile(servers: string[]): string {
  return servers.map((s) => `server=${s}\n`).join('');
}
