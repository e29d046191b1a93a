// <forward> of libvirt network XML (virNetworkForwardDefParseXML) and the parse-time rules tying other elements
// to the forward mode. Like libvirt, a pool takes <interface>s, else PCI <address>es, else one <pf>: the kinds
// not used are ignored, not checked.

import { formatIp, parseIPv4 } from './addr.js';
import type { ForwardDef, ForwardMode, NetworkDef, PciAddress } from './network-def.js';
import { FORWARD_MODES } from './network-def.js';
import { checkRange } from './network-parse-ip.js';
import { err, propUInt, triBool, xattr, xpathUInt } from './network-parse-util.js';
import { attr, childElements, type XmlElement } from './xml-dom.js';

export function parseForward(el: XmlElement, name: string): ForwardDef {
  const modeText = xattr(el, 'mode') ?? 'nat';
  if (!FORWARD_MODES.includes(modeText as ForwardMode)) {
    throw err(el, 'CONFIG_UNSUPPORTED', `unknown forwarding type '${modeText}'`);
  }
  const mode = modeText as ForwardMode;
  const fwd: ForwardDef = { mode, interfaces: [], pciAddresses: [] };
  if (xattr(el, 'managed')?.toLowerCase() === 'yes') fwd.managed = true;
  const drv = childElements(el, 'driver')[0];
  const driverName = xattr(drv, 'name');
  if (driverName !== undefined) {
    if (driverName !== 'kvm' && driverName !== 'vfio') {
      throw err(
        drv,
        'CONFIG_UNSUPPORTED',
        `Unknown forward <driver name='${driverName}'/> in network ${name}`,
      );
    }
    fwd.driver = { name: driverName };
  }
  const ifs = childElements(el, 'interface');
  const addrs = childElements(el, 'address');
  const pfs = childElements(el, 'pf');
  const nats = childElements(el, 'nat');
  if (nats.length > 1)
    throw err(nats[1], 'XML_ERROR', `Only one <nat> element is allowed in <forward> of network ${name}`);
  if (nats[0]) fwd.nat = parseNat(nats[0], mode, name);
  const dev = xattr(el, 'dev');
  if (dev !== undefined && (addrs.length > 0 || pfs.length > 0)) {
    // libvirt 9.0 prints this message with its format directive unexpanded
    throw err(
      el,
      'XML_ERROR',
      "the <forward> 'dev' attribute cannot be used when <address> or <pf> sub-elements are present in network %s",
    );
  }
  if (ifs.length > 0 || dev !== undefined) {
    if (dev !== undefined) fwd.dev = dev;
    ifs.forEach((i, n) => {
      const d = attr(i, 'dev');
      if (d === undefined) {
        throw err(
          i,
          'XML_ERROR',
          `Missing required dev attribute in <forward> <interface> element of network ${name}`,
        );
      }
      if (n === 0 && dev !== undefined) {
        if (d !== dev) {
          throw err(
            el,
            'XML_ERROR',
            `<forward dev='${dev}'> must match first <interface dev='${d}'/> in network ${name}`,
          );
        }
        return;
      }
      if (fwd.interfaces.some((x) => x.dev === d) || (dev !== undefined && d === dev)) {
        throw err(i, 'XML_ERROR', `interface '${d}' can only be listed once in network ${name}`);
      }
      fwd.interfaces.push({ dev: d });
    });
    if (dev !== undefined) fwd.interfaces.unshift({ dev });
  } else if (addrs.length > 0) {
    for (const a of addrs) {
      const type = attr(a, 'type');
      if (type === undefined) throw err(a, 'XML_ERROR', `missing address type in network ${name}`);
      if (type !== 'pci') {
        if (type !== 'none' && type !== 'netdev') {
          throw err(a, 'CONFIG_UNSUPPORTED', `unknown address type '${type}' in network ${name}`);
        }
        throw err(a, 'XML_ERROR', `unsupported address type '${type}' in network ${name}`);
      }
      const pci = parsePciAddress(a);
      if (fwd.pciAddresses.some((p) => pciLabel(p) === pciLabel(pci))) {
        throw err(a, 'XML_ERROR', `PCI device '${pciLabel(pci)}' can only be listed once in network ${name}`);
      }
      fwd.pciAddresses.push(pci);
    }
  } else if (pfs.length > 1) {
    throw err(pfs[1], 'XML_ERROR', `Only one <pf> element is allowed in <forward> of network ${name}`);
  } else if (pfs[0]) {
    const pfDev = attr(pfs[0], 'dev');
    if (pfDev === undefined)
      throw err(pfs[0], 'XML_ERROR', `Missing required dev attribute in <pf> element of network '${name}'`);
    fwd.pf = { dev: pfDev };
  }
  return fwd;
}

/** A PCI address (virPCIDeviceAddressParseXML): 0x, octal or decimal numbers; all zero means "unset". */
export function parsePciAddress(a: XmlElement): PciAddress {
  const n = (k: string) => propUInt(a, k, { base: 0 }) ?? 0;
  const pci: PciAddress = { domain: n('domain'), bus: n('bus'), slot: n('slot'), function: n('function') };
  triSwitch(a, 'multifunction');
  if (pci.domain || pci.bus || pci.slot) {
    if (pci.bus > 0xff)
      throw err(a, 'XML_ERROR', `Invalid PCI address bus='0x${pci.bus.toString(16)}', must be <= 0xFF`);
    if (pci.slot > 0x1f)
      throw err(a, 'XML_ERROR', `Invalid PCI address slot='0x${pci.slot.toString(16)}', must be <= 0x1F`);
    if (pci.function > 7)
      throw err(a, 'XML_ERROR', `Invalid PCI address function=0x${pci.function.toString(16)}, must be <= 7`);
  }
  return pci;
}

/** An on/off attribute read like virXMLPropTristateSwitch (checked, then not kept: networks have no use for it). */
function triSwitch(el: XmlElement, name: string): void {
  const v = attr(el, name);
  if (v !== undefined && v !== 'on' && v !== 'off')
    throw err(el, 'XML_ERROR', `Invalid value for attribute '${name}' in element '${el.name}': '${v}'.`);
}

function parseNat(nat: XmlElement, mode: ForwardMode, name: string): NonNullable<ForwardDef['nat']> {
  if (mode !== 'nat') {
    throw err(
      nat,
      'XML_ERROR',
      `The <nat> element can only be used when <forward> 'mode' is 'nat' in network ${name}`,
    );
  }
  const out: NonNullable<ForwardDef['nat']> = {};
  const ipv6 = triBool(nat, 'ipv6');
  if (ipv6 !== undefined) out.ipv6 = ipv6;
  const addrs = childElements(nat, 'address');
  if (addrs.length > 1) {
    throw err(
      addrs[1],
      'XML_ERROR',
      `Only one <address> element is allowed in <nat> in <forward> in network ${name}`,
    );
  }
  if (addrs[0]) {
    const a = addrs[0];
    const s = attr(a, 'start');
    if (s === undefined) {
      throw err(
        a,
        'XML_ERROR',
        `missing 'start' attribute in <address> element in <nat> in <forward> in network ${name}`,
      );
    }
    const e = attr(a, 'end');
    if (e === undefined) {
      throw err(
        a,
        'XML_ERROR',
        `missing 'end' attribute in <address> element in <nat> in <forward> in network ${name}`,
      );
    }
    const sa = parseIPv4(s);
    if (!sa)
      throw err(a, 'XML_ERROR', `Bad ipv4 start address '${s}' in <nat> in <forward> in network '${name}'`);
    const ea = parseIPv4(e);
    if (!ea)
      throw err(a, 'XML_ERROR', `Bad ipv4 end address '${e}' in <nat> in <forward> in network '${name}'`);
    checkRange(a, sa, ea);
    out.addressStart = formatIp(sa);
    out.addressEnd = formatIp(ea);
  }
  const ports = childElements(nat, 'port');
  if (ports.length > 1) {
    throw err(
      ports[1],
      'XML_ERROR',
      `Only one <port> element is allowed in <nat> in <forward> in network ${name}`,
    );
  }
  if (ports[0]) {
    const p = ports[0];
    const s = xpathUInt(p, 'start');
    const e = xpathUInt(p, 'end');
    const where = `in <port> in <nat> in <forward> in network ${name}`;
    if (s === undefined || Number.isNaN(s) || s > 65535) {
      throw err(p, 'XML_DETAIL', `Missing or invalid 'start' attribute ${where}`);
    }
    if (e === undefined || Number.isNaN(e) || e > 65535 || e < s) {
      throw err(p, 'XML_DETAIL', `Missing or invalid 'end' attribute ${where}`);
    }
    out.portStart = s;
    out.portEnd = e;
  }
  return out;
}

export function pciLabel(p: { domain: number; bus: number; slot: number; function: number }): string {
  const h = (n: number, w: number) => n.toString(16).padStart(w, '0');
  return `${h(p.domain, 4)}:${h(p.bus, 2)}:${h(p.slot, 2)}.${p.function.toString(16)}`;
}

/** Parse-time rules about which parts go with which forward mode (libvirt's virNetworkDefParseXML tail). */
export function checkForwardCombinations(
  def: NetworkDef,
  fwdEl: XmlElement | undefined,
  mtuEl?: XmlElement,
): void {
  const mode = def.forward?.mode;
  const name = def.name;
  const f = def.forward;
  // libvirt keeps <interface> and PCI <address> entries in one array (nifs)
  const nifs = f ? f.interfaces.length + f.pciAddresses.length : 0;
  const bridge = def.bridge;
  const fail = (detail: string) => err(fwdEl, 'XML_ERROR', detail);
  if (mode === 'nat' || mode === 'route' || mode === 'open') {
    if (def.ips.length === 0)
      throw fail(`${mode} forwarding requested, but no IP address provided for network '${name}'`);
    if (nifs > 1) {
      throw fail(`multiple forwarding interfaces specified for network '${name}', only one is supported`);
    }
    if (mode === 'open' && nifs > 0) {
      throw fail(`forward dev not allowed for network '${name}' with forward mode='open'`);
    }
  } else if (mode !== undefined) {
    if (mode !== 'bridge') {
      if (bridge?.name !== undefined)
        throw fail(`bridge name not allowed in ${mode} mode (network '${name}')`);
      if (bridge?.zone !== undefined)
        throw fail(`bridge zone not allowed in ${mode} mode (network '${name}')`);
      if (bridge?.macTableManager !== undefined) {
        throw fail(`bridge macTableManager setting not allowed in ${mode} mode (network '${name}')`);
      }
    }
    if (bridge && (bridge.delay || bridge.stp !== undefined || bridge.zone !== undefined)) {
      throw fail(
        `bridge delay/stp/zone options only allowed in route, nat, and isolated mode, not in ${mode} (network '${name}')`,
      );
    }
    if (bridge?.name !== undefined && (nifs > 0 || f?.pf)) {
      throw fail(
        `A network with forward mode='${mode}' can specify a bridge name or a forward dev, but not both (network '${name}')`,
      );
    }
  }
  if (def.mtu && mode !== undefined && mode !== 'nat' && mode !== 'route' && mode !== 'open') {
    throw err(
      mtuEl,
      'XML_ERROR',
      `mtu size only allowed in open, route, nat, and isolated mode, not in ${mode} (network '${name}')`,
    );
  }
}
