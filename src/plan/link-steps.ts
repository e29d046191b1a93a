// Steps of a network's bridge: the device with its addresses and routes (one `ip -batch`), its sysctls, the TX
// checksum offload, and the host-wide forwarding sysctls. Fresh when the bridge is absent; otherwise only the
// lines that fix what differs.

import { formatIp } from '../model/addr.js';
import { type NetworkDef, networkMode } from '../model/network-def.js';
import { ipAddress, ipPrefix } from '../model/network-ip.js';
import { assertIfName } from '../model/safe-strings.js';
import type { ObservedHost } from './observed.js';
import type { DriftProblem, Resource, Step } from './steps.js';

export const linkStepId = (bridge: string) => `link:${bridge}`;

interface AddrLine {
  cidr: string;
  line: string;
}

function addressLines(def: NetworkDef, bridge: string): AddrLine[] {
  const out: AddrLine[] = [];
  for (const ip of def.ips) {
    const a = ipAddress(ip);
    const p = ipPrefix(ip);
    if (!a || p === undefined) continue;
    const cidr = `${formatIp(a)}/${p}`;
    out.push({
      cidr,
      line:
        a.family === 4
          ? `address add ${cidr} broadcast + dev ${bridge}`
          : `address add ${cidr} dev ${bridge} nodad`,
    });
  }
  return out;
}

function netmaskBits(mask: string): number {
  return mask.split('.').reduce((n, o) => n + (Number(o).toString(2).match(/1/g)?.length ?? 0), 0);
}

function routeLines(def: NetworkDef, bridge: string): Array<{ dest: string; line: string }> {
  return def.routes.map((r) => {
    const prefix = r.prefix ?? (r.netmask ? netmaskBits(r.netmask) : r.address.includes(':') ? 128 : 32);
    const dest = `${r.address}/${prefix}`;
    return {
      dest,
      line: `route add ${dest} via ${r.gateway} dev ${bridge}${r.metric ? ` metric ${r.metric}` : ''}`,
    };
  });
}

/** disable_ipv6 without any IPv6 address (unless ipv6='yes'); otherwise no router advertisements accepted. */
export function linkSysctl(def: NetworkDef, bridge: string): { key: string; value: string } {
  const hasV6 = def.ips.some((ip) => ipAddress(ip)?.family === 6);
  return !hasV6 && !def.ipv6
    ? { key: `net/ipv6/conf/${bridge}/disable_ipv6`, value: '1' }
    : { key: `net/ipv6/conf/${bridge}/accept_ra`, value: '0' };
}

/** Host-wide sysctls a forwarding mode needs (never reverted, like libvirt). */
export function globalSysctls(def: NetworkDef): Array<{ key: string; value: string }> {
  const mode = networkMode(def);
  const out: Array<{ key: string; value: string }> = [];
  if (mode === 'nat' || mode === 'route' || mode === 'open') {
    if (def.ips.some((ip) => ipAddress(ip)?.family === 4))
      out.push({ key: 'net/ipv4/ip_forward', value: '1' });
    if (def.ips.some((ip) => ipAddress(ip)?.family === 6))
      out.push({ key: 'net/ipv6/conf/all/forwarding', value: '1' });
  }
  return out;
}

function createLine(def: NetworkDef, bridge: string): string {
  const delay = (def.bridge?.delay ?? 0) * 100;
  let add = `link add name ${bridge}`;
  if (def.mac) add += ` address ${def.mac}`;
  if (def.mtu) add += ` mtu ${def.mtu}`;
  // STP goes on only after the delay is set: with STP on, the kernel refuses delays under 2 s (libvirt's order)
  return `${add} type bridge forward_delay ${delay} stp_state 0`;
}

function bridgeResources(def: NetworkDef, bridge: string): Resource[] {
  const link: Resource = { kind: 'link', name: bridge, type: 'bridge' };
  if (def.mtu) link.mtu = def.mtu;
  if (def.mac) link.mac = def.mac;
  return [
    link,
    ...addressLines(def, bridge).map((a): Resource => ({ kind: 'addr', dev: bridge, cidr: a.cidr })),
    ...routeLines(def, bridge).map((r): Resource => ({ kind: 'route', dev: bridge, dest: r.dest })),
  ];
}

const sysctlStep = (s: { key: string; value: string }, title: string, drift?: DriftProblem[]): Step => ({
  id: `sysctl:${s.key}`,
  title,
  do: [{ kind: 'sysctl', key: s.key, value: s.value }],
  undo: [],
  provides: [{ kind: 'sysctl', ...s }],
  ...(drift ? { drift } : {}),
});

function forwardingTitle(key: string): string {
  return key.includes('ipv6') ? 'enable IPv6 forwarding' : 'enable IPv4 forwarding';
}

/** The bridge made from nothing: one ip batch (a port-less bridge has no carrier, so IPv6 made no address yet). */
function freshBridge(def: NetworkDef, bridge: string, drift?: DriftProblem[]): Step {
  const stp = def.bridge?.stp !== false;
  // up before the addresses: each address then brings its local, broadcast and prefix routes in one burst, and
  // every dnsmasq on the host (they all listen for route changes) wakes once per start instead of twice
  const lines = [
    createLine(def, bridge),
    ...(stp ? [`link set dev ${bridge} type bridge stp_state 1`] : []),
    `link set dev ${bridge} up`,
    ...addressLines(def, bridge).map((a) => a.line),
    ...routeLines(def, bridge).map((r) => r.line),
  ];
  const sysctl = linkSysctl(def, bridge);
  return {
    id: linkStepId(bridge),
    title: `create bridge ${bridge}`,
    do: [
      { kind: 'exec', argv: ['ip', '-batch', '-'], stdin: `${lines.join('\n')}\n` },
      // right after the batch: the link sysctls would not exist before, and IPv6 starts on carrier only
      { kind: 'sysctl', key: sysctl.key, value: sysctl.value },
    ],
    undo: [{ kind: 'exec', argv: ['ip', 'link', 'del', 'dev', bridge], mayFail: true }],
    provides: [...bridgeResources(def, bridge), { kind: 'sysctl', ...sysctl }],
    // what needs the bridge names it; the rest (dnsmasq's files, the forwarding sysctls) is done meanwhile
    parallel: true,
    ...(drift ? { drift } : {}),
  };
}

/**
 * Packets the host itself sends to guests (DHCP offers, DNS answers) would otherwise leave with a partial
 * checksum that raw-socket DHCP clients (busybox udhcpc, old dhclient) drop; libvirt's CHECKSUM rule fixed the
 * same. Forwarded traffic does not pass the bridge's own transmit path: its offloads stay on. The one place this
 * is written; ethtool missing is not fatal (the guest then needs a checksum-tolerant client).
 */
function checksumStep(bridge: string): Step {
  return {
    id: `ethtool:${bridge}`,
    title: `turn off TX checksum offload of ${bridge}`,
    do: [{ kind: 'exec', argv: ['ethtool', '-K', bridge, 'tx', 'off'], mayFail: true }],
    undo: [],
    after: [linkStepId(bridge)],
    parallel: true,
  };
}

/** Steps of an L3 network's bridge and forwarding. `fresh`: plan as if nothing were there (a start). */
export function bridgeSteps(def: NetworkDef, o: ObservedHost, fresh: boolean): Step[] {
  const bridge = def.bridge?.name as string;
  assertIfName(bridge, 'bridge name');
  const steps: Step[] = [];
  const link = o.links.get(bridge);
  if (fresh || !link) {
    const drift = fresh
      ? undefined
      : [{ what: `bridge ${bridge} is missing`, expected: 'present', actual: 'absent' }];
    steps.push(freshBridge(def, bridge, drift), checksumStep(bridge));
  } else {
    steps.push(...bridgeFixes(def, bridge, o));
  }
  for (const s of globalSysctls(def)) {
    const seen = o.sysctls.get(s.key);
    // a probe that did not read it (the heal loop) leaves an admin's choice alone; check and repair read it
    if (!fresh && (seen === undefined || seen === s.value)) continue;
    const drift = fresh
      ? undefined
      : [{ what: `sysctl ${s.key.replace(/\//g, '.')} is ${seen}`, expected: s.value, actual: seen }];
    const step = sysctlStep(s, forwardingTitle(s.key), drift);
    steps.push(fresh || !link ? { ...step, parallel: true } : step);
  }
  // steps that may overlap what follows come after the ones that may not (run order)
  return [...steps.filter((s) => !s.parallel), ...steps.filter((s) => s.parallel)];
}

/** An existing bridge: only the lines that fix what differs (down, missing address or route, MTU, MAC). */
function bridgeFixes(def: NetworkDef, bridge: string, o: ObservedHost): Step[] {
  const link = o.links.get(bridge);
  if (!link) return [];
  const lines: string[] = [];
  const drift: DriftProblem[] = [];
  const set: string[] = [];
  if (def.mtu && link.mtu !== undefined && link.mtu !== def.mtu) {
    set.push(`mtu ${def.mtu}`);
    drift.push({
      what: `bridge ${bridge} has MTU ${link.mtu}`,
      expected: String(def.mtu),
      actual: String(link.mtu),
    });
  }
  if (def.mac && link.mac !== undefined && link.mac !== def.mac) {
    set.push(`address ${def.mac}`);
    drift.push({ what: `bridge ${bridge} has MAC ${link.mac}`, expected: def.mac, actual: link.mac });
  }
  if (!link.up) {
    set.push('up');
    drift.push({ what: `bridge ${bridge} is down`, expected: 'up', actual: 'down' });
  }
  if (set.length) lines.push(`link set dev ${bridge} ${set.join(' ')}`);
  if (link.addresses) {
    const have = new Set(link.addresses);
    for (const a of addressLines(def, bridge)) {
      if (have.has(a.cidr)) continue;
      lines.push(a.line);
      drift.push({
        what: `address ${a.cidr} missing on ${bridge}`,
        expected: a.cidr,
        actual: [...have].join(' '),
      });
    }
  }
  const routes = o.routes.filter((r) => r.dev === bridge);
  if (def.routes.length && o.routes.length) {
    for (const r of routeLines(def, bridge)) {
      if (
        routes.some(
          (x) =>
            `${formatIp({ family: x.subnet.family, value: x.subnet.network })}/${x.subnet.prefix}` === r.dest,
        )
      )
        continue;
      lines.push(r.line);
      drift.push({ what: `route ${r.dest} missing on ${bridge}` });
    }
  }
  const steps: Step[] = [];
  if (lines.length) {
    steps.push({
      id: `link-config:${bridge}`,
      title: `configure bridge ${bridge}`,
      do: [{ kind: 'exec', argv: ['ip', '-batch', '-'], stdin: `${lines.join('\n')}\n` }],
      undo: [],
      after: [linkStepId(bridge)],
      provides: bridgeResources(def, bridge),
      drift,
    });
  }
  const s = linkSysctl(def, bridge);
  const seen = o.sysctls.get(s.key);
  if (seen !== undefined && seen !== s.value) {
    steps.push(
      sysctlStep(s, `set ${s.key.replace(/\//g, '.')} of ${bridge}`, [
        { what: `sysctl ${s.key.replace(/\//g, '.')} is ${seen}`, expected: s.value, actual: seen },
      ]),
    );
  }
  return steps;
}

/** Removal of the bridge (its ports fall off it; the kernel drops its addresses and routes with it). */
export function bridgeRemoveStep(bridge: string, after: string[] = []): Step {
  return {
    id: linkStepId(bridge),
    title: `delete bridge ${bridge}`,
    do: [{ kind: 'exec', argv: ['ip', 'link', 'del', 'dev', bridge], mayFail: true }],
    undo: [],
    removes: [{ kind: 'link', name: bridge, type: 'bridge' }],
    ...(after.length ? { after } : {}),
  };
}
