// Define-time checks that libvirt's network driver makes after parsing (networkValidate and friends).

import { parseIp, subnetContains } from './addr.js';
import { VirtError } from './errors.js';
import { isRoutedL3Mode, type NetworkDef, networkMode, type XmlNode } from './network-def.js';
import { formatNetworkXml } from './network-format.js';
import { checkHostdevPool, type PciProbe } from './network-hostdev.js';
import { ipSubnet } from './network-ip.js';
import { checkForward, readForwards } from './port-forward.js';
import { assertDeviceNames, assertNetworkNameFits, assertSafeForDnsmasq } from './safe-strings.js';

function unsupported(detail: string): VirtError {
  return new VirtError('CONFIG_UNSUPPORTED', detail);
}

/**
 * Throws the first problem libvirt 9.0 would report when defining this network (networkValidate order). With a
 * `pci` probe (the daemon passes the host's), a hostdev pool must consist of SR-IOV virtual functions.
 */
export function validateNetworkDef(def: NetworkDef, pci?: PciProbe): void {
  const mode = networkMode(def);
  const name = def.name;
  if (def.name.includes('\n')) throw new VirtError('XML_DETAIL', 'invalid char in name: \n');
  checkNoControlChars(def);
  checkForwards(def);
  let bandwidthAllowed = isRoutedL3Mode(mode);
  if (!bandwidthAllowed) {
    if (mode === 'bridge' && def.bridge?.name !== undefined) bandwidthAllowed = true;
    const parts: Array<[boolean, string]> = [
      [def.mac !== undefined, '<mac>'],
      [def.ips.length > 0, '<ip>'],
      [!!def.dns && def.dns.txts.length + def.dns.hosts.length + def.dns.srvs.length > 0, '<dns>'],
      [def.domain !== undefined, '<domain>'],
    ];
    for (const [present, what] of parts) {
      if (present)
        throw unsupported(`Unsupported ${what} element in network ${name} with forward mode='${mode}'`);
    }
  }
  if (def.bandwidth && !bandwidthAllowed) {
    throw unsupported(
      `Unsupported network-wide <bandwidth> element in network ${name} with forward mode='${mode}'`,
    );
  }
  const f = def.forward;
  if (f) {
    if (mode === 'hostdev' && f.interfaces.length > 0) {
      throw unsupported(
        `hostdev network '${name}' lists '${f.interfaces[0]?.dev}' in the device pool, but hostdev networks require all devices to be listed by PCI address, not network device name`,
      );
    }
    if (mode !== 'hostdev' && f.pciAddresses.length > 0) {
      throw unsupported(
        `network '${name}' has forward mode '${mode}'  but lists a device by PCI address in the device pool. This is only supported for networks with forward mode 'hostdev'`,
      );
    }
    if (pci) checkHostdevPool(def, pci);
    const kinds = Number(!!f.pf) + Number(f.interfaces.length > 0) + Number(f.pciAddresses.length > 0);
    if (kinds > 1) {
      throw unsupported(
        `<address>, <interface>, and <pf> elements of <forward> in network ${name} are mutually exclusive`,
      );
    }
  }
  let v4dhcp = 0;
  let v6dhcp = 0;
  for (const ip of def.ips) {
    const net = ipSubnet(ip);
    const v6 = net?.family === 6;
    const d = ip.dhcp;
    if (d && (d.ranges.length || d.hosts.length)) {
      if (v6) v6dhcp++;
      else v4dhcp++;
    }
    if (!net || !d) continue;
    for (const r of d.ranges) {
      const s = parseIp(r.start);
      const e = parseIp(r.end);
      if (!s || !e || !subnetContains(net, s) || !subnetContains(net, e)) {
        throw new VirtError(
          'XML_ERROR',
          `range ${r.start} - ${r.end} is not entirely within network ${ip.address}/${net.prefix}`,
        );
      }
    }
  }
  if (v4dhcp > 1) {
    throw unsupported(
      'Multiple IPv4 dhcp sections found -- dhcp is supported only for a single IPv4 address on each network',
    );
  }
  if (v6dhcp > 1) {
    throw unsupported(
      'Multiple IPv6 dhcp sections found -- dhcp is supported only for a single IPv6 address on each network',
    );
  }

  const vpType = def.virtualport?.type;
  const vlanAllowed =
    mode === 'hostdev' || mode === 'passthrough' || (mode === 'bridge' && vpType === 'openvswitch');
  const vlanUsed = (def.vlan?.tags.length ?? 0) > 0;
  let badVlanUse = false;
  let defaultGroup: string | undefined;
  def.portgroups.forEach((pg, i) => {
    if (vlanUsed || (pg.vlan?.tags.length ?? 0) > 0) {
      if (pg.virtualport) {
        if (mode !== 'bridge' || pg.virtualport.type !== 'openvswitch') badVlanUse = true;
      } else if (!vlanAllowed) badVlanUse = true;
    }
    if (pg.default) {
      if (defaultGroup !== undefined) {
        throw unsupported(
          `network '${name}' has multiple default <portgroup> elements (${defaultGroup} and ${pg.name}), but only one default is allowed`,
        );
      }
      defaultGroup = pg.name;
    }
    if (def.portgroups.slice(i + 1).some((o) => o.name === pg.name)) {
      throw unsupported(`multiple <portgroup> elements with the same name (${pg.name}) in network '${name}'`);
    }
    if (pg.bandwidth && !bandwidthAllowed) {
      throw unsupported(
        `Unsupported <bandwidth> element in network '${name}' in portgroup '${pg.name}' with forward mode='${mode}'`,
      );
    }
  });
  if (badVlanUse || (vlanUsed && !vlanAllowed && defaultGroup === undefined)) {
    throw unsupported(
      `<vlan> element specified for network ${name}, whose type doesn't support vlan configuration`,
    );
  }
  if (mode === 'hostdev') {
    for (const pg of def.portgroups) {
      if (pg.bandwidth) {
        throw unsupported(
          `unsupported <bandwidth> element in <portgroup name='${pg.name}'> of network '${name}' with forward mode='${mode}'`,
        );
      }
    }
  }
  checkHostSafety(def);
}

/**
 * virtnet's rules beyond libvirt's, checked after them so libvirt's refusals keep their words: the name fits the
 * files made from it and the stored document is bounded. A definition that passes can be stored and loaded again
 * after a restart. What libvirt accepts at define but no host program could take (see checkStartable) is refused
 * when the network starts, so define stays libvirt's.
 */
export function checkHostSafety(def: NetworkDef): void {
  assertNetworkNameFits(def.name);
  checkStoredSize(def);
}

/**
 * Checks made before a network starts (and in its dry run): devices are interface names, and nothing can break out
 * of its dnsmasq config line. libvirt 9.0 defines such networks and fails later; virtnet refuses them up front.
 */
export function checkStartable(def: NetworkDef): void {
  assertDeviceNames(def);
  assertSafeForDnsmasq(def);
}

/**
 * Largest definition as stored (formatted XML). Formatting indents nested <metadata>, so a small document can
 * grow many times over; this keeps what is stored, served by dumpxml and read back at start-up bounded, and
 * below the API's default body limit so any dumpxml can be defined again.
 */
export const MAX_DEFINITION_BYTES = 1024 * 1024;

function checkStoredSize(def: NetworkDef): void {
  // estimated first, stopping at the limit: formatting tens of MB of indentation would itself take seconds
  const metadata = metadataSize(def.metadata ?? [], 2, MAX_DEFINITION_BYTES + 1);
  const size = metadata > MAX_DEFINITION_BYTES ? metadata : formatNetworkXml(def, { inactive: true }).length;
  if (size > MAX_DEFINITION_BYTES) {
    throw unsupported(
      `network '${def.name}' would be stored as more than ${MAX_DEFINITION_BYTES} bytes of XML (its <metadata> and lists are too large)`,
    );
  }
}

/**
 * virtnet's injection guard (stricter than libvirt, which writes such values into dnsmasq's config verbatim):
 * every string that can reach a dnsmasq config line, a file name or a command argument must be free of control
 * characters. Only <title> (no newline, checked at parse), <description> and <metadata> may hold them: they
 * never reach a config file.
 */
export function checkNoControlChars(def: NetworkDef): void {
  const walk = (value: unknown, path: string): void => {
    if (typeof value === 'string') {
      const bad = /[\x00-\x1f\x7f]/.exec(value)?.[0];
      if (bad !== undefined) {
        const code = `0x${bad.charCodeAt(0).toString(16).padStart(2, '0')}`;
        throw new VirtError(
          'XML_ERROR',
          `invalid control character ${code} in ${path} of network '${def.name}'`,
        );
      }
    } else if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) walk(v, `${path}[${i}]`);
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k);
    }
  };
  const { title: _t, description: _d, metadata: _m, ...rest } = def;
  walk(rest, '');
}

/** About the size of <metadata> children as formatted (indented by level), counting no further than `limit`. */
function metadataSize(nodes: readonly (XmlNode | string)[], level: number, limit: number): number {
  let size = 0;
  for (const n of nodes) {
    if (size > limit) break;
    if (typeof n === 'string') {
      size += n.length;
      continue;
    }
    size += 2 * level + 2 * n.name.length + 6;
    for (const [k, v] of n.attributes) size += k.length + v.length + 4;
    size += metadataSize(n.children, level + 1, limit - size);
  }
  return size;
}

/** Port forwards kept in <metadata> (virtnet's namespace) must make sense for this network and not clash. */
function checkForwards(def: NetworkDef): void {
  const forwards = readForwards(def);
  for (const [i, f] of forwards.entries()) checkForward(def, f, forwards.slice(0, i));
}
