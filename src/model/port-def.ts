// libvirt's network port XML (<networkport>, virsh net-port-*): typed object, parse and canonical format, as
// libvirt 9.0's virNetworkPortDefParseXML / virNetworkPortDefFormatBuf do them. Pure.

import type { BandwidthDef, PciAddress, VirtualPortDef, VlanDef } from './network-def.js';
import { formatBandwidth, formatVirtualPort, formatVlan } from './network-format.js';
import { parseBandwidth, parseVirtualPort, parseVlan } from './network-parse-common.js';
import { parsePciAddress } from './network-parse-forward.js';
import { err, parseMac, propEnum, triBool } from './network-parse-util.js';
import { normalizeUuid } from './uuid.js';
import { attr, escapeXml, firstChild, parseXmlDocument, textContent, type XmlElement } from './xml-dom.js';

export type MacvtapMode = 'vepa' | 'private' | 'bridge' | 'passthrough';

export type PortPlug =
  | { type: 'network' | 'bridge'; bridge: string; macTableManager?: 'kernel' | 'libvirt' }
  | { type: 'direct'; dev: string; mode?: MacvtapMode }
  | { type: 'hostdev-pci'; managed?: boolean; driver?: 'kvm' | 'vfio'; address: PciAddress };

export interface PortDef {
  uuid?: string;
  owner: { name: string; uuid: string };
  group?: string;
  mac: string;
  bandwidth?: BandwidthDef & { classID?: number };
  vlan?: VlanDef;
  virtualport?: VirtualPortDef;
  isolated?: boolean;
  trustGuestRxFilters?: boolean;
  plug?: PortPlug;
}

const internal = (el: XmlElement, detail: string) => err(el, 'MALFORMED_VALUE', detail);

/** libvirt's XPath string(): the text of the first matching element, undefined when missing or empty. */
function text(el: XmlElement | undefined): string | undefined {
  const t = el ? textContent(el) : '';
  return t === '' ? undefined : t;
}

/**
 * Parses port XML. libvirt requires the port's <uuid>; virtnet's net-port-create lets the daemon make one
 * (`requireUuid: false`, the default), libvirt's behaviour is `requireUuid: true`.
 */
export function parsePortXml(xml: string, opts: { requireUuid?: boolean } = {}): PortDef {
  const root = parseXmlDocument(xml);
  if (root.name !== 'networkport') throw err(root, 'XML_ERROR', 'unknown root element for network port');
  const uuidText = text(firstChild(root, 'uuid'));
  if (uuidText === undefined && opts.requireUuid) throw internal(root, 'network port has no uuid');
  const uuid = uuidText === undefined ? undefined : normalizeUuid(uuidText);
  if (uuidText !== undefined && !uuid) throw internal(root, `Unable to parse UUID '${uuidText}'`);
  const ownerEl = firstChild(root, 'owner');
  const ownerName = text(ownerEl && firstChild(ownerEl, 'name'));
  if (ownerName === undefined) throw internal(root, 'network port has no owner name');
  const ownerUuidText = text(ownerEl && firstChild(ownerEl, 'uuid'));
  if (ownerUuidText === undefined) throw internal(root, 'network port has no owner UUID');
  const ownerUuid = normalizeUuid(ownerUuidText);
  if (!ownerUuid) throw internal(root, `Unable to parse UUID '${ownerUuidText}'`);
  const group = text(firstChild(root, 'group'));
  const vp = firstChild(root, 'virtualport');
  const virtualport = vp ? parseVirtualPort(vp, false) : undefined;
  const macEl = firstChild(root, 'mac');
  const mac = macEl ? attr(macEl, 'address') : undefined;
  if (!mac) throw internal(root, 'network port has no mac');
  const parsedMac = parseMac(mac);
  if (!parsedMac) throw internal(root, `Unable to parse MAC '${mac}'`);
  const port: PortDef = { owner: { name: ownerName, uuid: ownerUuid }, mac: parsedMac.mac };
  if (uuid) port.uuid = uuid;
  if (group !== undefined) port.group = group;
  if (virtualport) port.virtualport = virtualport;
  const bw = firstChild(root, 'bandwidth');
  // libvirt cannot know here whether the port's network supports 'floor', so it allows it
  const bandwidth = bw ? parseBandwidth(bw, { classID: true, floor: true }) : undefined;
  if (bandwidth) port.bandwidth = bandwidth;
  const vlan = firstChild(root, 'vlan');
  if (vlan) port.vlan = parseVlan(vlan);
  const iso = firstChild(root, 'port');
  const isolated = iso ? triBool(iso, 'isolated') : undefined;
  if (isolated !== undefined) port.isolated = isolated;
  const rx = firstChild(root, 'rxfilters');
  const trust = rx ? triBool(rx, 'trustGuest') : undefined;
  if (trust !== undefined) port.trustGuestRxFilters = trust;
  const plug = firstChild(root, 'plug');
  if (plug) {
    const p = parsePlug(plug);
    if (p) port.plug = p;
  }
  return port;
}

function parsePlug(el: XmlElement): PortPlug | undefined {
  const type = propEnum(el, 'type', ['none', 'network', 'bridge', 'direct', 'hostdev-pci'] as const);
  if (type === undefined || type === 'none') return undefined;
  if (type === 'network' || type === 'bridge') {
    const bridge = attr(el, 'bridge');
    if (bridge === undefined) throw err(el, 'XML_ERROR', 'Missing network port bridge name');
    const mtm = attr(el, 'macTableManager');
    if (mtm !== undefined && mtm !== 'kernel' && mtm !== 'libvirt')
      throw err(el, 'XML_ERROR', `Invalid macTableManager setting '${mtm}' in network port`);
    return { type, bridge, ...(mtm ? { macTableManager: mtm } : {}) };
  }
  if (type === 'direct') {
    const dev = attr(el, 'dev');
    if (dev === undefined) throw err(el, 'XML_ERROR', 'Missing network port link device name');
    const mode = attr(el, 'mode');
    if (mode !== undefined && !['vepa', 'private', 'bridge', 'passthrough'].includes(mode))
      throw err(el, 'XML_ERROR', `Invalid mode setting '${mode}' in network port`);
    return { type, dev, ...(mode ? { mode: mode as MacvtapMode } : {}) };
  }
  const managed = triBool(el, 'managed');
  const driverEl = firstChild(el, 'driver');
  const driver = driverEl ? attr(driverEl, 'name') : undefined;
  if (driver !== undefined && driver !== 'kvm' && driver !== 'vfio')
    throw err(el, 'XML_ERROR', 'Missing network port driver name');
  const a = firstChild(el, 'address');
  if (!a) throw err(el, 'XML_ERROR', 'Missing network port PCI address');
  return {
    type,
    ...(managed !== undefined ? { managed } : {}),
    ...(driver ? { driver } : {}),
    address: parsePciAddress(a),
  };
}

const esc = escapeXml;
const hex = (n: number, w: number) => `0x${n.toString(16).padStart(w, '0')}`;

/** libvirt's virNetworkPortDefFormatBuf. */
export function formatPortXml(p: PortDef): string {
  const out = ['<networkport>'];
  if (p.uuid) out.push(`  <uuid>${p.uuid}</uuid>`);
  out.push(
    '  <owner>',
    `    <name>${esc(p.owner.name)}</name>`,
    `    <uuid>${p.owner.uuid}</uuid>`,
    '  </owner>',
  );
  if (p.group !== undefined) out.push(`  <group>${esc(p.group)}</group>`);
  out.push(`  <mac address='${p.mac}'/>`);
  if (p.virtualport) formatVirtualPort(out, p.virtualport, '  ');
  if (p.bandwidth) formatBandwidth(out, p.bandwidth, '  ', p.bandwidth.classID);
  if (p.vlan) formatVlan(out, p.vlan, '  ');
  if (p.isolated !== undefined) out.push(`  <port isolated='${p.isolated ? 'yes' : 'no'}'/>`);
  if (p.trustGuestRxFilters !== undefined) {
    out.push(`  <rxfilters trustGuest='${p.trustGuestRxFilters ? 'yes' : 'no'}'/>`);
  }
  const plug = p.plug;
  if (plug?.type === 'network' || plug?.type === 'bridge') {
    const mtm = plug.macTableManager ? ` macTableManager='${plug.macTableManager}'` : '';
    out.push(`  <plug type='${plug.type}' bridge='${esc(plug.bridge)}'${mtm}/>`);
  } else if (plug?.type === 'direct') {
    // the mode is an enum whose first value (what an absent attribute leaves) is vepa
    out.push(`  <plug type='direct' dev='${esc(plug.dev)}' mode='${plug.mode ?? 'vepa'}'/>`);
  } else if (plug?.type === 'hostdev-pci') {
    const managed = plug.managed === undefined ? '' : ` managed='${plug.managed ? 'yes' : 'no'}'`;
    out.push(`  <plug type='hostdev-pci'${managed}>`);
    if (plug.driver) out.push(`    <driver name='${plug.driver}'/>`);
    const a = plug.address;
    out.push(
      `    <address domain='${hex(a.domain, 4)}' bus='${hex(a.bus, 2)}' slot='${hex(a.slot, 2)}' function='0x${a.function}'/>`,
    );
    out.push('  </plug>');
  }
  out.push('</networkport>');
  return `${out.join('\n')}\n`;
}
