// What the probe looks at for a network, derived from its desired state (names never come from clients): a start
// looks at little (is the bridge name free, is the table there, which port devices exist, the routes); a reconcile
// at everything the planner compares; the heal loop at what can vanish behind the daemon's back.

import { isDirectNetwork } from '../model/direct.js';
import { isRoutedL3Mode, networkMode } from '../model/network-def.js';
import { needsDnsmasq } from '../render/dnsmasq-conf.js';
import { hasFirewallRules } from '../render/nft-ruleset.js';
import type { DesiredNetwork } from './desired.js';
import { directScope } from './direct-steps.js';
import { dnsmasqProcess, dnsmasqReads } from './dnsmasq-steps.js';
import { globalSysctls, linkSysctl } from './link-steps.js';
import type { ProbeScope } from './observed.js';
import { mergeScope, overlayScope } from './overlay-scope.js';
import { ifbName } from './tc-commands.js';

/** Where a Linux host makes macvtap nodes (<run-dir>/dev): the probe counts one there as the macvtap's own. */
export function portScope(d: DesiredNetwork, tapNodeDir?: string): ProbeScope {
  if (isDirectNetwork(d.def)) return directScope(d, tapNodeDir);
  return {
    links: d.ports.map((p) => p.name),
    namespaces: d.ports.flatMap((p) => (p.netns ? [p.netns] : [])),
    // which commands limit bandwidth depends on the kernel (read once)
    tc: true,
  };
}

/** A network's bridge with <bandwidth>, and its ifb: their qdiscs and classes are compared (not in heal rounds). */
function shaped(d: DesiredNetwork): string[] {
  const bw = d.def.bandwidth;
  const bridge = d.def.bridge?.name;
  return bridge && (bw?.inbound?.average || bw?.outbound?.average) ? [bridge, ifbName(bridge)] : [];
}

export function startScope(d: DesiredNetwork, tapNodeDir?: string): ProbeScope {
  if (isDirectNetwork(d.def)) return directScope(d, tapNodeDir);
  const bridge = d.def.bridge?.name;
  const ports = portScope(d);
  const scope: ProbeScope = {
    links: [...(bridge ? [bridge] : []), ...ports.links],
    ...(hasFirewallRules(d.def) ? { nft: 'presence' as const } : {}),
    routes: networkMode(d.def) !== 'bridge',
    namespaces: ports.namespaces,
    dnsmasqReads: dnsmasqReads(d),
    tc: true,
  };
  return mergeScope(scope, overlayScope(d, 'start'));
}

/** A reconcile's probe (check, repair, adoption): everything the planner compares. `heal`: see healScope. */
export function reconcileScope(d: DesiredNetwork, heal = false, tapNodeDir?: string): ProbeScope {
  if (heal) return healScope(d);
  if (isDirectNetwork(d.def)) return directScope(d, tapNodeDir);
  const bridge = d.def.bridge?.name;
  const ports = portScope(d);
  const l3 = isRoutedL3Mode(networkMode(d.def));
  const dns = needsDnsmasq(d.def) && l3;
  const scope: ProbeScope = {
    links: [...(bridge ? [bridge] : []), ...ports.links, ...shaped(d).slice(1)],
    ...(hasFirewallRules(d.def) ? { nft: 'full' as const } : {}),
    addresses: true,
    tc: true,
    qdiscs: shaped(d),
    ...(dns ? { processes: [dnsmasqProcess(d)], files: dnsmasqFiles(d) } : {}),
    sysctls: l3 && bridge ? [linkSysctl(d.def, bridge).key, ...globalSysctls(d.def).map((s) => s.key)] : [],
    routes: d.def.routes.length > 0,
    namespaces: ports.namespaces,
    foreign: 'all',
  };
  return mergeScope(scope, overlayScope(d, 'reconcile'));
}

/** Every file of a network's dnsmasq, for a probe that compares them. */
export function dnsmasqFiles(d: DesiredNetwork): string[] {
  const p = d.dnsmasq.paths;
  return [p.conf, p.hostsFile, p.addnHostsFile, p.serversFile];
}

/**
 * The heal loop's probe, cheap enough for every round at a thousand networks: devices from sysfs (a bridge gone or
 * down, a port off its bridge) and whether the table is there. Nobody else can change the owned table, so its
 * contents need no listing (its owner's end is noticed at once); addresses, files, processes (the supervisor keeps
 * them) and sysctls (an admin's change is reported by check, not undone) are left to check and repair.
 */
export function healScope(d: DesiredNetwork): ProbeScope {
  // a container's macvlan is looked at in its namespace (a process each): left to check and repair
  if (isDirectNetwork(d.def)) return { ...directScope(d), nsLinks: [], deviceDetails: false };
  const bridge = d.def.bridge?.name;
  const ports = portScope(d);
  const scope: ProbeScope = {
    links: [...(bridge ? [bridge] : []), ...ports.links],
    ...(hasFirewallRules(d.def) ? { nft: 'presence' as const } : {}),
    namespaces: ports.namespaces,
    foreign: 'docker',
    // a bridge made again gets its bandwidth: which commands depends on the kernel (read once, cached)
    tc: true,
  };
  return mergeScope(scope, overlayScope(d, 'heal'));
}

/** One probe for many networks (the heal loop, adoption at a daemon start). */
export function unionScope(scopes: ProbeScope[]): ProbeScope {
  const nft = scopes.some((s) => s.nft === 'full')
    ? 'full'
    : scopes.some((s) => s.nft)
      ? 'presence'
      : undefined;
  return {
    links: scopes.flatMap((s) => s.links),
    ...(nft ? { nft } : {}),
    addresses: scopes.some((s) => s.addresses),
    sysctls: scopes.flatMap((s) => s.sysctls ?? []),
    ...(scopes.some((s) => s.files) ? { files: scopes.flatMap((s) => s.files ?? []) } : {}),
    ...(scopes.some((s) => s.processes) ? { processes: scopes.flatMap((s) => s.processes ?? []) } : {}),
    routes: scopes.some((s) => s.routes),
    namespaces: scopes.flatMap((s) => s.namespaces ?? []),
    foreign: scopes.some((s) => s.foreign === 'all') ? 'all' : 'docker',
    ...(scopes.some((s) => s.overlay)
      ? {
          overlay: {
            vxlans: scopes.flatMap((s) => s.overlay?.vxlans ?? []),
            filter: scopes.some((s) => s.overlay?.filter),
          },
        }
      : {}),
    nsLinks: scopes.flatMap((s) => s.nsLinks ?? []),
    tc: scopes.some((s) => s.tc),
    qdiscs: scopes.flatMap((s) => s.qdiscs ?? []),
  };
}
