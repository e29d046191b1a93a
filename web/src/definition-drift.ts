// How the running definition of a network differs from its saved one, in the terms a person acts on: what libvirt
// adds to live XML (the NAT port range) is no difference; DHCP reservations that belong to ports come back with
// their port at every start; other reservations only in the running network are lost at restart (saveable in one
// click); anything else waits in the saved definition for the next start. Pure.
import type { PortInfo } from '../../src/api/types';
import type { DhcpHost, NetworkDef } from '../../src/model/network-def';
import { liveNetworkDef } from '../../src/model/network-defaults';
import { formatNetworkXml } from '../../src/model/network-format';
import { parseNetworkXml } from '../../src/model/network-parse';

export interface LiveOnlyHost {
  /** Index of the <ip> element it sits in (net-update's parentIndex). */
  ipIndex: number;
  host: DhcpHost;
  /** The <host/> element, for net-update. */
  xml: string;
}

export interface DefinitionDrift {
  /** Reservations of ports (port-add --ip): in the running network only, made again with their port. */
  portHosts: Array<{ host: DhcpHost; owner: string }>;
  /** Reservations only in the running network that no port brings back: lost at the next restart. */
  liveOnly: LiveOnlyHost[];
  /** The saved definition has other changes, applied at the next start (Restart to apply). */
  savedDiffers: boolean;
  /** Both definitions as libvirt formats them, the running one without the reservations above: for a diff. */
  liveText: string;
  savedText: string;
}

const hostKey = (h: DhcpHost) => `${(h.mac ?? '').toLowerCase()}|${h.id ?? ''}|${h.ip ?? ''}|${h.name ?? ''}`;
const q = (s: string) => s.replace(/&/g, '&amp;').replace(/'/g, '&apos;').replace(/</g, '&lt;');

function hostXml(h: DhcpHost): string {
  const attrs = [
    h.mac ? ` mac='${q(h.mac)}'` : '',
    h.id ? ` id='${q(h.id)}'` : '',
    h.name ? ` name='${q(h.name)}'` : '',
    h.ip ? ` ip='${q(h.ip)}'` : '',
  ];
  return `<host${attrs.join('')}/>`;
}

/** Compares the running and saved XML (undefined when either cannot be parsed: the caller shows text only). */
export function definitionDrift(
  liveXml: string,
  savedXml: string,
  ports: PortInfo[],
): DefinitionDrift | undefined {
  let live: NetworkDef;
  let saved: NetworkDef;
  try {
    live = parseNetworkXml(liveXml);
    saved = liveNetworkDef(parseNetworkXml(savedXml));
  } catch {
    return undefined;
  }
  const portOwner = new Map(
    ports.filter((p) => p.ip).map((p) => [`${p.mac.toLowerCase()}|${p.ip}`, p.owner.name]),
  );
  const out: DefinitionDrift = {
    portHosts: [],
    liveOnly: [],
    savedDiffers: false,
    liveText: '',
    savedText: '',
  };
  // the running definition without its extra reservations: what remains must equal the saved one
  const trimmed: NetworkDef = structuredClone(live);
  trimmed.ips.forEach((ip, i) => {
    const dhcp = ip.dhcp;
    if (!dhcp) return;
    const savedKeys = new Set((saved.ips[i]?.dhcp?.hosts ?? []).map(hostKey));
    dhcp.hosts = dhcp.hosts.filter((h) => {
      if (savedKeys.has(hostKey(h))) return true;
      const owner = portOwner.get(`${(h.mac ?? '').toLowerCase()}|${h.ip ?? ''}`);
      if (owner !== undefined) out.portHosts.push({ host: h, owner });
      else out.liveOnly.push({ ipIndex: i, host: h, xml: hostXml(h) });
      return false;
    });
  });
  out.liveText = formatNetworkXml(trimmed);
  out.savedText = formatNetworkXml(saved);
  out.savedDiffers = out.liveText !== out.savedText;
  return out;
}
