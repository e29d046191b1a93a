// The networks the shape generator builds on: one minimal valid network per forward mode, the default
// attributes each element gets when a shape needs it to exist, and how to make an element path exist.

import { E, find, getAttr, setAttr } from './xml-tree.mjs';

export const NAME = 'conf';
export const DNSMASQ_NS = 'http://libvirt.org/schemas/network/dnsmasq/1.0';

export const V4 = () => E('ip', { address: '192.168.122.1', netmask: '255.255.255.0' });
export const V6 = () => E('ip', { family: 'ipv6', address: '2001:db8:ca2:2::1', prefix: '64' });
const pci = (fn = '0x1') =>
  E('address', { type: 'pci', domain: '0x0000', bus: '0x03', slot: '0x10', function: fn });

/** Children of <network> (after <name>) for each base; the name says the forward mode. */
export const MODES = {
  bare: () => [],
  isolated: () => [V4()],
  'isolated-v6': () => [V6()],
  nat: () => [E('forward', { mode: 'nat' }), V4()],
  'nat-nomode': () => [E('forward'), V4()],
  route: () => [E('forward', { mode: 'route' }), V4()],
  'route-v6': () => [E('forward', { mode: 'route' }), V6()],
  open: () => [E('forward', { mode: 'open' }), V4()],
  bridge: () => [E('forward', { mode: 'bridge' }), E('bridge', { name: 'br0' })],
  'bridge-ovs': () => [
    E('forward', { mode: 'bridge' }),
    E('bridge', { name: 'ovsbr0' }),
    E('virtualport', { type: 'openvswitch' }),
  ],
  macvtap: () => [E('forward', { mode: 'bridge' }, E('interface', { dev: 'eth0' }))],
  private: () => [E('forward', { mode: 'private' }, E('interface', { dev: 'eth0' }))],
  vepa: () => [E('forward', { mode: 'vepa' }, E('interface', { dev: 'eth0' }))],
  passthrough: () => [E('forward', { mode: 'passthrough' }, E('interface', { dev: 'eth0' }))],
  'hostdev-pci': () => [E('forward', { mode: 'hostdev', managed: 'yes' }, pci())],
  'hostdev-pf': () => [E('forward', { mode: 'hostdev' }, E('pf', { dev: 'eth2' }))],
};

/** Every mode, for the combinations. */
export const ALL_MODES = Object.keys(MODES).filter((m) => m !== 'bare');

export function network(mode) {
  return E('network', {}, E('name', {}, NAME), ...MODES[mode]());
}

/** PCI addresses that were SR-IOV virtual functions when the fixtures were recorded (see libvirt-ns.sh). */
export const FAKE_VFS = ['0000:03:10.1', '0000:03:10.3', '0000:03:10.5', '0000:00:00.0'];
export { pci };

/** Attributes (and children) an element gets when a shape needs it to exist; v6 when inside an IPv6 <ip>. */
export function defaults(path, v6) {
  const d = {
    'network/uuid': {},
    'network/bridge': {},
    'network/mtu': { size: '1500' },
    'network/mac': { address: '52:54:00:12:34:56' },
    'network/forward': {},
    'network/forward/interface': { dev: 'eth1' },
    'network/forward/address': { type: 'pci', domain: '0x0000', bus: '0x03', slot: '0x10', function: '0x3' },
    'network/forward/pf': { dev: 'eth2' },
    'network/forward/driver': { name: 'vfio' },
    'network/forward/nat': {},
    'network/forward/nat/address': { start: '10.20.30.40', end: '10.20.30.44' },
    'network/forward/nat/port': { start: '500', end: '1000' },
    'network/virtualport': { type: 'openvswitch' },
    'network/virtualport/parameters': {},
    'network/portgroup': { name: 'engineering' },
    'network/portgroup/virtualport': {},
    'network/portgroup/virtualport/parameters': {},
    'network/portgroup/bandwidth': {},
    'network/portgroup/bandwidth/inbound': { average: '1000' },
    'network/portgroup/bandwidth/outbound': { average: '1000' },
    'network/portgroup/vlan': {},
    'network/portgroup/vlan/tag': { id: '42' },
    'network/domain': { name: 'example.com' },
    'network/dns': {},
    'network/dns/forwarder': { addr: '8.8.8.8' },
    'network/dns/txt': { name: 'example', value: 'example value' },
    'network/dns/srv': { service: 'name', protocol: 'tcp' },
    'network/dns/host': { ip: v6 ? '2001:db8:ca2:2::7' : '192.168.122.7' },
    'network/dns/host/hostname': {},
    'network/bandwidth': {},
    'network/bandwidth/inbound': { average: '1000' },
    'network/bandwidth/outbound': { average: '1000' },
    'network/vlan': {},
    'network/vlan/tag': { id: '42' },
    'network/port': {},
    'network/ip': { address: '192.168.122.1', netmask: '255.255.255.0' },
    'network/ip/tftp': { root: '/var/lib/tftp' },
    'network/ip/dhcp': {},
    'network/ip/dhcp/range': v6
      ? { start: '2001:db8:ca2:2::100', end: '2001:db8:ca2:2::1ff' }
      : { start: '192.168.122.2', end: '192.168.122.254' },
    'network/ip/dhcp/range/lease': { expiry: '1', unit: 'hours' },
    'network/ip/dhcp/host': v6
      ? { id: '0:4:7e:7d:f0:7d:a8:bc:c5:d2:13:32:11:ed:16:ea:84:63', ip: '2001:db8:ca2:2::5' }
      : { mac: '52:54:00:12:34:56', ip: '192.168.122.5' },
    'network/ip/dhcp/host/lease': { expiry: '1', unit: 'hours' },
    'network/ip/dhcp/bootp': { file: 'pxelinux.0' },
    'network/route': v6
      ? { family: 'ipv6', address: '2001:db8:ca2:3::', prefix: '64', gateway: '2001:db8:ca2:2::2' }
      : { address: '10.24.0.0', prefix: '16', gateway: '192.168.122.2' },
    'network/dnsmasq:options': {},
    'network/dnsmasq:options/dnsmasq:option': { value: 'cache-size=0' },
  };
  if (!(path in d)) throw new Error(`gen-bases: no defaults for ${path}`);
  return d[path];
}

/** Children an element needs to be valid (a DNS host needs a hostname). */
const NEEDED_CHILDREN = {
  'network/uuid': () => ['81ff0d90-c91e-6742-64da-4a736edb9a9b'],
  'network/dns/host': () => [E('hostname', {}, 'myhost')],
  'network/portgroup/vlan': () => [E('tag', { id: '42' })],
  'network/vlan': () => [E('tag', { id: '42' })],
};

/**
 * Makes sure the element at `path` exists in the network tree (creating it and its parents with their default
 * attributes) and returns it. Inside an <ip>, the IPv6 one is used when `v6`.
 */
export function ensurePath(tree, path, v6 = false) {
  const segs = path.split('/');
  let el = tree;
  let sofar = segs[0];
  for (const seg of segs.slice(1)) {
    sofar += `/${seg}`;
    const name = seg;
    let next = el.children.find(
      (c) =>
        typeof c !== 'string' &&
        c.name === name &&
        (name !== 'ip' || (getAttr(c, 'family') === 'ipv6') === v6 || !v6),
    );
    if (!next) {
      next = E(name, defaults(sofar, v6), ...(NEEDED_CHILDREN[sofar]?.() ?? []));
      if (sofar === 'network/ip' && v6) next = V6();
      if (name.startsWith('dnsmasq:')) setAttr(tree, 'xmlns:dnsmasq', DNSMASQ_NS);
      el.children.push(next);
    }
    el = next;
  }
  return el;
}

/** True when the base has an IPv6 <ip> first (the v6 flavour of ip-related shapes). */
export function isV6Mode(mode) {
  return mode.endsWith('-v6');
}

export { find };
