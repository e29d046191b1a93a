// Parse/validate rules beyond the conformance vectors: malformed XML positions, libvirt's refusals, defaults.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isVirtError, type VirtError } from '../../../src/model/errors.js';
import { applyDefineDefaults, liveNetworkDef } from '../../../src/model/network-defaults.js';
import { formatNetworkXml } from '../../../src/model/network-format.js';
import { parseNetworkXml } from '../../../src/model/network-parse.js';
import { validateNetworkDef } from '../../../src/model/network-validate.js';

function refusal(xml: string): VirtError {
  try {
    validateNetworkDef(parseNetworkXml(xml));
  } catch (e) {
    assert.ok(isVirtError(e), String(e));
    return e;
  }
  assert.fail(`accepted: ${xml}`);
}

const net = (body: string) => `<network><name>n</name>${body}</network>`;

describe('malformed XML reports line and column', () => {
  test('tag mismatch names both tags', () => {
    const e = refusal("<network>\n  <name>x</name>\n  <bridge name='a'>\n</network>\n");
    assert.equal(e.code, 'XML_ERROR');
    assert.deepEqual(e.position, { line: 4, column: 10 });
    assert.equal(
      e.message,
      'XML error: line 4, column 10: Opening and ending tag mismatch: bridge and network',
    );
  });
  test('unclosed document', () => {
    const e = refusal('<network>\n<name>x</name>');
    assert.match(e.message, /^XML error: line 2, column \d+: Premature end of data in tag network$/);
    assert.equal(e.position?.line, 2);
  });
  test('duplicate attribute and empty document', () => {
    assert.match(
      refusal(net("<ip address='1.2.3.4' address='1.2.3.5'/>")).message,
      /Attribute address redefined/,
    );
    assert.equal(refusal('').message, 'XML error: line 1, column 1: Document is empty');
  });
  test('wrong root element', () => {
    assert.equal(
      refusal('<domain/>').message,
      "XML error: expecting root element of 'network', not 'domain'",
    );
  });
  test('semantic errors carry the offending element position', () => {
    const e = refusal("<network>\n<name>n</name>\n<mac address='01:00:00:00:00:01'/>\n</network>");
    assert.equal(
      e.message,
      "XML error: Invalid multicast bridge mac address '01:00:00:00:00:01' in network 'n'",
    );
    assert.equal(e.position?.line, 3);
  });
});

describe("libvirt 9.0's refusals", () => {
  const cases: Array<[string, string]> = [
    ['<network><name></name></network>', 'missing name information'],
    ['<network><name>a/b</name></network>', 'invalid char in name: /'],
    ['<network><name>a&#10;b</name></network>', 'invalid char in name: \n'],
    ['<network><name>a&#9;b</name></network>', 'invalid char in name: 0x09'],
    ['<network><name>n</name><uuid>xyz</uuid></network>', 'internal error: malformed uuid element'],
    [
      net("<forward mode='nat'/>"),
      "XML error: nat forwarding requested, but no IP address provided for network 'n'",
    ],
    [
      net("<forward mode='route'><interface dev='a'/><interface dev='b'/></forward><ip address='10.0.0.1'/>"),
      "XML error: multiple forwarding interfaces specified for network 'n', only one is supported",
    ],
    [
      net("<forward mode='open' dev='eth0'/><ip address='10.0.0.1' prefix='24'/>"),
      "XML error: forward dev not allowed for network 'n' with forward mode='open'",
    ],
    [
      net("<forward mode='bridge'/><bridge name='br0' stp='on'/>"),
      "XML error: bridge delay/stp/zone options only allowed in route, nat, and isolated mode, not in bridge (network 'n')",
    ],
    [
      net("<forward mode='private' dev='eth0'/><bridge name='br0'/>"),
      "XML error: bridge name not allowed in private mode (network 'n')",
    ],
    [
      net("<forward mode='bridge'/><bridge name='br0'/><mtu size='9000'/>"),
      "XML error: mtu size only allowed in open, route, nat, and isolated mode, not in bridge (network 'n')",
    ],
    [
      net("<ip address='10.0.0.1' prefix='24'/><route address='10.1.0.0' prefix='16' gateway='10.2.0.1'/>"),
      "unsupported configuration: unreachable static route gateway '10.2.0.1' specified for network 'n'",
    ],
    [
      net("<forward mode='bridge'><interface dev='eth0'/></forward><mac address='52:54:00:00:00:01'/>"),
      "unsupported configuration: Unsupported <mac> element in network n with forward mode='bridge'",
    ],
    [
      net(
        "<forward mode='vepa'><interface dev='eth0'/></forward><bandwidth><inbound average='1'/></bandwidth>",
      ),
      "unsupported configuration: Unsupported network-wide <bandwidth> element in network n with forward mode='vepa'",
    ],
    [
      net("<forward mode='hostdev'><interface dev='eth0'/></forward>"),
      "unsupported configuration: hostdev network 'n' lists 'eth0' in the device pool, but hostdev networks require all devices to be listed by PCI address, not network device name",
    ],
    [
      net("<forward mode='nat'><nat><port start='2000' end='1000'/></nat></forward><ip address='10.0.0.1'/>"),
      "Missing or invalid 'end' attribute in <port> in <nat> in <forward> in network n",
    ],
    [
      net("<ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.1.2' end='10.0.1.9'/></dhcp></ip>"),
      'internal error: range 10.0.1.2 - 10.0.1.9 is not entirely within network 10.0.0.1/24',
    ],
    [
      net("<portgroup name='a' default='yes'/><portgroup name='b' default='yes'/>"),
      "unsupported configuration: network 'n' has multiple default <portgroup> elements (a and b), but only one default is allowed",
    ],
    [
      net("<portgroup name='a'/><portgroup name='a'/>"),
      "unsupported configuration: multiple <portgroup> elements with the same name (a) in network 'n'",
    ],
    [
      net("<ip address='10.0.0.1' prefix='24'/><route address='10.1.2.0' prefix='16' gateway='10.0.0.2'/>"),
      "XML error: n: Address '10.1.2.0' in route definition is not a network address",
    ],
    [
      net("<ip address='10.0.0.1' prefix='24'/><route address='10.1.0.0' gateway='10.0.0.2' metric='0'/>"),
      "XML error: Invalid value for attribute 'metric' in element 'route': Zero is not permitted",
    ],
    [
      net("<ip address='10.0.0.1' prefix='24'/><dns><srv service='ldap' protocol='tcp' port='389'/></dns>"),
      "DNS SRV port attribute not permitted without target for service 'ldap' in network 'n'",
    ],
    [
      net("<ip address='10.0.0.1' prefix='33'/>"),
      "unsupported configuration: Invalid IPv4 prefix '33' in network 'n'",
    ],
    [
      net("<ip address='10.0.0.1' localPtr='maybe'/>"),
      "XML error: Invalid value for attribute 'localPtr' in element 'ip': 'maybe'.",
    ],
    [net('<virtualport/>'), 'XML error: missing required virtualport type'],
    [
      net("<dns enable='no'><host ip='10.0.0.2'><hostname>h</hostname></host></dns>"),
      "XML error: Extra data in disabled network 'n'",
    ],
  ];
  for (const [xml, message] of cases) {
    test(message, () => assert.equal(refusal(xml).message, message));
  }
});

describe('injection guard (stricter than libvirt)', () => {
  test('control characters in strings that reach dnsmasq are refused', () => {
    const xml = net(
      "<ip address='10.0.0.1' prefix='24'/><dns><txt name='t' value='a&#10;dhcp-script=/tmp/x'/></dns>",
    );
    assert.equal(
      refusal(xml).message,
      "XML error: invalid control character 0x0a in dns.txts[0].value of network 'n'",
    );
  });
  test('a newline in <description> is fine', () => {
    validateNetworkDef(parseNetworkXml(net('<description>two\nlines</description>')));
  });
});

describe('tolerated like libvirt', () => {
  test('unknown elements and attributes are ignored', () => {
    const def = parseNetworkXml(net("<frobnicate/><bridge name='b0' colour='red'/>"));
    validateNetworkDef(def);
    assert.equal(def.bridge?.name, 'b0');
  });
  test('uuid with dashes anywhere and upper case is canonicalised', () => {
    const def = parseNetworkXml(net('<uuid>81FF0D90-C91E6742-64da37dd-a3a5e6fd</uuid>'));
    assert.equal(def.uuid, '81ff0d90-c91e-6742-64da-37dda3a5e6fd');
  });
});

describe('define defaults', () => {
  const ctx = (used: string[]) => ({
    bridgeInUse: (b: string) => used.includes(b),
    random: (n: number) => new Uint8Array(n).map((_, i) => 0xa0 + i),
  });
  test('lowest free virbrN, v4 uuid, 52:54:00 MAC; input untouched', () => {
    const input = parseNetworkXml(net("<ip address='10.0.0.1'/>"));
    const def = applyDefineDefaults(input, ctx(['virbr0', 'virbr1']));
    assert.equal(def.bridge?.name, 'virbr2');
    assert.match(def.uuid ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(def.mac, '52:54:00:a0:a1:a2');
    assert.equal(input.uuid, undefined);
    assert.equal(input.bridge, undefined);
  });
  test('%d template is expanded; bridge-mode networks get no bridge or MAC', () => {
    const t = applyDefineDefaults(parseNetworkXml(net("<bridge name='lab%d'/>")), ctx(['lab0']));
    assert.equal(t.bridge?.name, 'lab1');
    const b = applyDefineDefaults(
      parseNetworkXml(net("<forward mode='bridge'/><bridge name='br0'/>")),
      ctx([]),
    );
    assert.equal(b.bridge?.name, 'br0');
    assert.equal(b.mac, undefined);
  });
  test('no free virbrN up to 256 is an error', () => {
    const def = parseNetworkXml(net("<ip address='10.0.0.1'/>"));
    assert.throws(
      () => applyDefineDefaults(def, { bridgeInUse: () => true, random: (n) => new Uint8Array(n) }),
      (e: Error) => e.message === 'internal error: Bridge generation exceeded max id 256',
    );
  });
  test('live XML of a nat network shows the default port range; inactive XML does not', () => {
    const def = parseNetworkXml(net("<forward mode='nat'/><ip address='10.0.0.1' prefix='24'/>"));
    assert.doesNotMatch(formatNetworkXml(def, { inactive: true }), /<port /);
    assert.match(formatNetworkXml(liveNetworkDef(def)), /<port start='1024' end='65535'\/>/);
  });
});

test('virtualport parameters: only the known ones, in libvirt order (interfaceid before profileid)', () => {
  const def = parseNetworkXml(`<network><name>v</name><forward mode='bridge'/><bridge name='br0'/>
<virtualport type='openvswitch'><parameters profileid='p' bogus='x' interfaceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f'/></virtualport></network>`);
  assert.match(
    formatNetworkXml(def),
    /<parameters interfaceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f' profileid='p'\/>/,
  );
});
