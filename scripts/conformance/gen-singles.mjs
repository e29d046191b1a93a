// Shapes with one thing changed on top of a minimal valid network: every element of the schema alone, and every
// attribute with each representative value of its datatype, in the forward modes where it means something.

import { ensurePath, isV6Mode, network } from './gen-bases.mjs';
import { BY_PATH, BY_TYPE, TEXT } from './gen-values.mjs';
import { E, setAttr } from './xml-tree.mjs';

const ipModes = ['isolated', 'isolated-v6'];

/** Where each element of the schema is tried (the first mode also gets the "required attribute missing" shapes). */
export const PLACES = {
  network: ['isolated', 'bare', 'nat', 'bridge', 'private'],
  'network/name': ['bare'],
  'network/uuid': ['bare'],
  'network/metadata': 'special',
  'network/metadata/*': 'special',
  'network/bridge': ['isolated', 'nat', 'route', 'open', 'bridge', 'macvtap', 'private', 'hostdev-pci'],
  'network/mtu': ['nat', 'isolated', 'route', 'open', 'bridge', 'private'],
  'network/mac': ['nat', 'isolated', 'bridge'],
  'network/forward': ['isolated', 'macvtap', 'bridge', 'hostdev-pci', 'hostdev-pf', 'bare'],
  'network/forward/interface': [
    'macvtap',
    'nat',
    'route',
    'open',
    'private',
    'vepa',
    'passthrough',
    'hostdev-pci',
    'hostdev-pf',
  ],
  'network/forward/address': ['hostdev-pci', 'passthrough', 'nat'],
  'network/forward/pf': ['hostdev-pf', 'passthrough', 'private', 'nat', 'bridge', 'hostdev-pci'],
  'network/forward/driver': ['hostdev-pci', 'hostdev-pf', 'passthrough'],
  'network/forward/nat': ['nat', 'route', 'nat-nomode'],
  'network/forward/nat/address': ['nat'],
  'network/forward/nat/port': ['nat'],
  'network/virtualport': 'special',
  'network/virtualport/parameters': 'special',
  'network/portgroup': ['isolated', 'nat', 'bridge', 'bridge-ovs', 'private', 'hostdev-pci'],
  'network/portgroup/virtualport': 'special',
  'network/portgroup/virtualport/parameters': 'special',
  'network/portgroup/bandwidth': ['nat', 'bridge', 'private', 'hostdev-pci'],
  'network/portgroup/bandwidth/inbound': ['nat', 'private'],
  'network/portgroup/bandwidth/outbound': ['nat'],
  'network/portgroup/vlan': ['bridge-ovs', 'hostdev-pci', 'passthrough', 'nat'],
  'network/portgroup/vlan/tag': ['bridge-ovs', 'hostdev-pci'],
  'network/domain': ['nat', 'isolated', 'bridge'],
  'network/dns': ['nat', 'isolated', 'bridge', 'macvtap'],
  'network/dns/forwarder': ['nat', 'isolated-v6'],
  'network/dns/txt': ['nat'],
  'network/dns/srv': ['nat'],
  'network/dns/host': ['nat', 'isolated-v6'],
  'network/dns/host/hostname': ['nat'],
  'network/bandwidth': ['nat', 'isolated', 'bridge', 'macvtap', 'private'],
  'network/bandwidth/inbound': ['nat', 'bridge'],
  'network/bandwidth/outbound': ['nat'],
  'network/vlan': ['bridge-ovs', 'hostdev-pci', 'passthrough', 'nat', 'bridge'],
  'network/vlan/tag': ['bridge-ovs', 'hostdev-pci', 'passthrough'],
  'network/port': ['isolated', 'nat', 'bridge', 'private'],
  'network/ip': ['isolated', 'isolated-v6', 'nat', 'route', 'open', 'route-v6', 'bridge', 'bare'],
  'network/ip/tftp': ipModes,
  'network/ip/dhcp': ipModes,
  'network/ip/dhcp/range': ipModes,
  'network/ip/dhcp/range/lease': ipModes,
  'network/ip/dhcp/host': ipModes,
  'network/ip/dhcp/host/lease': ipModes,
  'network/ip/dhcp/bootp': ipModes,
  'network/route': ['nat', 'isolated-v6', 'route'],
  'network/dnsmasq:options': ['isolated', 'nat'],
  'network/dnsmasq:options/dnsmasq:option': ['isolated'],
};

/** Values in an IPv6 <ip> (or for an IPv6 route) where the IPv4 table would only give refusals. */
const BY_PATH_V6 = {
  'network/ip@address': [
    '2001:db8:ca2:2::1',
    '2001:DB8:CA2:2::1',
    '2001:db8:ca2:2:0:0:0:1',
    'fd00::1',
    '::ffff:192.168.122.1',
  ],
  'network/ip@prefix': ['0', '48', '64', '120', '128', '129'],
  'network/ip/dhcp/range@start': [
    '2001:db8:ca2:2::100',
    '2001:db8:ca2:2:0:0:0:110',
    '2001:db8:ca2:3::1',
    '192.168.122.2',
  ],
  'network/ip/dhcp/range@end': ['2001:db8:ca2:2::1ff', '2001:DB8:CA2:2::1FF', '2001:db8:ca2:2::50'],
  'network/ip/dhcp/host@ip': ['2001:db8:ca2:2::5', '2001:DB8:CA2:2:0::5', '192.168.122.5'],
  'network/ip/dhcp/host@mac': ['52:54:00:12:34:56'],
  'network/route@address': ['2001:db8:ca2:3::', '2001:db8:ca2:3::1', '::'],
  'network/route@gateway': ['2001:db8:ca2:2::2', '2001:DB8:CA2:2::2', '192.168.122.2'],
  'network/route@prefix': ['0', '64', '128', '129'],
  'network/dns/forwarder@addr': ['2001:4860:4860::8888', '::1'],
  'network/dns/host@ip': ['2001:db8:ca2:2::7', '2001:DB8:0:0::7', '192.168.122.7'],
};

/** Attributes that exclude each other (schema <choice>): setting one removes the other. */
const EXCLUSIVE = { netmask: 'prefix', prefix: 'netmask' };

export function valuesFor(path, attr, v6) {
  const key = attr === undefined ? path : `${path}@${attr.name}`;
  if (v6 && BY_PATH_V6[key]) return BY_PATH_V6[key];
  if (BY_PATH[key]) return BY_PATH[key];
  const dt = attr ? attr.datatype : undefined;
  if (dt) {
    for (const r of dt.refs) if (BY_TYPE[r]) return BY_TYPE[r];
    if (dt.values.length) return dt.values;
    for (const d of dt.data) if (BY_TYPE[d.type]) return BY_TYPE[d.type];
  }
  return TEXT;
}

function label(v) {
  return v.length > 24 ? `${v.slice(0, 20)}…${v.length}` : v;
}

/** All single-change shapes of the schema's elements ({id, tree}). */
export function singles(schema) {
  const out = [];
  for (const [path, entry] of schema) {
    const modes = PLACES[path];
    if (modes === undefined) throw new Error(`gen-singles: the schema has ${path}, which no shape covers`);
    if (modes === 'special') continue;
    for (const mode of modes) {
      const v6 = isV6Mode(mode);
      const alone = network(mode);
      ensurePath(alone, path, v6);
      out.push({ id: `element:${path}:${mode}`, tree: alone });
      for (const attr of entry.attributes.values()) {
        for (const value of valuesFor(path, attr, v6)) {
          const tree = network(mode);
          const el = ensurePath(tree, path, v6);
          if (EXCLUSIVE[attr.name] && (path === 'network/ip' || path === 'network/route'))
            setAttr(el, EXCLUSIVE[attr.name], undefined);
          setAttr(el, attr.name, value);
          out.push({ id: `attr:${path}@${attr.name}=${label(value)}:${mode}`, tree });
        }
      }
      if (entry.text) {
        for (const value of valuesFor(path, undefined, v6)) {
          const tree = network(mode);
          const el = ensurePath(tree, path, v6);
          el.children = [value];
          out.push({ id: `text:${path}=${label(value)}:${mode}`, tree });
        }
      }
    }
    // the same element with each required attribute left out (outside the schema: libvirt's messages)
    for (const attr of entry.attributes.values()) {
      if (!attr.required || path === 'network/forward/address') continue;
      const tree = network(modes[0]);
      const el = ensurePath(tree, path, isV6Mode(modes[0]));
      setAttr(el, attr.name, undefined);
      out.push({ id: `missing:${path}@${attr.name}:${modes[0]}`, tree, schema: false });
    }
  }
  out.push(...virtualports(), ...metadata());
  return out;
}

const VP_PARAMS = {
  '802.1Qbg': ['managerid', 'typeid', 'typeidversion', 'instanceid'],
  '802.1Qbh': ['profileid'],
  openvswitch: ['profileid', 'interfaceid'],
  midonet: ['interfaceid'],
};
const VP_MODE = { '802.1Qbg': 'vepa', '802.1Qbh': 'private', openvswitch: 'bridge', midonet: 'bridge' };
const PARAM_VALUES = {
  managerid: BY_TYPE.uint8,
  typeid: BY_TYPE.uint24,
  typeidversion: BY_TYPE.uint8,
  instanceid: BY_TYPE.UUID,
  profileid: BY_TYPE.virtualPortProfileID,
  interfaceid: BY_TYPE.UUID,
};

/** <virtualport> of the network and of a portgroup: each type in its modes, each parameter with each value. */
function virtualports() {
  const out = [];
  const where = [
    ['network', (t) => t],
    ['network/portgroup', (t) => ensurePath(t, 'network/portgroup')],
  ];
  for (const [scope, parentOf] of where) {
    const types = scope === 'network' ? Object.keys(VP_PARAMS) : [...Object.keys(VP_PARAMS), undefined];
    for (const type of types) {
      const modes = type
        ? [VP_MODE[type], 'isolated', 'nat', 'bridge', 'passthrough', 'hostdev-pci']
        : ['bridge-ovs', 'private', 'nat'];
      for (const mode of [...new Set(modes)]) {
        const tree = network(mode);
        parentOf(tree).children.push(E('virtualport', type ? { type } : {}));
        out.push({ id: `element:${scope}/virtualport[${type ?? 'none'}]:${mode}`, tree });
      }
      const mode = type ? VP_MODE[type] : 'bridge-ovs';
      const params = type ? VP_PARAMS[type] : Object.keys(PARAM_VALUES);
      for (const p of params) {
        for (const v of PARAM_VALUES[p]) {
          const tree = network(mode);
          const vp = E('virtualport', type ? { type } : {}, E('parameters', { [p]: v }));
          parentOf(tree).children.push(vp);
          out.push({
            id: `attr:${scope}/virtualport[${type ?? 'none'}]/parameters@${p}=${label(v)}:${mode}`,
            tree,
          });
        }
      }
      const all = Object.fromEntries(params.map((p) => [p, PARAM_VALUES[p][0]]));
      for (const m of [mode, 'nat']) {
        const tree = network(m);
        parentOf(tree).children.push(E('virtualport', type ? { type } : {}, E('parameters', all)));
        out.push({ id: `all-params:${scope}/virtualport[${type ?? 'none'}]:${m}`, tree });
      }
      const empty = network(mode);
      parentOf(empty).children.push(E('virtualport', type ? { type } : {}, E('parameters')));
      out.push({ id: `empty-params:${scope}/virtualport[${type ?? 'none'}]:${mode}`, tree: empty });
    }
  }
  // parameters of another type (outside the schema): which ones libvirt keeps
  const mixed = network('bridge');
  mixed.children.push(
    E(
      'virtualport',
      { type: 'openvswitch' },
      E('parameters', { managerid: '11', profileid: 'p', interfaceid: BY_TYPE.UUID[0] }),
    ),
  );
  out.push({ id: 'mixed-params:network/virtualport[openvswitch]:bridge', tree: mixed, schema: false });
  return out;
}

/** <metadata>: empty, one or several namespaced children, nesting, text, attributes, declarations on the root. */
function metadata() {
  const cases = {
    empty: [],
    one: [E('app1:foo', { 'xmlns:app1': 'http://app1.org/app1/' }, 'fooish')],
    two: [
      E('app1:foo', { 'xmlns:app1': 'http://app1.org/app1/' }, 'fooish'),
      E('app2:bar', { 'xmlns:app2': 'http://app1.org/app2/', maman: 'baz' }, 'barish'),
    ],
    nested: [
      E(
        'vn:forwards',
        { 'xmlns:vn': 'http://example.org/vn/1.0' },
        E('vn:forward', { proto: 'tcp', port: '80' }),
        E('vn:forward', { proto: 'udp', port: '53' }, E('vn:note', {}, 'dns & more')),
      ),
    ],
    'default-ns': [E('foo', { xmlns: 'http://example.org/default/' }, E('bar', { a: '1' }))],
    'no-ns': [E('plain', { a: 'b' }, 'text')],
    'special-chars': [E('x:y', { 'xmlns:x': 'http://x/', q: 'a"b\'c<d>&e' }, 'a<b>&c "d" \'e\'')],
    'empty-child': [E('x:empty', { 'xmlns:x': 'http://x/' })],
    mixed: [E('x:m', { 'xmlns:x': 'http://x/' }, 'before', E('x:in', {}, 'inner'), 'after')],
  };
  const out = [];
  for (const [k, kids] of Object.entries(cases)) {
    for (const mode of ['isolated', 'nat']) {
      const tree = network(mode);
      tree.children.splice(1, 0, E('metadata', {}, ...kids));
      out.push({ id: `metadata:${k}:${mode}`, tree });
    }
  }
  // a prefix declared on <network> and used inside <metadata>
  const tree = network('isolated');
  tree.attrs.push(['xmlns:app1', 'http://app1.org/app1/']);
  tree.children.splice(1, 0, E('metadata', {}, E('app1:foo', {}, 'declared on the root')));
  out.push({ id: 'metadata:root-declared:isolated', tree });
  return out;
}
