// Define-time checks that libvirt's network driver makes after parsing (networkValidate and friends).

import { parseIp, subnetContains } from './addr.js';
import { VirtError } from './errors.js';
import { type NetworkDef, networkMode } from './network-def.js';
import { ipSubnet } from './network-ip.js';

function unsupported(detail: string): VirtError {
  return new VirtError('CONFIG_UNSUPPORTED', detail);
}

/** Throws the first problem libvirt 9.0 would report when defining this network. */
export function validateNetworkDef(def: NetworkDef): void {
  const mode = networkMode(def);
  const vp = def.virtualport?.type;
  const vlanAllowed =
    mode === 'hostdev' ||
    mode === 'passthrough' ||
    (mode === 'bridge' && vp === 'openvswitch' && !!def.bridge?.name);
  const vlanInUse =
    (def.vlan?.tags.length ?? 0) > 0 || def.portgroups.some((pg) => (pg.vlan?.tags.length ?? 0) > 0);
  if (vlanInUse && !vlanAllowed) {
    throw unsupported(
      `<vlan> element specified for network ${def.name}, whose type doesn't support vlan configuration`,
    );
  }
  const l3 = mode === 'nat' || mode === 'route' || mode === 'open' || mode === 'isolated';
  if (def.bandwidth && !l3 && mode !== 'bridge') {
    throw unsupported(
      `Unsupported network-wide <bandwidth> element in network ${def.name} with forward mode='${mode}'`,
    );
  }
  if (def.bandwidth?.outbound?.floor !== undefined || def.bandwidth?.inbound?.floor !== undefined) {
    throw unsupported(`floor attribute isn't supported for network's bandwidth yet`);
  }
  let defaultGroup: string | undefined;
  const seen = new Set<string>();
  for (const pg of def.portgroups) {
    if (seen.has(pg.name)) {
      throw new VirtError(
        'XML_ERROR',
        `multiple <portgroup> elements with the same name (${pg.name}) in network '${def.name}'`,
      );
    }
    seen.add(pg.name);
    if (pg.default) {
      if (defaultGroup !== undefined) {
        throw new VirtError(
          'XML_ERROR',
          `network '${def.name}' has multiple default <portgroup> elements (${defaultGroup} and ${pg.name}), but only one default is allowed`,
        );
      }
      defaultGroup = pg.name;
    }
  }
  let v4dhcp = 0;
  let v6dhcp = 0;
  let tftp = 0;
  for (const ip of def.ips) {
    const net = ipSubnet(ip);
    const v6 = net?.family === 6;
    const d = ip.dhcp;
    if (ip.tftpRoot !== undefined) tftp++;
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
  if (tftp > 1) {
    throw unsupported(
      'Multiple IPv4 tftp sections found -- tftp is supported only for a single IPv4 address on each network',
    );
  }
}
