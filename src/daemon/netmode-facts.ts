// Gathers what `virtnet netmode` reasons about: the definition, the kernel's view of the bridge and its ports
// (from the host probe), check()'s drift, leases. The reasoning itself is pure (src/model/netmode.ts).

import type { PortInfo } from '../api/types.js';
import { formatSubnet } from '../model/addr.js';
import { directMode, isDirectNetwork, poolDevices } from '../model/direct.js';
import { isVirtError, VirtError } from '../model/errors.js';
import {
  explainGuest,
  explainNetwork,
  explainPort,
  type NetmodeReport,
  type NetworkFacts,
} from '../model/netmode.js';
import type { NetworkDef } from '../model/network-def.js';
import { ipSubnet } from '../model/network-ip.js';
import { readForwards } from '../model/port-forward.js';
import { isIfName } from '../model/safe-strings.js';
import { needsDnsmasq } from '../render/dnsmasq-conf.js';
import { hasFirewallRules } from '../render/nft-ruleset.js';
import type { Daemon } from './daemon.js';
import { plugDevOf } from './direct-ports.js';

/** A bridge's ports (undefined when there is no such bridge), from the host probe. */
function bridgeMembers(daemon: Daemon, bridge: string): string[] | undefined {
  return daemon.runtime.linkFacts(bridge).members;
}

function masterOf(daemon: Daemon, dev: string): { exists: boolean; master?: string } {
  const f = daemon.runtime.linkFacts(dev);
  return f.master ? { exists: f.exists, master: f.master } : { exists: f.exists };
}

async function networkReport(daemon: Daemon, id: string): Promise<NetmodeReport> {
  const info = daemon.info(id);
  const def = daemon.definition(id);
  const subnets = def.ips.map(ipSubnet).flatMap((s) => (s ? [formatSubnet(s)] : []));
  let drift: string[] = [];
  const direct = isDirectNetwork(def);
  if (info.active && (info.mode !== 'bridge' || direct)) drift = (await daemon.check(id)).map((p) => p.what);
  const members = info.active && info.bridge ? bridgeMembers(daemon, info.bridge) : undefined;
  if (info.active && info.bridge && members === undefined && info.mode === 'bridge') {
    drift.push(`host bridge ${info.bridge} does not exist`);
  }
  return explainNetwork({
    name: info.name,
    mode: info.mode,
    active: info.active,
    checked: info.active,
    ...(info.degraded ? { degraded: info.degraded } : {}),
    ...(info.bridge ? { bridge: info.bridge } : {}),
    ...(def.forward?.dev ? { forwardDev: def.forward.dev } : {}),
    subnets,
    ...(members ? { members } : {}),
    ...(info.active && info.bridge && members === undefined ? { bridgeMissing: true } : {}),
    drift,
    dnsmasq: needsDnsmasq(def),
    firewallRules: hasFirewallRules(def),
    leases: info.active ? (await daemon.leases(id)).length : 0,
    forwards: readForwards(def).length,
    ...(direct ? { direct: directFacts(daemon, def, info.name) } : {}),
  });
}

function directFacts(daemon: Daemon, def: NetworkDef, name: string): NonNullable<NetworkFacts['direct']> {
  const used = new Map<string, number>();
  for (const p of daemon.ports.list(name)) {
    const dev = plugDevOf(p);
    if (dev) used.set(dev, (used.get(dev) ?? 0) + 1);
  }
  return {
    mode: directMode(def),
    pool: poolDevices(def).map((dev) => {
      const f = daemon.runtime.linkFacts(dev);
      return {
        dev,
        connections: used.get(dev) ?? 0,
        exists: f.exists,
        ...(f.up !== undefined ? { up: f.up } : {}),
      };
    }),
  };
}

async function portReport(daemon: Daemon, port: PortInfo): Promise<NetmodeReport> {
  const network = await networkReport(daemon, port.network);
  const leases = (await daemon.leases(port.network)).filter((l) => l.mac.toLowerCase() === port.mac);
  const dev = port.device?.name;
  const m = dev ? masterOf(daemon, dev) : undefined;
  const bridge = daemon.info(port.network).bridge;
  const d = port.device;
  const direct =
    d && (d.kind === 'macvtap' || d.kind === 'macvlan') && d.link
      ? {
          kind: d.kind,
          link: d.link,
          mode: d.mode ?? 'vepa',
          ...(d.kind === 'macvtap' && daemon.runtime.linkFacts(d.name).lower
            ? { lower: daemon.runtime.linkFacts(d.name).lower as string }
            : {}),
        }
      : undefined;
  return explainPort({
    ...(direct ? { direct } : {}),
    mac: port.mac,
    network,
    addresses: leases.map((l) => `${l.ipaddr}/${l.prefix}`),
    ...(dev ? { device: dev } : {}),
    ...(m ? { deviceExists: m.exists } : {}),
    ...(m?.master ? { master: m.master } : {}),
    ...(bridge ? { bridge } : {}),
  });
}

/**
 * NAME is a network (name or UUID), a guest (port owner), or a device (a port's tap/veth, or any bridge port).
 * Only a valid interface name is looked up in /sys; without hostDevices (the read-only socket) a device that is
 * not on a virtnet bridge gets the same answer as one that does not exist.
 */
export async function netmodeOf(
  daemon: Daemon,
  name: string,
  opts: { hostDevices?: boolean } = {},
): Promise<NetmodeReport> {
  try {
    return await networkReport(daemon, name);
  } catch (e) {
    if (!isVirtError(e) || e.code !== 'NO_NETWORK') throw e;
  }
  const owned = daemon.ports.ofOwner(name);
  if (owned.length) return explainGuest(name, await Promise.all(owned.map((p) => portReport(daemon, p))));
  const port = daemon.ports.list().find((p) => p.device?.name === name);
  if (port) return portReport(daemon, port);
  const m = isIfName(name) ? masterOf(daemon, name) : { exists: false, master: undefined };
  if (m.exists && opts.hostDevices !== false) {
    const net = daemon.list({ active: true }).find((n) => n.bridge && n.bridge === m.master);
    if (net) {
      const network = await networkReport(daemon, net.name);
      return {
        subject: { kind: 'device', name },
        mode: network.mode,
        summary: `${network.summary.replace(/ on network/, ` via ${name} on network`)}`,
        evidence: [
          `device ${name} is a port of bridge ${m.master} (not a virtnet port)`,
          ...network.evidence,
        ],
        problems: network.problems,
      };
    }
    throw new VirtError(
      'NO_NETWORK',
      `device ${name} is ${m.master ? `on bridge ${m.master}, which no virtnet network uses` : 'not on any bridge'}`,
    );
  }
  throw new VirtError('NO_NETWORK', `no network, guest or device named '${name}'`);
}
