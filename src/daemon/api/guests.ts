// Guests are not stored: they are the ports grouped by owner (libvirt's domains, as far as networking goes).

import type { GuestDetail, GuestInfo, PortInfo } from '../../api/types.js';
import { VirtError } from '../../model/errors.js';
import type { Daemon } from '../daemon.js';

export function guestList(ports: PortInfo[]): GuestInfo[] {
  const byUuid = new Map<string, GuestInfo>();
  for (const p of ports) {
    const g = byUuid.get(p.owner.uuid) ?? { name: p.owner.name, uuid: p.owner.uuid, ports: [] };
    g.ports.push(p);
    byUuid.set(p.owner.uuid, g);
  }
  return [...byUuid.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export async function guestDetail(daemon: Daemon, name: string): Promise<GuestDetail> {
  const ports = daemon.ports.ofOwner(name);
  if (ports.length === 0) throw new VirtError('NO_NETWORK_PORT', `no guest with matching name '${name}'`);
  const g = guestList(ports)[0] as GuestInfo;
  const interfaces: GuestDetail['interfaces'] = [];
  for (const port of ports) {
    const leases = (await daemon.leases(port.network)).filter((l) => l.mac.toLowerCase() === port.mac);
    const bridge = daemon.info(port.network).bridge;
    interfaces.push({ port, leases, ...(bridge ? { bridge } : {}) });
  }
  return { ...g, interfaces };
}
