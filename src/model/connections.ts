// libvirt's connection counts in the live XML: `<network connections='N'>` (every port of the network) and, for
// a pool of host interfaces, `<interface dev='…' connections='M'/>` (the ports using each device). Pure.

import type { NetworkDef } from './network-def.js';

/** What counts as one connection: a port, and the pool device it uses (direct networks). */
export interface PortPlugRef {
  dev?: string;
}

/** The live definition with the counts libvirt prints for these ports (absent when zero, as libvirt omits them). */
export function withConnections(def: NetworkDef, ports: readonly PortPlugRef[]): NetworkDef {
  const out: NetworkDef = { ...def };
  if (ports.length) out.connections = ports.length;
  else delete out.connections;
  if (def.forward?.interfaces.length) {
    const used = new Map<string, number>();
    for (const p of ports) if (p.dev !== undefined) used.set(p.dev, (used.get(p.dev) ?? 0) + 1);
    out.forward = {
      ...def.forward,
      interfaces: def.forward.interfaces.map((i) => {
        const { connections: _old, ...rest } = i;
        const n = used.get(i.dev) ?? 0;
        return n ? { ...rest, connections: n } : rest;
      }),
    };
  }
  return out;
}
