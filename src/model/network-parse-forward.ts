// <forward> of libvirt network XML and the parse-time rules tying other elements to the forward mode.

import { formatIp, parseIp } from './addr.js';
import type { ForwardDef, ForwardMode, NetworkDef } from './network-def.js';
import { FORWARD_MODES } from './network-def.js';
import { err, triBool, xpathUInt } from './network-parse-util.js';
import { attr, childElements, firstChild, type XmlElement } from './xml-dom.js';

export function parseForward(el: XmlElement, name: string): ForwardDef {
  const modeText = attr(el, 'mode') ?? 'nat';
  if (!FORWARD_MODES.includes(modeText as ForwardMode)) {
    throw err(el, 'CONFIG_UNSUPPORTED', `unknown forwarding type '${modeText}'`);
  }
  const mode = modeText as ForwardMode;
  const fwd: ForwardDef = { mode, interfaces: [], pciAddresses: [] };
  const managed = attr(el, 'managed');
  if (managed !== undefined) fwd.managed = managed.toLowerCase() === 'yes';
  const drv = firstChild(el, 'driver');
  if (drv) {
    const dn = attr(drv, 'name');
    const model = attr(drv, 'model');
    if (dn !== undefined && dn !== 'kvm' && dn !== 'vfio') {
      throw err(drv, 'CONFIG_UNSUPPORTED', `Unknown forward <driver name='${dn}'/> in network ${name}`);
    }
    if (dn !== undefined || model !== undefined) {
      fwd.driver = {};
      if (dn !== undefined) fwd.driver.name = dn;
      if (model !== undefined) fwd.driver.model = model;
    }
  }
  const pfs = childElements(el, 'pf');
  if (pfs.length > 1)
    throw err(pfs[1], 'XML_ERROR', `Only one <pf> element is allowed in <forward> of network ${name}`);
  if (pfs[0]) {
    const dev = attr(pfs[0], 'dev');
    if (dev === undefined)
      throw err(pfs[0], 'XML_ERROR', `Missing required dev attribute in <pf> element of network '${name}'`);
    fwd.pf = { dev };
  }
  for (const i of childElements(el, 'interface')) {
    const dev = attr(i, 'dev');
    if (dev === undefined) {
      throw err(
        i,
        'XML_ERROR',
        `Missing required dev attribute in <forward> <interface> element of network ${name}`,
      );
    }
    if (fwd.interfaces.some((x) => x.dev === dev)) {
      throw err(i, 'XML_ERROR', `interface '${dev}' can only be listed once in network ${name}`);
    }
    const c = attr(i, 'connections');
    fwd.interfaces.push(c !== undefined && /^\d+$/.test(c) ? { dev, connections: Number(c) } : { dev });
  }
  for (const a of childElements(el, 'address')) {
    const type = attr(a, 'type');
    if (type === undefined) throw err(a, 'XML_ERROR', `missing address type in network ${name}`);
    if (type !== 'pci') {
      if (type !== 'none' && type !== 'netdev') {
        throw err(a, 'CONFIG_UNSUPPORTED', `unknown address type '${type}' in network ${name}`);
      }
      throw err(a, 'XML_ERROR', `unsupported address type '${type}' in network ${name}`);
    }
    const num = (k: string, max: number) => {
      const v = attr(a, k) ?? '0';
      const n = /^0x[0-9a-fA-F]+$/.test(v)
        ? Number.parseInt(v, 16)
        : /^\d+$/.test(v)
          ? Number(v)
          : Number.NaN;
      if (!(n >= 0 && n <= max))
        throw err(a, 'XML_ERROR', `Invalid PCI address ${k} '${v}' in network ${name}`);
      return n;
    };
    const pci = {
      domain: num('domain', 0xffff),
      bus: num('bus', 0xff),
      slot: num('slot', 0x1f),
      function: num('function', 7),
    };
    const label = pciLabel(pci);
    if (fwd.pciAddresses.some((p) => pciLabel(p) === label)) {
      throw err(a, 'XML_ERROR', `PCI device '${label}' can only be listed once in network ${name}`);
    }
    fwd.pciAddresses.push(pci);
  }
  const dev = attr(el, 'dev');
  if (dev !== undefined) {
    if (fwd.pciAddresses.length > 0 || fwd.pf) {
      // libvirt 9.0 prints this message with its format directive unexpanded
      throw err(
        el,
        'XML_ERROR',
        "the <forward> 'dev' attribute cannot be used when <address> or <pf> sub-elements are present in network %s",
      );
    }
    const first = fwd.interfaces[0];
    if (first && first.dev !== dev) {
      throw err(
        el,
        'XML_ERROR',
        `<forward dev='${dev}'> must match first <interface dev='${first.dev}'/> in network ${name}`,
      );
    }
    if (!first) fwd.interfaces.push({ dev });
    fwd.dev = dev;
  }
  const nats = childElements(el, 'nat');
  if (nats.length > 1) {
    throw err(nats[1], 'XML_ERROR', `Only one <nat> element is allowed in <forward> of network ${name}`);
  }
  const nat = nats[0];
  if (nat) {
    if (mode !== 'nat') {
      throw err(
        nat,
        'XML_ERROR',
        `The <nat> element can only be used when <forward> 'mode' is 'nat' in network ${name}`,
      );
    }
    fwd.nat = {};
    const ipv6 = triBool(nat, 'ipv6');
    if (ipv6 !== undefined) fwd.nat.ipv6 = ipv6;
    const addrs = childElements(nat, 'address');
    if (addrs.length > 1)
      throw err(
        addrs[1],
        'XML_ERROR',
        `Only one <address> element is allowed in <nat> in <forward> in network ${name}`,
      );
    if (addrs[0]) {
      const s = attr(addrs[0], 'start');
      const e = attr(addrs[0], 'end');
      const missing = s === undefined ? 'start' : e === undefined ? 'end' : undefined;
      if (missing !== undefined || s === undefined) {
        throw err(
          addrs[0],
          'XML_ERROR',
          `missing '${missing}' attribute in <address> element in <nat> in <forward> in network ${name}`,
        );
      }
      const sa = parseIp(s);
      if (sa?.family !== 4)
        throw err(
          addrs[0],
          'XML_ERROR',
          `Bad ipv4 start address '${s}' in <nat> in <forward> in network '${name}'`,
        );
      const ea = e === undefined ? sa : parseIp(e);
      if (ea?.family !== 4)
        throw err(
          addrs[0],
          'XML_ERROR',
          `Bad ipv4 end address '${e}' in <nat> in <forward> in network '${name}'`,
        );
      if (sa.value > ea.value) {
        throw err(addrs[0], 'XML_ERROR', `Invalid NAT address range '${s}' to '${e}' in network '${name}'`);
      }
      fwd.nat.addressStart = formatIp(sa);
      fwd.nat.addressEnd = formatIp(ea);
    }
    const ports = childElements(nat, 'port');
    if (ports.length > 1)
      throw err(
        ports[1],
        'XML_ERROR',
        `Only one <port> element is allowed in <nat> in <forward> in network ${name}`,
      );
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
      fwd.nat.portStart = s;
      fwd.nat.portEnd = e;
    }
  }
  return fwd;
}

export function pciLabel(p: { domain: number; bus: number; slot: number; function: number }): string {
  const h = (n: number, w: number) => n.toString(16).padStart(w, '0');
  return `${h(p.domain, 4)}:${h(p.bus, 2)}:${h(p.slot, 2)}.${p.function}`;
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
  if (mode === 'nat' || mode === 'route' || mode === 'open') {
    if (def.ips.length === 0) {
      throw err(
        fwdEl,
        'XML_ERROR',
        `${mode} forwarding requested, but no IP address provided for network '${name}'`,
      );
    }
    if (nifs > 1) {
      throw err(
        fwdEl,
        'XML_ERROR',
        `multiple forwarding interfaces specified for network '${name}', only one is supported`,
      );
    }
    if (mode === 'open' && (nifs > 0 || f?.pf)) {
      throw err(fwdEl, 'XML_ERROR', `forward dev not allowed for network '${name}' with forward mode='open'`);
    }
    if (f?.pf) {
      throw err(
        fwdEl,
        'CONFIG_UNSUPPORTED',
        `Unsupported <pf> element in network ${name} with forward mode='${mode}'`,
      );
    }
  } else if (mode !== undefined) {
    if (mode !== 'bridge') {
      if (bridge?.name !== undefined) {
        throw err(fwdEl, 'XML_ERROR', `bridge name not allowed in ${mode} mode (network '${name}')`);
      }
      if (bridge?.zone !== undefined) {
        throw err(fwdEl, 'XML_ERROR', `bridge zone not allowed in ${mode} mode (network '${name}')`);
      }
      if (bridge?.macTableManager !== undefined) {
        throw err(
          fwdEl,
          'XML_ERROR',
          `bridge macTableManager setting not allowed in ${mode} mode (network '${name}')`,
        );
      }
    }
    if (bridge && (bridge.delay || bridge.stp !== undefined || bridge.zone !== undefined)) {
      throw err(
        fwdEl,
        'XML_ERROR',
        `bridge delay/stp/zone options only allowed in route, nat, and isolated mode, not in ${mode} (network '${name}')`,
      );
    }
    if (bridge?.name !== undefined && (nifs > 0 || f?.pf)) {
      throw err(
        fwdEl,
        'XML_ERROR',
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
