// A network stretched over hosts (VXLAN with a BGP-EVPN control plane): its element in <metadata>, under
// virtnet's own namespace so the file stays a valid libvirt network definition, and what every member derives from
// it without coordination (gateway MAC, VXLAN device name, MTU). Pure.

import { VirtError } from './errors.js';
import { type NetworkDef, networkMode, type XmlNode } from './network-def.js';

export const OVERLAY_NS = 'https://virtnet.dev/xmlns/network-overlay/1';
const PREFIX = 'virtnet';

/** VXLAN network identifiers are 24 bits; 0 is reserved. */
export const VNI_MIN = 1;
export const VNI_MAX = 16777215;

/** Outer IPv4 (20) + UDP (8) + VXLAN (8) + inner Ethernet (14) headers. */
export const VXLAN_OVERHEAD_V4 = 50;
/** The IANA port of VXLAN. */
export const VXLAN_PORT = 4789;

export interface OverlayDef {
  vni: number;
}

function isOverlayNode(n: XmlNode): boolean {
  return (
    n.attributes.some(([k, v]) => k.startsWith('xmlns') && v === OVERLAY_NS) && /(^|:)overlay$/.test(n.name)
  );
}

/** The overlay element of the definition, validated (a hand-edited file gets a clear error); undefined: none. */
export function readOverlay(def: NetworkDef): OverlayDef | undefined {
  const nodes = def.metadata?.filter(isOverlayNode) ?? [];
  if (nodes.length === 0) return undefined;
  if (nodes.length > 1)
    throw new VirtError(
      'XML_ERROR',
      `network '${def.name}' has more than one <virtnet:overlay> in <metadata>`,
    );
  const raw = (nodes[0] as XmlNode).attributes.find(([k]) => k === 'vni')?.[1];
  if (raw === undefined)
    throw new VirtError('XML_ERROR', `missing 'vni' attribute of <virtnet:overlay> in network '${def.name}'`);
  const vni = /^\d{1,8}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(vni >= VNI_MIN && vni <= VNI_MAX))
    throw new VirtError(
      'XML_ERROR',
      `invalid VNI '${raw.slice(0, 40)}' of <virtnet:overlay> in network '${def.name}': it must be a number ${VNI_MIN}-${VNI_MAX}`,
    );
  return { vni };
}

/** A copy of the definition whose metadata holds this overlay element (or none); other metadata untouched. */
export function withOverlay(def: NetworkDef, overlay: OverlayDef | undefined): NetworkDef {
  const others = (def.metadata ?? []).filter((n) => !isOverlayNode(n));
  const copy: NetworkDef = { ...def };
  if (!overlay) {
    if (others.length) copy.metadata = others;
    else delete copy.metadata;
    return copy;
  }
  const node: XmlNode = {
    name: `${PREFIX}:overlay`,
    attributes: [
      [`xmlns:${PREFIX}`, OVERLAY_NS],
      ['vni', String(overlay.vni)],
    ],
    children: [],
  };
  copy.metadata = [...others, node];
  return copy;
}

/** Define-time check: an overlay extends a bridge virtnet owns (nat, route, open, isolated), nothing else. */
export function checkOverlayMode(def: NetworkDef): void {
  if (!readOverlay(def)) return;
  const mode = networkMode(def);
  if (mode === 'nat' || mode === 'route' || mode === 'open' || mode === 'isolated') {
    if (def.bridge?.stp === true)
      throw new VirtError(
        'CONFIG_UNSUPPORTED',
        `network '${def.name}' spans hosts: its bridge cannot run STP (every member's bridge has the same MAC, so each would block the overlay on the others' BPDUs); remove stp='on'`,
      );
    return;
  }
  const why =
    mode === 'bridge'
      ? 'the bridge belongs to the host, not to virtnet'
      : 'guests attach directly to a host device (no bridge to extend)';
  throw new VirtError(
    'CONFIG_UNSUPPORTED',
    `network '${def.name}' with forward mode='${mode}' cannot carry <virtnet:overlay>: ${why}; use a nat, route, open or isolated network`,
  );
}

/** Another network (by name) that uses the same VNI, among `others`. */
export function vniOwner(def: NetworkDef, others: Iterable<NetworkDef>): string | undefined {
  const mine = readOverlay(def);
  if (!mine) return undefined;
  for (const o of others) {
    if (o.name === def.name) continue;
    if (readOverlay(o)?.vni === mine.vni) return o.name;
  }
  return undefined;
}

/**
 * The anycast gateway's MAC when the XML gives none: locally administered, unicast, the VNI in its last 24 bits
 * (02:76:6e is "\x02vn"), so every member computes the same one and no two VNIs share it.
 */
export function overlayGatewayMac(vni: number): string {
  const hex = vni.toString(16).padStart(6, '0');
  return `02:76:6e:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
}

/** The VXLAN device of a VNI on each member (unique per host, as VNIs are; at most 13 characters). */
export function vxlanDeviceName(vni: number): string {
  return `vxlan${vni}`;
}

/**
 * The MTU of an overlay network's bridge and ports on an underlay of `underlayMtu`: the XML's <mtu> when it fits
 * (else an error a person can act on), otherwise the largest that fits, capped at 1500 (what guests expect).
 */
export function overlayMtu(def: NetworkDef, underlayMtu: number): { mtu: number } | { error: string } {
  const room = underlayMtu - VXLAN_OVERHEAD_V4;
  if (def.mtu !== undefined) {
    if (def.mtu > room)
      return {
        error: `network '${def.name}' has MTU ${def.mtu}, but VXLAN needs ${VXLAN_OVERHEAD_V4} bytes more than that and the underlay's MTU is ${underlayMtu}: lower <mtu size> to ${room} or less, or raise the underlay's MTU to ${def.mtu + VXLAN_OVERHEAD_V4}`,
      };
    return { mtu: def.mtu };
  }
  if (room < 1280)
    return {
      error: `the underlay's MTU ${underlayMtu} leaves ${room} bytes for network '${def.name}' after VXLAN's ${VXLAN_OVERHEAD_V4}: at least 1330 is needed (IPv6 needs 1280)`,
    };
  return { mtu: Math.min(1500, room) };
}
