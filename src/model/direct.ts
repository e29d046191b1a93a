// Direct networks: libvirt's pool of host interfaces for macvtap guests (<forward mode='bridge|private|vepa|
// passthrough'> with <interface dev>s or a <pf>, and no <bridge>). Which device a new port gets, as libvirt's
// networkAllocatePort picks it, and the pool as a start resolves it. Pure.

import { VirtError } from './errors.js';
import type { NetworkDef } from './network-def.js';

export type DirectMode = 'bridge' | 'private' | 'vepa' | 'passthrough';

/** The kernel's name of each mode (`ip link add … type macvtap mode M`). */
export type MacvlanMode = 'bridge' | 'private' | 'vepa' | 'passthru';

const DIRECT_MODES: readonly string[] = ['bridge', 'private', 'vepa', 'passthrough'];

/** A network whose guests get macvtap/macvlan devices on host interfaces (no bridge, no dnsmasq, no firewall). */
export function isDirectNetwork(def: NetworkDef): boolean {
  const mode = def.forward?.mode;
  return mode !== undefined && DIRECT_MODES.includes(mode) && def.bridge?.name === undefined;
}

export function directMode(def: NetworkDef): DirectMode {
  return def.forward?.mode as DirectMode;
}

export function macvlanMode(mode: DirectMode): MacvlanMode {
  return mode === 'passthrough' ? 'passthru' : mode;
}

/** The pool's devices in order: the listed interfaces (a start puts a <pf>'s VFs there). */
export function poolDevices(def: NetworkDef): string[] {
  return def.forward?.interfaces.map((i) => i.dev) ?? [];
}

/** passthrough gives a guest a device of its own (libvirt also for private with an 802.1Qbh profile). */
export function needsExclusiveDevice(def: NetworkDef, portProfile?: string): boolean {
  const mode = directMode(def);
  return mode === 'passthrough' || (mode === 'private' && portProfile === '802.1Qbh');
}

/**
 * The pool device a new port gets, as libvirt 9.0 chooses it: with exclusive use the first device without
 * connections, otherwise the least used one (the first of equals). `used`: connections per device now.
 */
export function choosePoolDevice(
  def: NetworkDef,
  used: ReadonlyMap<string, number>,
  portProfile?: string,
): string {
  const pool = poolDevices(def);
  if (!pool.length) {
    throw new VirtError(
      'INTERNAL_ERROR',
      `network '${def.name}' uses a direct mode, but has no forward dev and no interface pool`,
    );
  }
  if (needsExclusiveDevice(def, portProfile)) {
    const free = pool.find((d) => (used.get(d) ?? 0) === 0);
    if (free === undefined) {
      throw new VirtError(
        'INTERNAL_ERROR',
        `network '${def.name}' requires exclusive access to interfaces, but none are available`,
      );
    }
    return free;
  }
  let best = pool[0] as string;
  for (const d of pool.slice(1)) if ((used.get(d) ?? 0) < (used.get(best) ?? 0)) best = d;
  return best;
}

/** The live definition of a started pool: a <pf>'s VFs become its interfaces (libvirt's interface pool). */
export function withPool(def: NetworkDef, devices: readonly string[]): NetworkDef {
  if (!def.forward || def.forward.interfaces.length || !devices.length) return def;
  return { ...def, forward: { ...def.forward, interfaces: devices.map((dev) => ({ dev })) } };
}
