// The guests of a network a form can pick (forwards, DNS): its ports by owner, DHCP reservations and leases, with
// the IPv4 address each has. Also the name to show next to an address.
import type { Lease, PortInfo } from '../../src/api/types';
import type { NetworkDef } from '../../src/model/network-def';
import { parseNetworkXml } from '../../src/model/network-parse';
import { api } from './api';

export interface GuestChoice {
  /** What the guest is called: the port's owner, the reservation's or the lease's host name, else its MAC. */
  name: string;
  ip: string;
  mac?: string;
  source: 'port' | 'reservation' | 'lease';
}

export interface GuestData {
  def?: NetworkDef;
  ports: PortInfo[];
  leases: Lease[];
}

const isIpv4 = (ip: string | undefined): ip is string => !!ip && /^\d+\.\d+\.\d+\.\d+$/.test(ip);
const sameMac = (a: string | undefined, b: string | undefined) =>
  !!a && !!b && a.toLowerCase() === b.toLowerCase();

/**
 * The network's definition (the model's parser), its ports and leases; a part that fails (an inactive network has
 * no ports) is left empty.
 */
export async function loadGuestData(name: string): Promise<GuestData> {
  const [xml, ports, leases] = await Promise.all([
    api.xml(name).catch(() => undefined),
    api.ports(name).catch((): PortInfo[] => []),
    api.leases(name).catch((): Lease[] => []),
  ]);
  let def: NetworkDef | undefined;
  try {
    def = xml ? parseNetworkXml(xml) : undefined;
  } catch {
    def = undefined;
  }
  return def ? { def, ports, leases } : { ports, leases };
}

/** Every DHCP reservation of the definition, with the <ip> it belongs to. */
export function reservationsOf(def: NetworkDef | undefined) {
  return (def?.ips ?? []).flatMap((ip) => ip.dhcp?.hosts ?? []);
}

/** One choice per IPv4 address: ports first (named by their owner), then reservations, then other leases. */
export function guestChoices({ def, ports, leases }: GuestData): GuestChoice[] {
  const out: GuestChoice[] = [];
  const seen = new Set<string>();
  const push = (c: GuestChoice) => {
    if (seen.has(c.ip)) return;
    seen.add(c.ip);
    out.push(c);
  };
  const hosts = reservationsOf(def);
  for (const p of ports) {
    const ip = [
      p.ip,
      leases.find((l) => l.protocol === 'ipv4' && sameMac(l.mac, p.mac))?.ipaddr,
      hosts.find((h) => sameMac(h.mac, p.mac))?.ip,
    ].find(isIpv4);
    if (ip) push({ name: p.owner.name, ip, mac: p.mac, source: 'port' });
  }
  for (const h of hosts) {
    if (isIpv4(h.ip))
      push({
        name: h.name ?? h.mac ?? h.ip,
        ip: h.ip,
        ...(h.mac ? { mac: h.mac } : {}),
        source: 'reservation',
      });
  }
  for (const l of leases) {
    if (l.protocol === 'ipv4' && isIpv4(l.ipaddr))
      push({ name: l.hostname ?? l.mac, ip: l.ipaddr, mac: l.mac, source: 'lease' });
  }
  return out;
}

/** The guest's name for an address (or a DHCP host name a forward was given), if one is known. */
export function guestNameOf(choices: GuestChoice[], address: string): string | undefined {
  return choices.find((c) => c.ip === address)?.name;
}

export const choiceLabel = (c: GuestChoice) =>
  `${c.name} — ${c.ip}${c.source === 'reservation' ? ' (reserved)' : c.source === 'lease' ? ' (lease)' : ''}`;
