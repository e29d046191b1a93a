// libvirt's network port XML (<networkport>, virsh net-port-*): typed object, parse, canonical format. Pure.

import { VirtError } from './errors.js';
import type { BandwidthDef, VirtualPortDef, VlanDef } from './network-def.js';
import { formatBandwidth, formatVirtualPort, formatVlan } from './network-format.js';
import { parseBandwidth, parseVirtualPort, parseVlan } from './network-parse.js';
import { err } from './network-parse-util.js';
import { normalizeUuid } from './uuid.js';
import { attr, escapeXml, firstChild, parseXmlDocument, textContent } from './xml-dom.js';

export type PortPlug =
  | { type: 'network' | 'bridge'; bridge: string; macTableManager?: string }
  | { type: 'direct'; dev: string; mode?: string }
  | {
      type: 'hostdev-pci';
      managed?: boolean;
      driver?: string;
      address: { domain: string; bus: string; slot: string; function: string };
    };

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

const MAC_RE = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

export function parsePortXml(xml: string): PortDef {
  const root = parseXmlDocument(xml);
  if (root.name !== 'networkport') {
    throw new VirtError('XML_ERROR', `unexpected root element <${root.name}>, expecting <networkport>`);
  }
  const uuidText = firstChild(root, 'uuid');
  let uuid: string | undefined;
  if (uuidText) {
    uuid = normalizeUuid(textContent(uuidText).trim());
    if (!uuid) throw err(uuidText, 'MALFORMED_VALUE', 'Unable to parse port uuid');
  }
  const ownerEl = firstChild(root, 'owner');
  if (!ownerEl) throw err(root, 'XML_ERROR', 'Missing network port owner');
  const ownerName = firstChild(ownerEl, 'name');
  if (!ownerName) throw err(ownerEl, 'XML_ERROR', 'Missing network port owner name');
  const ownerUuidEl = firstChild(ownerEl, 'uuid');
  if (!ownerUuidEl) throw err(ownerEl, 'XML_ERROR', 'Missing network port owner UUID');
  const ownerUuid = normalizeUuid(textContent(ownerUuidEl).trim());
  if (!ownerUuid) throw err(ownerUuidEl, 'MALFORMED_VALUE', 'Unable to parse UUID');
  const macEl = firstChild(root, 'mac');
  const mac = macEl ? attr(macEl, 'address') : undefined;
  if (!macEl || mac === undefined) throw err(root, 'XML_ERROR', 'Missing network port mac');
  if (!MAC_RE.test(mac)) throw err(macEl, 'MALFORMED_VALUE', `Unable to parse mac '${mac}'`);
  const port: PortDef = { owner: { name: textContent(ownerName), uuid: ownerUuid }, mac: mac.toLowerCase() };
  if (uuid) port.uuid = uuid;
  const group = firstChild(root, 'group');
  if (group) port.group = textContent(group);
  const bw = firstChild(root, 'bandwidth');
  if (bw) {
    const b: PortDef['bandwidth'] = parseBandwidth(bw);
    const cls = attr(bw, 'classID');
    if (cls !== undefined) b.classID = Number(cls);
    port.bandwidth = b;
  }
  const vlan = firstChild(root, 'vlan');
  if (vlan) port.vlan = parseVlan(vlan);
  const vp = firstChild(root, 'virtualport');
  if (vp) port.virtualport = parseVirtualPort(vp, false);
  const iso = firstChild(root, 'port');
  if (iso && attr(iso, 'isolated') !== undefined) port.isolated = attr(iso, 'isolated') === 'yes';
  const rx = firstChild(root, 'rxfilters');
  if (rx && attr(rx, 'trustGuest') !== undefined) port.trustGuestRxFilters = attr(rx, 'trustGuest') === 'yes';
  const plug = firstChild(root, 'plug');
  if (plug) port.plug = parsePlug(plug);
  return port;
}

function parsePlug(el: ReturnType<typeof parseXmlDocument>): PortPlug {
  const type = attr(el, 'type');
  if (type === 'network' || type === 'bridge') {
    const bridge = attr(el, 'bridge');
    if (!bridge) throw err(el, 'XML_ERROR', 'Missing network port bridge name');
    const mtm = attr(el, 'macTableManager');
    return { type, bridge, ...(mtm ? { macTableManager: mtm } : {}) };
  }
  if (type === 'direct') {
    const dev = attr(el, 'dev');
    if (!dev) throw err(el, 'XML_ERROR', 'Missing network port link device name');
    const mode = attr(el, 'mode');
    return { type, dev, ...(mode ? { mode } : {}) };
  }
  if (type === 'hostdev-pci') {
    const a = firstChild(el, 'address');
    if (!a) throw err(el, 'XML_ERROR', 'Missing network port PCI address');
    const managed = attr(el, 'managed');
    const driver = firstChild(el, 'driver');
    return {
      type,
      ...(managed !== undefined ? { managed: managed === 'yes' } : {}),
      ...(driver && attr(driver, 'name') ? { driver: attr(driver, 'name') } : {}),
      address: {
        domain: attr(a, 'domain') ?? '0x0000',
        bus: attr(a, 'bus') ?? '0x00',
        slot: attr(a, 'slot') ?? '0x00',
        function: attr(a, 'function') ?? '0x0',
      },
    };
  }
  throw err(el, 'MALFORMED_VALUE', `Unknown network port type '${type ?? ''}'`);
}

const esc = escapeXml;

/** libvirt's virNetworkPortDefFormat. */
export function formatPortXml(p: PortDef): string {
  const out = ['<networkport>'];
  if (p.uuid) out.push(`  <uuid>${p.uuid}</uuid>`);
  out.push(
    '  <owner>',
    `    <name>${esc(p.owner.name)}</name>`,
    `    <uuid>${p.owner.uuid}</uuid>`,
    '  </owner>',
  );
  if (p.group) out.push(`  <group>${esc(p.group)}</group>`);
  out.push(`  <mac address='${p.mac}'/>`);
  if (p.virtualport) formatVirtualPort(out, p.virtualport, '  ');
  if (p.bandwidth) {
    const lines: string[] = [];
    formatBandwidth(lines, p.bandwidth, '  ');
    if (lines.length && p.bandwidth.classID !== undefined) {
      lines[0] = `  <bandwidth classID='${p.bandwidth.classID}'>`;
    }
    out.push(...lines);
  }
  if (p.vlan) formatVlan(out, p.vlan, '  ');
  if (p.isolated !== undefined) out.push(`  <port isolated='${p.isolated ? 'yes' : 'no'}'/>`);
  if (p.trustGuestRxFilters !== undefined) {
    out.push(`  <rxfilters trustGuest='${p.trustGuestRxFilters ? 'yes' : 'no'}'/>`);
  }
  const plug = p.plug;
  if (plug?.type === 'network' || plug?.type === 'bridge') {
    const mtm = plug.macTableManager ? ` macTableManager='${esc(plug.macTableManager)}'` : '';
    out.push(`  <plug type='${plug.type}' bridge='${esc(plug.bridge)}'${mtm}/>`);
  } else if (plug?.type === 'direct') {
    out.push(`  <plug type='direct' dev='${esc(plug.dev)}'${plug.mode ? ` mode='${esc(plug.mode)}'` : ''}/>`);
  } else if (plug?.type === 'hostdev-pci') {
    const managed = plug.managed === undefined ? '' : ` managed='${plug.managed ? 'yes' : 'no'}'`;
    out.push(`  <plug type='hostdev-pci'${managed}>`);
    if (plug.driver) out.push(`    <driver name='${esc(plug.driver)}'/>`);
    const a = plug.address;
    out.push(`    <address domain='${a.domain}' bus='${a.bus}' slot='${a.slot}' function='${a.function}'/>`);
    out.push('  </plug>');
  }
  out.push('</networkport>');
  return `${out.join('\n')}\n`;
}
