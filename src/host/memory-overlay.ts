// The overlay side of the memory host (`--runtime memory`, API tests): FRR "installed", an underlay of MTU 1500,
// bindings in memory, and a state in which every peer is down (there is no FRR to ask).

import { toDisposable } from '../base/lifecycle.js';
import type { OverlayConfig } from '../model/overlay-config.js';
import type { OverlayBinding } from '../model/overlay-dhcp.js';
import type { OverlayHostSide, RemoteNeighbour } from '../plan/overlay-host.js';
import { frrLayout } from './overlay-host.js';

export interface MemoryOverlay extends OverlayHostSide {
  /** Test hook: what the bridges' neighbour tables show, by bridge. */
  neighbours: Map<string, RemoteNeighbour[]>;
  /** Test hook: the names other members would tell, by `VTEP|IP`. */
  names: Map<string, string>;
}

export function createMemoryOverlay(config: OverlayConfig, runDir: string): MemoryOverlay {
  const bindings = new Map<string, OverlayBinding[]>();
  const neighbours = new Map<string, RemoteNeighbour[]>();
  const names = new Map<string, string>();
  return {
    config,
    frr: frrLayout(runDir),
    neighbours,
    names,
    frrInstalled: () => true,
    underlay: () => ({ device: 'eth0', mtu: 1500 }),
    bindings: (network) => bindings.get(network) ?? [],
    learn: (network, seen, now) => {
      const have = bindings.get(network) ?? [];
      const fresh = seen.filter((n) => !have.some((b) => b.mac === n.mac && b.ip === n.ip));
      if (!fresh.length) return false;
      const others = have.filter((b) => !fresh.some((n) => n.mac === b.mac || n.ip === b.ip));
      bindings.set(network, [
        ...others,
        ...fresh.map((n) => ({ mac: n.mac, ip: n.ip, seen: now, ...(n.vtep ? { vtep: n.vtep } : {}) })),
      ]);
      return true;
    },
    forget: (network) => void bindings.delete(network),
    setName: (network, ip, name) => {
      const b = bindings.get(network)?.find((x) => x.ip === ip);
      if (!b || b.name === name) return false;
      if (name === undefined) delete b.name;
      else b.name = name;
      return true;
    },
    serveNames: () => toDisposable(() => undefined),
    queryName: async (vtep, ip) => names.get(`${vtep}|${ip}`),
    remoteNeighbours: async (bridge) => neighbours.get(bridge) ?? [],
    state: async (vni) => ({
      vni,
      localVtep: config.address,
      asn: config.asn,
      peers: config.peers.map((address) => ({ address, state: 'down' })),
      remoteVteps: [],
      remotes: [],
    }),
  };
}
