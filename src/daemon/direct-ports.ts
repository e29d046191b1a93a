// Ports of direct (macvtap) networks: which pool device a new port gets (libvirt's choice, from the connections
// the network's ports make), which device it asks for (a macvtap for a VM, a macvlan for a container), its name.

import type { PortInfo } from '../api/types.js';
import { choosePoolDevice, directMode, isDirectNetwork, macvlanMode } from '../model/direct.js';
import { VirtError } from '../model/errors.js';
import type { NetworkDef } from '../model/network-def.js';
import { type PortDef, type PortPlug, parsePortXml } from '../model/port-def.js';

const invalid = (msg: string) => new VirtError('INVALID_ARG', msg);

/** The pool device of a port, from its plug. */
export function plugDevOf(port: PortInfo): string | undefined {
  const plug = parsePortXml(port.xml).plug;
  return plug?.type === 'direct' ? plug.dev : undefined;
}

/** The plug of a new port of a direct network: the pool device libvirt would give it, in the network's mode. */
export function directPlug(live: NetworkDef, def: PortDef, ports: readonly PortInfo[]): PortPlug {
  const used = new Map<string, number>();
  for (const p of ports) {
    const dev = plugDevOf(p);
    if (dev !== undefined) used.set(dev, (used.get(dev) ?? 0) + 1);
  }
  const profile = def.virtualport?.type ?? live.virtualport?.type;
  return { type: 'direct', dev: choosePoolDevice(live, used, profile), mode: directMode(live) };
}

/** The device a port asks for: on a direct network a tap becomes a macvtap and a namespace gets a macvlan. */
export function deviceKindFor(
  live: NetworkDef,
  req: { tap?: string; netns?: string; macvtap?: boolean },
): 'tap' | 'veth' | 'macvtap' | 'macvlan' | undefined {
  const direct = isDirectNetwork(live);
  if (req.macvtap && !direct) {
    throw invalid(
      `network '${live.name}' is not a direct (macvtap) network: a macvtap port needs <forward mode='bridge|private|vepa|passthrough'> with host interfaces and no <bridge>`,
    );
  }
  if (req.netns !== undefined) {
    if (req.macvtap) throw invalid('a port has either --macvtap or --netns, not both');
    return direct ? 'macvlan' : 'veth';
  }
  if (req.tap !== undefined || req.macvtap) return direct ? 'macvtap' : 'tap';
  return undefined;
}

/** The device facts of a direct port for the store: the pool device and the kernel's mode. */
export function directDeviceFields(plug: PortPlug | undefined): { link?: string; mode?: string } {
  if (plug?.type !== 'direct') return {};
  return { link: plug.dev, mode: macvlanMode(plug.mode ?? 'vepa') };
}
