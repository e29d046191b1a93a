// Overlay networks in the model: the metadata element (parse, refusals, round trip), the define-time defaults every
// member derives alike (gateway MAC, no STP), the MTU that fits the underlay, and virtnetd's overlay flags.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtError } from '../../../src/model/errors.js';
import { applyDefineDefaults } from '../../../src/model/network-defaults.js';
import { formatNetworkXml } from '../../../src/model/network-format.js';
import {
  overlayGatewayMac,
  overlayMtu,
  readOverlay,
  vniOwner,
  vxlanDeviceName,
  withOverlay,
} from '../../../src/model/network-overlay.js';
import { parseNetworkXml } from '../../../src/model/network-parse.js';
import { validateNetworkDef } from '../../../src/model/network-validate.js';
import { overlayMembers, parseOverlayConfig } from '../../../src/model/overlay-config.js';

const el = (attrs: string) =>
  `<metadata><virtnet:overlay xmlns:virtnet='https://virtnet.dev/xmlns/network-overlay/1' ${attrs}/></metadata>`;
const net = (attrs = "vni='100'", forward = "<forward mode='nat'/>", bridge = "<bridge name='vb0'/>") =>
  parseNetworkXml(
    `<network><name>ov</name>${el(attrs)}${forward}${bridge}<ip address='10.9.0.1' prefix='24'/></network>`,
  );
const ctx = { bridgeInUse: () => false, random: (n: number) => new Uint8Array(n).fill(0xab) };

const refusal = (fn: () => unknown, code: string, re: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof VirtError && e.code === code && re.test(e.message));

describe('the <virtnet:overlay> element', () => {
  it('reads the VNI, 1 to 16777215', () => {
    assert.deepEqual(readOverlay(net("vni='1'")), { vni: 1 });
    assert.deepEqual(readOverlay(net("vni='16777215'")), { vni: 16777215 });
    assert.equal(
      readOverlay(parseNetworkXml("<network><name>x</name><bridge name='b'/></network>")),
      undefined,
    );
  });

  it('refuses a VNI outside the range or not a number, a missing VNI: XML errors at define', () => {
    for (const v of [
      "vni='0'",
      "vni='16777216'",
      "vni='-1'",
      "vni='1e3'",
      "vni='0x10'",
      "vni=' 5'",
      "vni='99999999999'",
    ])
      refusal(() => validateNetworkDef(net(v)), 'XML_ERROR', /invalid VNI .* must be a number 1-16777215/);
    refusal(() => validateNetworkDef(net('')), 'XML_ERROR', /missing 'vni' attribute/);
    // like libvirt, the parser keeps the first element of a namespace in <metadata>: a second overlay is dropped
    const two = parseNetworkXml(
      `<network><name>t</name><metadata><a:overlay xmlns:a='https://virtnet.dev/xmlns/network-overlay/1' vni='1'/><b:overlay xmlns:b='https://virtnet.dev/xmlns/network-overlay/1' vni='2'/></metadata><bridge name='b'/></network>`,
    );
    assert.deepEqual(readOverlay(two), { vni: 1 });
  });

  it('an element of another namespace is not ours (a libvirt host keeps any metadata)', () => {
    const other = parseNetworkXml(
      `<network><name>o</name><metadata><x:overlay xmlns:x='https://example.org/other' vni='abc'/></metadata><bridge name='b'/></network>`,
    );
    assert.equal(readOverlay(other), undefined);
    validateNetworkDef(other);
  });

  it('is refused in the modes that cannot carry it (bridge, macvtap, hostdev) and with stp on', () => {
    refusal(
      () => validateNetworkDef(net("vni='7'", "<forward mode='bridge'/>", "<bridge name='br0'/>")),
      'CONFIG_UNSUPPORTED',
      /forward mode='bridge' cannot carry <virtnet:overlay>/,
    );
    for (const mode of ['private', 'vepa', 'passthrough'])
      refusal(
        () => validateNetworkDef(net("vni='7'", `<forward mode='${mode}' dev='eth0'/>`, '')),
        'CONFIG_UNSUPPORTED',
        new RegExp(`mode='${mode}' cannot carry`),
      );
    refusal(
      () => validateNetworkDef(net("vni='7'", "<forward mode='nat'/>", "<bridge name='vb0' stp='on'/>")),
      'CONFIG_UNSUPPORTED',
      /cannot run STP/,
    );
    for (const forward of ["<forward mode='nat'/>", "<forward mode='route'/>", "<forward mode='open'/>", ''])
      validateNetworkDef(net("vni='7'", forward));
  });

  it('round-trips through define and dumpxml, and withOverlay adds or removes only it', () => {
    const def = applyDefineDefaults(net(), ctx);
    const xml = formatNetworkXml(def, { inactive: true });
    assert.match(
      xml,
      /<virtnet:overlay xmlns:virtnet="https:\/\/virtnet.dev\/xmlns\/network-overlay\/1" vni="100"\/>/,
    );
    assert.deepEqual(readOverlay(parseNetworkXml(xml)), { vni: 100 });
    assert.equal(formatNetworkXml(parseNetworkXml(xml), { inactive: true }), xml);
    const without = withOverlay(def, undefined);
    assert.equal(readOverlay(without), undefined);
    assert.equal(without.metadata, undefined);
    assert.deepEqual(readOverlay(withOverlay(without, { vni: 42 })), { vni: 42 });
  });
});

describe('what every member derives alike', () => {
  it('the gateway MAC from the VNI (locally administered, unicast), unless the XML has one', () => {
    assert.equal(overlayGatewayMac(100), '02:76:6e:00:00:64');
    assert.equal(overlayGatewayMac(16777215), '02:76:6e:ff:ff:ff');
    assert.equal(applyDefineDefaults(net(), ctx).mac, '02:76:6e:00:00:64');
    const given = parseNetworkXml(
      `<network><name>g</name>${el("vni='100'")}<bridge name='b'/><mac address='52:54:00:01:02:03'/></network>`,
    );
    assert.equal(applyDefineDefaults(given, ctx).mac, '52:54:00:01:02:03');
    // a network without an overlay keeps libvirt's random 52:54:00 MAC
    const plain = parseNetworkXml("<network><name>p</name><bridge name='b'/></network>");
    assert.equal(applyDefineDefaults(plain, ctx).mac, '52:54:00:ab:ab:ab');
  });

  it('STP off, written into the definition', () => {
    assert.equal(applyDefineDefaults(net(), ctx).bridge?.stp, false);
    assert.match(formatNetworkXml(applyDefineDefaults(net(), ctx), { inactive: true }), /stp='off'/);
  });

  it('the VXLAN device name, and the other network that has a VNI already', () => {
    assert.equal(vxlanDeviceName(16777215), 'vxlan16777215');
    assert.ok(vxlanDeviceName(16777215).length <= 15);
    const other = { ...net("vni='100'"), name: 'other' };
    assert.equal(vniOwner(net(), [other]), 'other');
    assert.equal(vniOwner(net(), [{ ...net("vni='101'"), name: 'x' }]), undefined);
    assert.equal(vniOwner(net(), [net()]), undefined, 'the network itself is no clash');
  });

  it("the MTU: the underlay's minus 50, at most 1500; the XML's when it fits, an error naming both when not", () => {
    const plain = net();
    assert.deepEqual(overlayMtu(plain, 1500), { mtu: 1450 });
    assert.deepEqual(overlayMtu(plain, 9000), { mtu: 1500 });
    const big = { ...plain, mtu: 1500 };
    const e = overlayMtu(big, 1500);
    assert.ok(
      'error' in e &&
        /MTU 1500, but VXLAN needs 50 bytes more .* underlay's MTU is 1500: lower <mtu size> to 1450/.test(
          e.error,
        ),
    );
    assert.deepEqual(overlayMtu(big, 1550), { mtu: 1500 });
    assert.ok('error' in overlayMtu(plain, 1300));
  });
});

describe('virtnetd --overlay-* flags', () => {
  const host = ['127.0.0.1', '10.0.0.1', '192.0.2.5'];
  const parse = (i: { address?: string; peers?: string; asn?: string }) => parseOverlayConfig(i, host);

  it('normalises: peers sorted and unique, AS 65000 by default', () => {
    assert.deepEqual(parse({ address: '10.0.0.1', peers: '10.0.0.12, 10.0.0.3,10.0.0.3' }), {
      address: '10.0.0.1',
      peers: ['10.0.0.3', '10.0.0.12'],
      asn: 65000,
    });
    assert.equal(parse({ address: '10.0.0.1', peers: '10.0.0.2', asn: '4200000000' })?.asn, 4200000000);
    assert.equal(parse({}), undefined);
    assert.deepEqual(overlayMembers({ address: '10.0.0.9', peers: ['10.0.0.10', '10.0.0.2'], asn: 1 }), [
      '10.0.0.2',
      '10.0.0.9',
      '10.0.0.10',
    ]);
  });

  it('refuses an address not on this host, a peer list naming this host, bad peers and AS numbers', () => {
    const bad: Array<[Parameters<typeof parse>[0], RegExp]> = [
      [
        { address: '10.0.0.7', peers: '10.0.0.2' },
        /--overlay-address 10\.0\.0\.7 is not an address of this host \(10\.0\.0\.1, 192\.0\.2\.5\)/,
      ],
      [
        { address: '10.0.0.1', peers: '10.0.0.2,192.0.2.5' },
        /--overlay-peers lists 192\.0\.2\.5, an address of this host/,
      ],
      [{ address: '10.0.0.1', peers: '10.0.0.1' }, /an address of this host/],
      [{ address: '10.0.0.1', peers: '' }, /needs at least one peer/],
      [{ address: '10.0.0.1' }, /needs at least one peer/],
      [{ address: '10.0.0.1', peers: '10.0.0.2;reboot' }, /overlay peer must be an IPv4 address/],
      [{ address: '10.0.0.1', peers: '224.0.0.5' }, /cannot be a VTEP/],
      [{ address: 'fd00::1', peers: '10.0.0.2' }, /is IPv6/],
      [{ address: '10.0.0.1', peers: '10.0.0.2', asn: '0' }, /--overlay-asn must be an AS number/],
      [{ address: '10.0.0.1', peers: '10.0.0.2', asn: '4294967296' }, /--overlay-asn must be an AS number/],
      [{ peers: '10.0.0.2' }, /need --overlay-address/],
      [
        { address: '10.0.0.1', peers: Array.from({ length: 65 }, (_, i) => `10.1.0.${i + 1}`).join(',') },
        /at most 64/,
      ],
    ];
    for (const [input, re] of bad) refusal(() => parse(input), 'INVALID_ARG', re);
  });
});
