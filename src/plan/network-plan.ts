// What starting an L3 network does to the host, as data: the iproute2 batches, sysctls and firewall script.
// Pure, so plans can be checked as golden text and shown by dry runs.

import { formatIp } from '../model/addr.js';
import { type NetworkDef, networkMode } from '../model/network-def.js';
import { ipAddress, ipPrefix } from '../model/network-ip.js';
import { assertIfName } from '../model/safe-strings.js';
import { hasFirewallRules, networkAddScript } from '../render/nft-ruleset.js';

export interface Sysctl {
  key: string;
  value: string;
}

export interface NetworkPlan {
  bridge: string;
  /** `ip -batch` lines creating the bridge device. */
  createLink: string[];
  /** Written right after the `ip` batch (a port-less bridge has no carrier, so no IPv6 address exists yet). */
  linkSysctls: Sysctl[];
  /** `ip -batch` lines: addresses, up, static routes. */
  configureLink: string[];
  /** Host-wide sysctls the mode needs (never reverted, like libvirt). */
  globalSysctls: Sysctl[];
  /** nft transaction, or undefined for modes without rules (open). */
  firewall?: string;
}

export function planNetwork(def: NetworkDef): NetworkPlan {
  const bridge = def.bridge?.name;
  if (!bridge) throw new Error(`network '${def.name}' has no bridge name`);
  assertIfName(bridge, 'bridge name');
  const mode = networkMode(def);
  const stp = def.bridge?.stp === false ? 0 : 1;
  const delay = (def.bridge?.delay ?? 0) * 100;
  let add = `link add name ${bridge}`;
  if (def.mac) add += ` address ${def.mac}`;
  if (def.mtu) add += ` mtu ${def.mtu}`;
  // STP goes on only after the delay is set: with STP on, the kernel refuses delays under 2 s (libvirt's order)
  add += ` type bridge forward_delay ${delay} stp_state 0`;
  const hasV6 = def.ips.some((ip) => ipAddress(ip)?.family === 6);
  const linkSysctls: Sysctl[] = [];
  if (!hasV6 && !def.ipv6) linkSysctls.push({ key: `net/ipv6/conf/${bridge}/disable_ipv6`, value: '1' });
  else linkSysctls.push({ key: `net/ipv6/conf/${bridge}/accept_ra`, value: '0' });
  const configure: string[] = [];
  for (const ip of def.ips) {
    const a = ipAddress(ip);
    const p = ipPrefix(ip);
    if (!a || p === undefined) continue;
    configure.push(
      a.family === 4
        ? `address add ${formatIp(a)}/${p} broadcast + dev ${bridge}`
        : `address add ${formatIp(a)}/${p} dev ${bridge} nodad`,
    );
  }
  if (stp) configure.push(`link set dev ${bridge} type bridge stp_state 1`);
  configure.push(`link set dev ${bridge} up`);
  for (const r of def.routes) {
    const prefix = r.prefix ?? (r.netmask ? netmaskBits(r.netmask) : r.address.includes(':') ? 128 : 32);
    configure.push(
      `route add ${r.address}/${prefix} via ${r.gateway} dev ${bridge}${r.metric ? ` metric ${r.metric}` : ''}`,
    );
  }
  const globalSysctls: Sysctl[] = [];
  if (mode === 'nat' || mode === 'route' || mode === 'open') {
    if (def.ips.some((ip) => ipAddress(ip)?.family === 4))
      globalSysctls.push({ key: 'net/ipv4/ip_forward', value: '1' });
    if (hasV6) globalSysctls.push({ key: 'net/ipv6/conf/all/forwarding', value: '1' });
  }
  return {
    bridge,
    createLink: [add],
    linkSysctls,
    configureLink: configure,
    globalSysctls,
    firewall: hasFirewallRules(def) ? networkAddScript(def) : undefined,
  };
}

function netmaskBits(mask: string): number {
  return mask.split('.').reduce((n, o) => n + (Number(o).toString(2).match(/1/g)?.length ?? 0), 0);
}

/** The plan as readable text (dry runs, golden tests). */
export function formatPlan(plan: NetworkPlan): string {
  const out: string[] = [];
  // the order the runtime applies them: one `ip -batch`, then sysctls, then one nft transaction
  for (const l of [...plan.createLink, ...plan.configureLink]) out.push(`ip ${l}`);
  for (const s of plan.linkSysctls) out.push(`sysctl ${s.key.replace(/\//g, '.')}=${s.value}`);
  for (const s of plan.globalSysctls) out.push(`sysctl ${s.key.replace(/\//g, '.')}=${s.value}`);
  if (plan.firewall) out.push('nft -f - <<EOF', plan.firewall.trimEnd(), 'EOF');
  return `${out.join('\n')}\n`;
}

/** Everything start does for a network, as text: the L3 plan, or the single check of bridge mode. */
export function describeStart(def: NetworkDef): string {
  const mode = networkMode(def);
  if (mode === 'bridge')
    return `check /sys/class/net/${def.bridge?.name ?? '?'}/bridge exists (host bridge; nothing is created)\n`;
  return formatPlan(planNetwork(def));
}
