// Network port shapes (<networkport>, networkport.rng): every element and attribute alone on a minimal port of
// each plug type, with the values of its datatype, and a few combinations. Each port gets its own UUID when
// recorded (the token @UUID@, or @UUID_UPPER@ / @UUID_NODASH@ for the spellings of the same UUID).

import { BY_TYPE } from './gen-values.mjs';
import { E, setAttr } from './xml-tree.mjs';

const OWNER = () =>
  E('owner', {}, E('name', {}, 'memtest'), E('uuid', {}, 'd54df46f-1ab5-4a22-8618-4560ef5fac2c'));

const PLUGS = {
  none: () => [],
  network: () => [E('plug', { type: 'network', bridge: 'virbr0' })],
  bridge: () => [E('plug', { type: 'bridge', bridge: 'br0' })],
  direct: () => [E('plug', { type: 'direct', dev: 'ens3', mode: 'vepa' })],
  'hostdev-pci': () => [
    E(
      'plug',
      { type: 'hostdev-pci', managed: 'yes' },
      E('driver', { name: 'vfio' }),
      E('address', { domain: '0x0001', bus: '0x02', slot: '0x03', function: '0x4' }),
    ),
  ],
};

export function port(plug, ...extra) {
  return E(
    'networkport',
    {},
    E('uuid', {}, '@UUID@'),
    OWNER(),
    E('mac', { address: '52:54:00:7b:35:93' }),
    ...extra,
    ...PLUGS[plug](),
  );
}

const rate = (attrs) => attrs;
const BW = (inb, outb, classID) =>
  E(
    'bandwidth',
    classID ? { classID } : {},
    ...(inb ? [E('inbound', rate(inb))] : []),
    ...(outb ? [E('outbound', rate(outb))] : []),
  );

/** {id, tree, schema?} for every port shape. */
export function portShapes() {
  const out = [];
  const add = (id, tree, schema) =>
    out.push({ id: `port:${id}`, tree, ...(schema === false ? { schema } : {}) });
  for (const plug of Object.keys(PLUGS)) add(`plug-${plug}`, port(plug));
  for (const u of ['@UUID_UPPER@', '@UUID_NODASH@']) {
    const t = port('network');
    t.children[0].children = [u];
    add(`uuid=${u}`, t);
  }
  for (const u of BY_TYPE.UUID) {
    const t = port('network');
    t.children[1].children[1].children = [u];
    add(`owner-uuid=${u}`, t);
  }
  for (const n of ['memtest', 'a b & <c>', 'é', '']) {
    const t = port('network');
    t.children[1].children[0].children = n ? [n] : [];
    add(`owner-name=${n}`, t);
  }
  for (const m of BY_TYPE.uniMacAddr) {
    const t = port('network');
    setAttr(t.children[2], 'address', m);
    add(`mac=${m}`, t);
  }
  for (const g of ['web1', 'a', 'e.g-1:x']) add(`group=${g}`, port('network', E('group', {}, g)));
  for (const v of ['yes', 'no']) add(`rxfilters=${v}`, port('network', E('rxfilters', { trustGuest: v })));
  for (const v of ['yes', 'no']) add(`port-isolated=${v}`, port('network', E('port', { isolated: v })));
  add('port-empty', port('network', E('port')));
  // bandwidth: each attribute alone in each direction, classID, edges
  for (const dir of ['inbound', 'outbound']) {
    for (const a of ['average', 'peak', 'floor', 'burst']) {
      for (const v of BY_TYPE.speed) {
        const attrs = a === 'average' ? { average: v } : { average: '1000', [a]: v };
        add(
          `bandwidth-${dir}-${a}=${v}`,
          port('network', BW(dir === 'inbound' ? attrs : undefined, dir === 'outbound' ? attrs : undefined)),
        );
      }
    }
  }
  for (const c of BY_TYPE.positiveInteger)
    add(`bandwidth-classID=${c}`, port('network', BW({ average: '1000', floor: '500' }, undefined, c)));
  add(
    'bandwidth-both',
    port(
      'bridge',
      BW(
        { average: '1000', peak: '4000', floor: '2000', burst: '1024' },
        { average: '128', peak: '256', burst: '32768' },
        '1729',
      ),
    ),
  );
  add('bandwidth-empty', port('network', E('bandwidth')));
  // vlan
  for (const id of ['0', '42', '4095'])
    add(`vlan-tag=${id}`, port('network', E('vlan', {}, E('tag', { id }))));
  for (const nm of ['tagged', 'untagged'])
    add(
      `vlan-trunk-native=${nm}`,
      port(
        'network',
        E('vlan', { trunk: 'yes' }, E('tag', { id: '2', nativeMode: nm }), E('tag', { id: '1729' })),
      ),
    );
  // virtualport of each type with its parameters
  const vp = {
    '802.1Qbg': { managerid: '11', typeid: '1193047', typeidversion: '2', instanceid: BY_TYPE.UUID[0] },
    '802.1Qbh': { profileid: 'spongebob24' },
    openvswitch: { profileid: 'bob', interfaceid: BY_TYPE.UUID[1] },
    midonet: { interfaceid: BY_TYPE.UUID[2] },
  };
  for (const [type, params] of Object.entries(vp)) {
    const plug = type.startsWith('802') ? 'direct' : 'bridge';
    add(`virtualport-${type}`, port(plug, E('virtualport', { type }, E('parameters', params))));
    add(`virtualport-${type}-bare`, port(plug, E('virtualport', { type })));
    for (const [k, v] of Object.entries(params))
      add(`virtualport-${type}-${k}`, port(plug, E('virtualport', { type }, E('parameters', { [k]: v }))));
  }
  add(
    'virtualport-untyped',
    port('bridge', E('virtualport', {}, E('parameters', { profileid: 'p', interfaceid: BY_TYPE.UUID[0] }))),
  );
  // plugs: every attribute value
  for (const v of ['kernel', 'libvirt']) {
    for (const t of ['network', 'bridge']) {
      const p = port(t);
      setAttr(p.children.at(-1), 'macTableManager', v);
      add(`plug-${t}-macTableManager=${v}`, p);
    }
  }
  for (const m of ['bridge', 'passthrough', 'private', 'vepa']) {
    const p = port('direct');
    setAttr(p.children.at(-1), 'mode', m);
    add(`plug-direct-mode=${m}`, p);
  }
  for (const managed of ['yes', 'no', undefined]) {
    for (const drv of ['kvm', 'vfio', undefined]) {
      const p = port('hostdev-pci');
      const plug = p.children.at(-1);
      setAttr(plug, 'managed', managed);
      if (drv) setAttr(plug.children[0], 'name', drv);
      else plug.children.shift();
      add(`plug-hostdev-managed=${managed ?? 'absent'}-driver=${drv ?? 'absent'}`, p);
    }
  }
  const addr = {
    domain: BY_TYPE.pciDomain,
    bus: BY_TYPE.pciBus,
    slot: BY_TYPE.pciSlot,
    function: BY_TYPE.pciFunc,
    multifunction: BY_TYPE.virOnOff,
  };
  for (const [k, vals] of Object.entries(addr)) {
    for (const v of vals) {
      const p = port('hostdev-pci');
      setAttr(p.children.at(-1).children.at(-1), k, v);
      add(`plug-hostdev-address-${k}=${v}`, p);
    }
  }
  const bare = port('hostdev-pci');
  bare.children.at(-1).children[1] = E('address');
  add('plug-hostdev-address-empty', bare);
  // everything at once, and what the schema leaves out
  add(
    'all',
    port(
      'network',
      E('group', {}, 'web1'),
      E('virtualport', { type: 'openvswitch' }, E('parameters', { interfaceid: BY_TYPE.UUID[0] })),
      BW({ average: '1000', peak: '4000', floor: '2000', burst: '1024' }, { average: '128' }, '1729'),
      E('vlan', { trunk: 'yes' }, E('tag', { id: '2' }), E('tag', { id: '1729' })),
      E('port', { isolated: 'yes' }),
      E('rxfilters', { trustGuest: 'yes' }),
    ),
  );
  const noUuid = port('network');
  noUuid.children.shift();
  add('missing-uuid', noUuid, false);
  add(
    'plug-unknown',
    (() => {
      const p = port('network');
      setAttr(p.children.at(-1), 'type', 'vhostuser');
      return p;
    })(),
    false,
  );
  add(
    'plug-network-no-bridge',
    (() => {
      const p = port('network');
      setAttr(p.children.at(-1), 'bridge', undefined);
      return p;
    })(),
    false,
  );
  add(
    'plug-direct-no-mode',
    (() => {
      const p = port('direct');
      setAttr(p.children.at(-1), 'mode', undefined);
      return p;
    })(),
    false,
  );
  add(
    'plug-direct-no-dev',
    (() => {
      const p = port('direct');
      setAttr(p.children.at(-1), 'dev', undefined);
      return p;
    })(),
    false,
  );
  add(
    'plug-hostdev-no-address',
    (() => {
      const p = port('hostdev-pci');
      p.children.at(-1).children.pop();
      return p;
    })(),
    false,
  );
  add(
    'mac-multicast',
    (() => {
      const p = port('network');
      setAttr(p.children[2], 'address', '01:00:5e:00:00:01');
      return p;
    })(),
    false,
  );
  add('vlan-tag-4096', port('network', E('vlan', {}, E('tag', { id: '4096' }))), false);
  const edit = (plug, fn) => {
    const p = port(plug);
    fn(p);
    return p;
  };
  add(
    'plug-direct-mode-bad',
    edit('direct', (p) => setAttr(p.children.at(-1), 'mode', 'tunnel')),
    false,
  );
  add(
    'plug-bridge-macTableManager-bad',
    edit('bridge', (p) => setAttr(p.children.at(-1), 'macTableManager', 'default')),
    false,
  );
  add(
    'plug-hostdev-driver-bad',
    edit('hostdev-pci', (p) => setAttr(p.children.at(-1).children[0], 'name', 'xen')),
    false,
  );
  add(
    'plug-hostdev-managed-bad',
    edit('hostdev-pci', (p) => setAttr(p.children.at(-1), 'managed', 'maybe')),
    false,
  );
  add(
    'plug-hostdev-address-bus-256',
    edit('hostdev-pci', (p) => setAttr(p.children.at(-1).children[1], 'bus', '256')),
    false,
  );
  add(
    'plug-none-explicit',
    edit('network', (p) => {
      p.children[p.children.length - 1] = E('plug', { type: 'none' });
    }),
    false,
  );
  add(
    'plug-no-type',
    edit('network', (p) => setAttr(p.children.at(-1), 'type', undefined)),
    false,
  );
  add(
    'owner-missing',
    edit('network', (p) => p.children.splice(1, 1)),
    false,
  );
  add(
    'owner-uuid-missing',
    edit('network', (p) => p.children[1].children.pop()),
    false,
  );
  add(
    'owner-uuid-bad',
    edit('network', (p) => {
      p.children[1].children[1].children = ['nope'];
    }),
    false,
  );
  add(
    'uuid-bad',
    edit('network', (p) => {
      p.children[0].children = ['nope'];
    }),
    false,
  );
  add(
    'mac-missing',
    edit('network', (p) => p.children.splice(2, 1)),
    false,
  );
  add(
    'mac-bad',
    edit('network', (p) => setAttr(p.children[2], 'address', '52:54:00:zz:00:01')),
    false,
  );
  add('rxfilters-bad', port('network', E('rxfilters', { trustGuest: 'maybe' })), false);
  add('port-isolated-bad', port('network', E('port', { isolated: 'maybe' })), false);
  add('bandwidth-classID-bad', port('network', BW({ average: '10' }, undefined, 'abc')), false);
  add(
    'bandwidth-two-inbound',
    port('network', E('bandwidth', {}, E('inbound', { average: '1' }), E('inbound', { average: '2' }))),
    false,
  );
  add('bandwidth-floor-only', port('network', BW({ floor: '100' })), false);
  add('group-empty', port('network', E('group')), false);
  add(
    'virtualport-extra',
    port('direct', E('virtualport', { type: '802.1Qbh' }, E('parameters', { managerid: '1' }))),
    false,
  );
  add('bandwidth-average-zero', port('network', BW({ average: '0' })), false);
  return out;
}
