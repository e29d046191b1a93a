// Shapes that combine features: every forward mode with every feature fragment, random (seeded) mixes of several
// fragments per mode, and the same networks with their elements in another order (the schema interleaves them).

import { ALL_MODES, DNSMASQ_NS, ensurePath, network, V6 } from './gen-bases.mjs';
import { clone, E, find, setAttr } from './xml-tree.mjs';

const UUID = '81ff0d90-c91e-6742-64da-4a736edb9a9b';

/** Feature fragments: each adds something to a network tree. */
export const FRAGMENTS = {
  'ip4-dhcp': (t) => {
    const ip = ensurePath(t, 'network/ip');
    ip.children.push(
      E(
        'dhcp',
        {},
        E('range', { start: '192.168.122.2', end: '192.168.122.254' }),
        E('host', { mac: '00:16:3E:77:E2:ED', name: 'a.example.com', ip: '192.168.122.10' }),
        E(
          'host',
          { name: 'b.example.com', ip: '192.168.122.11' },
          E('lease', { expiry: '30', unit: 'minutes' }),
        ),
      ),
    );
  },
  'ip4-prefix': (t) => {
    t.children.push(E('ip', { address: '10.10.0.1', prefix: '16' }));
  },
  ip6: (t) => {
    t.children.push(V6());
  },
  'ip6-dhcp': (t) => {
    const ip = V6();
    ip.children.push(
      E(
        'dhcp',
        {},
        E('range', { start: '2001:db8:ca2:2::100', end: '2001:db8:ca2:2::1ff' }, E('lease', { expiry: '0' })),
        E('host', {
          id: '0:4:7e:7d:f0:7d:a8:bc:c5:d2:13:32:11:ed:16:ea:84:63',
          name: 'h6',
          ip: '2001:db8:ca2:2::5',
        }),
      ),
    );
    t.children.push(ip);
  },
  tftp: (t) => {
    const ip = ensurePath(t, 'network/ip');
    ip.children.push(E('tftp', { root: '/var/lib/tftp' }));
    ip.children.push(
      E(
        'dhcp',
        {},
        E('range', { start: '192.168.122.2', end: '192.168.122.9' }),
        E('bootp', { file: 'pxelinux.0', server: '192.168.122.5' }),
      ),
    );
  },
  dns: (t) => {
    t.children.push(
      E(
        'dns',
        { forwardPlainNames: 'no' },
        E('forwarder', { domain: 'example.com', addr: '8.8.4.4' }),
        E('forwarder', { addr: '8.8.8.8' }),
        E('forwarder', { domain: 'www.example.com' }),
        E('txt', { name: 'example', value: 'example value' }),
        E('srv', {
          service: 'name',
          protocol: 'tcp',
          domain: 'test-domain-name',
          target: '.',
          port: '1024',
          priority: '10',
          weight: '10',
        }),
        E('host', { ip: '192.168.122.2' }, E('hostname', {}, 'myhost'), E('hostname', {}, 'myhostalias')),
      ),
    );
  },
  'dns-disabled': (t) => {
    t.children.push(E('dns', { enable: 'no' }));
  },
  domain: (t) => {
    t.children.push(E('domain', { name: 'example.com', localOnly: 'yes' }));
  },
  mac: (t) => {
    t.children.push(E('mac', { address: '52:54:00:AA:BB:CC' }));
  },
  mtu: (t) => {
    t.children.push(E('mtu', { size: '9000' }));
  },
  bandwidth: (t) => {
    t.children.push(
      E(
        'bandwidth',
        {},
        E('inbound', { average: '1000', peak: '5000', burst: '1024' }),
        E('outbound', { average: '128', peak: '256', burst: '256' }),
      ),
    );
  },
  'bandwidth-floor': (t) => {
    t.children.push(E('bandwidth', {}, E('inbound', { average: '1000', floor: '100' })));
  },
  vlan: (t) => {
    t.children.push(E('vlan', {}, E('tag', { id: '42' })));
  },
  'vlan-trunk': (t) => {
    t.children.push(
      E('vlan', { trunk: 'yes' }, E('tag', { id: '42', nativeMode: 'untagged' }), E('tag', { id: '47' })),
    );
  },
  'vp-ovs': (t) => {
    t.children.push(E('virtualport', { type: 'openvswitch' }, E('parameters', { interfaceid: UUID })));
  },
  'vp-qbh': (t) => {
    t.children.push(E('virtualport', { type: '802.1Qbh' }, E('parameters', { profileid: 'spongebob24' })));
  },
  'vp-qbg': (t) => {
    t.children.push(
      E(
        'virtualport',
        { type: '802.1Qbg' },
        E('parameters', { managerid: '11', typeid: '1193047', typeidversion: '2', instanceid: UUID }),
      ),
    );
  },
  'pg-default': (t) => {
    t.children.push(E('portgroup', { name: 'engineering', default: 'yes' }));
  },
  'pg-full': (t) => {
    t.children.push(
      E(
        'portgroup',
        { name: 'sales', trustGuestRxFilters: 'no' },
        E('virtualport', {}, E('parameters', { profileid: 'salestest' })),
        E('bandwidth', {}, E('inbound', { average: '1000', peak: '5000', burst: '5120' })),
        E('vlan', {}, E('tag', { id: '2' })),
      ),
    );
  },
  'pg-two': (t) => {
    t.children.push(
      E('portgroup', { name: 'dev' }, E('vlan', {}, E('tag', { id: '3' }))),
      E('portgroup', { name: 'ops', default: 'yes' }),
    );
  },
  metadata: (t) => {
    t.children.push(E('metadata', {}, E('app1:foo', { 'xmlns:app1': 'http://app1.org/app1/' }, 'fooish')));
  },
  uuid: (t) => {
    t.children.push(E('uuid', {}, UUID));
  },
  route4: (t) => {
    t.children.push(
      E('route', { address: '10.24.0.0', prefix: '16', gateway: '192.168.122.2', metric: '5' }),
    );
  },
  route6: (t) => {
    t.children.push(
      E('route', { family: 'ipv6', address: '2001:db8:ca2:3::', prefix: '64', gateway: '2001:db8:ca2:2::2' }),
    );
  },
  dnsmasq: (t) => {
    setAttr(t, 'xmlns:dnsmasq', DNSMASQ_NS);
    t.children.push(
      E(
        'dnsmasq:options',
        {},
        E('dnsmasq:option', { value: 'dhcp-ignore=tag:!known' }),
        E('dnsmasq:option', { value: 'cache-size=0' }),
      ),
    );
  },
  'port-isolated': (t) => {
    t.children.push(E('port', { isolated: 'yes' }));
  },
  trust: (t) => {
    setAttr(t, 'trustGuestRxFilters', 'yes');
  },
  'ipv6-attr': (t) => {
    setAttr(t, 'ipv6', 'yes');
  },
  'nat-full': (t) => {
    const f = ensurePath(t, 'network/forward');
    f.children.push(
      E(
        'nat',
        { ipv6: 'yes' },
        E('address', { start: '10.20.30.40', end: '10.20.30.44' }),
        E('port', { start: '500', end: '1000' }),
      ),
    );
  },
  'bridge-attrs': (t) => {
    const b = ensurePath(t, 'network/bridge');
    setAttr(b, 'stp', 'off');
    setAttr(b, 'delay', '5');
    setAttr(b, 'macTableManager', 'libvirt');
  },
  'bridge-zone': (t) => {
    setAttr(ensurePath(t, 'network/bridge'), 'zone', 'public');
  },
  'forward-dev': (t) => {
    setAttr(ensurePath(t, 'network/forward'), 'dev', 'eth9');
  },
  'hostdev-driver': (t) => {
    ensurePath(t, 'network/forward').children.push(E('driver', { name: 'vfio' }));
  },
};

/** A deterministic PRNG (mulberry32) so that the same shapes come out on every run. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mode × fragment pairs, then `perMode` random mixes of 2 to 6 fragments for each mode. */
export function combos(perMode = 30) {
  const out = [];
  const names = Object.keys(FRAGMENTS);
  for (const mode of ALL_MODES) {
    for (const f of names) {
      const tree = network(mode);
      FRAGMENTS[f](tree);
      out.push({ id: `pair:${mode}+${f}`, tree });
    }
  }
  const rnd = prng(9);
  for (const mode of ALL_MODES) {
    for (let i = 0; i < perMode; i++) {
      const k = 2 + Math.floor(rnd() * 5);
      const pick = [...names]
        .sort(() => rnd() - 0.5)
        .slice(0, k)
        .sort();
      const tree = network(mode);
      for (const f of pick) FRAGMENTS[f](tree);
      out.push({ id: `mix:${mode}+${pick.join('+')}`, tree });
    }
  }
  return out;
}

/** The same networks with <network>'s children (after <name>) in a shuffled order. */
export function reordered(shapes, count = 150) {
  const rnd = prng(77);
  const out = [];
  const candidates = shapes.filter((s) => s.id.startsWith('mix:'));
  for (let i = 0; i < count && candidates.length; i++) {
    const s = candidates[Math.floor(rnd() * candidates.length)];
    const tree = clone(s.tree);
    const [nameEl, ...rest] = tree.children;
    rest.sort(() => rnd() - 0.5);
    tree.children = [...rest.slice(0, 1), nameEl, ...rest.slice(1)];
    for (const c of tree.children) if (typeof c !== 'string' && c.name === 'ip') c.children.reverse();
    out.push({ id: `order:${i}:${s.id.slice(4)}`, tree });
  }
  return out;
}

export { find };
