// Define-time defaults (uuid, bridge name, bridge MAC) and the extra details a running network shows.

import { VirtError } from './errors.js';
import type { NetworkDef } from './network-def.js';
import { uuidFromRandom } from './uuid.js';

export interface DefineContext {
  /** True when a bridge name is used by another network or exists on the host. */
  bridgeInUse: (name: string) => boolean;
  random: (n: number) => Uint8Array;
}

/** libvirt's networkFindUnusedBridgeName gives up after virbr256. */
const MAX_BRIDGE_ID = 256;

const L3_MODES = new Set([undefined, 'nat', 'route', 'open']);

/** What `virsh net-define` fills in: uuid, lowest free virbrN (or a %d template), a 52:54:00 MAC. */
export function applyDefineDefaults(input: NetworkDef, ctx: DefineContext): NetworkDef {
  const def: NetworkDef = structuredClone(input);
  if (!def.uuid) def.uuid = uuidFromRandom(ctx.random(16));
  const l3 = L3_MODES.has(def.forward?.mode);
  if (l3) {
    const template = def.bridge?.name;
    if (template === undefined || template.includes('%d')) {
      // libvirt uses a template with exactly one '%' (a "%d"); any other falls back to virbr%d
      const usable = template !== undefined && template.indexOf('%') === template.lastIndexOf('%');
      const pattern = usable ? template : 'virbr%d';
      let found: string | undefined;
      for (let i = 0; i <= MAX_BRIDGE_ID && found === undefined; i++) {
        const candidate = pattern.replace('%d', String(i));
        if (!ctx.bridgeInUse(candidate)) found = candidate;
      }
      if (found === undefined) {
        throw new VirtError('RESOURCE_IN_USE', `Bridge generation exceeded max id ${MAX_BRIDGE_ID}`);
      }
      def.bridge = { ...(def.bridge ?? {}), name: found };
    }
    if (!def.mac) {
      const r = ctx.random(3);
      const hex = Array.from(r, (b) => b.toString(16).padStart(2, '0'));
      def.mac = `52:54:00:${hex.join(':')}`;
    }
  }
  return def;
}

/** The definition as `net-dumpxml` shows it while the network runs (libvirt fills in the NAT port range). */
export function liveNetworkDef(def: NetworkDef): NetworkDef {
  if (def.forward?.mode !== 'nat') return def;
  const live: NetworkDef = structuredClone(def);
  const fwd = live.forward;
  if (fwd) {
    fwd.nat = { ...(fwd.nat ?? {}) };
    if (fwd.nat.portStart === undefined || fwd.nat.portStart === 0) {
      fwd.nat.portStart = 1024;
      fwd.nat.portEnd = 65535;
    }
  }
  return live;
}
