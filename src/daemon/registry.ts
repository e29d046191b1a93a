// The network registry with libvirt's semantics: persistent/transient, active, autostart, pending definitions;
// lookup by name or UUID, and the uniqueness of names, UUIDs and bridges across every network.

import { randomBytes } from 'node:crypto';
import type { NetworkInfo } from '../api/types.js';
import { hostPciProbe } from '../host/pci-probe.js';
import { formatSubnet, subnetsOverlap } from '../model/addr.js';
import { VirtError } from '../model/errors.js';
import { isRoutedL3Mode, type NetworkDef, networkMode } from '../model/network-def.js';
import { applyDefineDefaults } from '../model/network-defaults.js';
import { ipSubnet } from '../model/network-ip.js';
import { parseNetworkXml } from '../model/network-parse.js';
import { validateNetworkDef } from '../model/network-validate.js';
import { normalizeUuid } from '../model/uuid.js';
import type { RuntimeState } from './runtime.js';

export interface NetworkObj {
  /** Persistent definition, or the live one for a transient network. */
  def: NetworkDef;
  /** Definition to use at the next start, when redefined while active. */
  newDef?: NetworkDef;
  /** Definition the network runs with. */
  liveDef?: NetworkDef;
  runtime?: RuntimeState;
  persistent: boolean;
  autostart: boolean;
}

export interface ListFilter {
  active?: boolean;
  persistent?: boolean;
  autostart?: boolean;
}

export class Registry {
  readonly nets = new Map<string, NetworkObj>();

  /** Finds a network by name, or by UUID when the text is one. */
  lookup(id: string): NetworkObj {
    const byName = this.nets.get(id);
    if (byName) return byName;
    const uuid = normalizeUuid(id);
    if (uuid) {
      for (const obj of this.nets.values()) if (obj.def.uuid === uuid) return obj;
      throw new VirtError('NO_NETWORK', `no network with matching uuid '${id}'`);
    }
    throw new VirtError('NO_NETWORK', `no network with matching name '${id}'`);
  }

  active(): NetworkObj[] {
    return [...this.nets.values()].filter((o) => o.liveDef);
  }

  filtered(filter: ListFilter): NetworkObj[] {
    const out: NetworkObj[] = [];
    for (const obj of this.nets.values()) {
      if (filter.active !== undefined && filter.active !== !!obj.liveDef) continue;
      if (filter.persistent !== undefined && filter.persistent !== obj.persistent) continue;
      if (filter.autostart !== undefined && filter.autostart !== obj.autostart) continue;
      out.push(obj);
    }
    return out.sort((a, b) => (a.def.name < b.def.name ? -1 : a.def.name > b.def.name ? 1 : 0));
  }

  bridgeOwner(bridge: string, except: string): string | undefined {
    for (const [name, obj] of this.nets) {
      if (name === except) continue;
      for (const d of [obj.def, obj.newDef, obj.liveDef]) if (d?.bridge?.name === bridge) return name;
    }
    return undefined;
  }

  /** Parse, validate, check duplicates, fill in defaults — everything define and create share. */
  prepare(xml: string, hostHasDevice: (name: string) => boolean): { def: NetworkDef; existing?: NetworkObj } {
    const parsed = parseNetworkXml(xml);
    validateNetworkDef(parsed, hostPciProbe);
    // libvirt's order (virNetworkObjAssignDefLocked): the uuid is looked up first, then the name
    if (parsed.uuid) {
      for (const [name, obj] of this.nets) {
        if (name !== parsed.name && obj.def.uuid === parsed.uuid) {
          throw new VirtError(
            'NETWORK_EXIST',
            `network '${name}' is already defined with uuid ${parsed.uuid}`,
          );
        }
      }
    }
    const existing = this.nets.get(parsed.name);
    // libvirt generates a uuid for XML without one, so such a document never matches an existing network
    if (existing && existing.def.uuid !== parsed.uuid) {
      throw new VirtError(
        'NETWORK_EXIST',
        `network '${parsed.name}' already exists with uuid ${existing.def.uuid}`,
      );
    }
    if (existing && !parsed.mac && existing.def.mac && !parsed.bridge?.name) parsed.mac = existing.def.mac;
    const def = applyDefineDefaults(parsed, {
      bridgeInUse: (b) => this.bridgeOwner(b, parsed.name) !== undefined || hostHasDevice(b),
      random: (n) => randomBytes(n),
    });
    const bridge = def.bridge?.name;
    if (bridge && isRoutedL3Mode(networkMode(def)) && this.bridgeOwner(bridge, def.name) !== undefined) {
      throw new VirtError('RESOURCE_IN_USE', `bridge name '${bridge}' already in use.`);
    }
    return { def, existing };
  }

  /** Other networks (any state) whose subnets overlap this one's. */
  subnetClashes(def: NetworkDef): string[] {
    const mine = def.ips.map(ipSubnet).filter((s) => s !== undefined);
    const out: string[] = [];
    for (const [name, obj] of this.nets) {
      if (name === def.name) continue;
      for (const s of (obj.liveDef ?? obj.def).ips.map(ipSubnet)) {
        const hit = s && mine.find((m) => subnetsOverlap(m, s));
        if (hit && s)
          out.push(`subnet ${formatSubnet(hit)} overlaps ${formatSubnet(s)} of network '${name}'`);
      }
    }
    return out;
  }
}

/** The API's view of a network. */
export function toInfo(obj: NetworkObj, defaultUplink?: string, degraded?: string): NetworkInfo {
  const def = obj.liveDef ?? obj.def;
  const info: NetworkInfo = {
    name: def.name,
    uuid: def.uuid ?? '',
    active: !!obj.liveDef,
    persistent: obj.persistent,
    autostart: obj.autostart,
    mode: networkMode(def),
  };
  const bridge = def.bridge?.name;
  if (bridge) info.bridge = bridge;
  const mode = networkMode(def);
  if (obj.liveDef && isRoutedL3Mode(mode) && mode !== 'isolated') {
    const uplink = def.forward?.dev ?? def.forward?.interfaces[0]?.dev ?? defaultUplink;
    if (uplink) info.uplink = uplink;
  }
  if (obj.liveDef && degraded) info.degraded = degraded;
  return info;
}
