// netmode's reasoning from facts and from libvirt XML files (no daemon).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explainGuest, explainLibvirtXml, explainNetwork, explainPort } from '../../../src/model/netmode.js';

const natFacts = {
  name: 'default',
  mode: 'nat',
  active: true,
  checked: true,
  bridge: 'virbr0',
  subnets: ['192.168.122.0/24'],
  members: ['vnet0'],
  drift: [],
  dnsmasq: true,
  firewallRules: true,
  leases: 1,
};

describe('netmode from facts', () => {
  it('a healthy NAT network: mode, summary, evidence, no problems', () => {
    const r = explainNetwork(natFacts);
    assert.equal(r.mode, 'nat');
    assert.equal(r.summary, 'NAT on network default (virbr0)');
    assert.ok(r.evidence.includes('bridge virbr0 with ports vnet0'));
    assert.deepEqual(r.problems, []);
  });

  it('drift and an inactive network are problems', () => {
    assert.deepEqual(explainNetwork({ ...natFacts, drift: ['dnsmasq is not running'] }).problems, [
      'dnsmasq is not running',
    ]);
    assert.match(explainNetwork({ ...natFacts, active: false }).problems[0] ?? '', /is not active/);
  });

  it('evidence never claims what a problem denies', () => {
    const dead = explainNetwork({ ...natFacts, drift: ['dnsmasq is not running'] });
    assert.ok(!dead.evidence.some((e) => /dnsmasq serves/.test(e)), dead.evidence.join('\n'));
    assert.ok(explainNetwork(natFacts).evidence.includes('dnsmasq serves DHCP/DNS on it'));
    const degraded = explainNetwork({ ...natFacts, degraded: 'dnsmasq exited 5 times' });
    assert.ok(!degraded.evidence.some((e) => /dnsmasq serves/.test(e)));
    assert.match(degraded.problems[0] ?? '', /dnsmasq cannot be kept running \(dnsmasq exited 5 times\)/);
    const noRules = explainNetwork({ ...natFacts, drift: ['nft chain br_virbr0 is missing'] });
    assert.ok(!noRules.evidence.some((e) => /nft chain .* present/.test(e)), noRules.evidence.join('\n'));
    const noBridge = explainNetwork({ ...natFacts, drift: ['bridge virbr0 is missing'] });
    assert.ok(!noBridge.evidence.some((e) => /^bridge virbr0 with/.test(e)));
    // every evidence line against every problem: the same subject is never both there and not
    for (const r of [dead, degraded, noRules, noBridge]) {
      for (const p of r.problems) {
        const subject = /^(dnsmasq|nft chain \S+|bridge \S+)/.exec(p)?.[1];
        if (subject)
          assert.ok(!r.evidence.some((e) => e.startsWith(subject)), `${p} vs ${r.evidence.join('; ')}`);
      }
    }
  });

  it('a port on the wrong bridge contradicts the definition; a guest with two modes is mixed', () => {
    const network = explainNetwork(natFacts);
    const wrong = explainPort({
      device: 'vnet0',
      mac: '52:54:00:00:00:01',
      master: 'br0',
      bridge: 'virbr0',
      deviceExists: true,
      addresses: [],
      network,
    });
    assert.deepEqual(wrong.problems, ['device vnet0 is on bridge br0, expected virbr0']);
    const iso = explainNetwork({ ...natFacts, name: 'iso', mode: 'isolated', bridge: 'virbr1' });
    const right = explainPort({
      device: 'vnet1',
      mac: '52:54:00:00:00:02',
      master: 'virbr1',
      bridge: 'virbr1',
      deviceExists: true,
      addresses: ['10.0.0.5/24'],
      network: iso,
    });
    assert.equal(right.mode, 'isolated');
    assert.equal(explainGuest('vm', [wrong, right]).mode, 'mixed');
    assert.equal(explainGuest('vm', [right]).summary, 'vm: isolated via vnet1 on network iso');
  });
});

describe('netmode --libvirt-xml', () => {
  it('a network file: the forward mode decides', () => {
    const r = explainLibvirtXml(
      `<network><name>r</name><forward mode='route'/><bridge name='virbr9'/><ip address='10.9.0.1' prefix='24'/></network>`,
      'r.xml',
    );
    assert.equal(r.mode, 'route');
    const iso = explainLibvirtXml(
      `<network><name>i</name><ip address='10.8.0.1' prefix='24'/></network>`,
      'i.xml',
    );
    assert.equal(iso.mode, 'isolated');
  });

  it('a network file: subnets, not addresses, and nothing claimed about the host', () => {
    const r = explainLibvirtXml(
      `<network><name>n</name><forward mode='nat'/><bridge name='virbr7'/>
        <ip address='192.168.122.1' netmask='255.255.255.0'><dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp></ip>
        <ip family='ipv6' address='fd00:7::1' prefix='64'/></network>`,
      'n.xml',
    );
    assert.ok(r.evidence.includes('subnets: 192.168.122.0/24, fd00:7::/64'), r.evidence.join('\n'));
    assert.ok(!r.evidence.some((e) => /192\.168\.122\.1\b/.test(e)));
    assert.deepEqual(r.problems, [], 'no state, no "not active"');
    for (const e of r.evidence.filter((x) => /bridge|nft|dnsmasq/.test(x)))
      assert.match(e, /host state not checked/, e);
  });

  it("a domain file: source network= resolved against virtnet's networks, unknown ones flagged", () => {
    const xml = `<domain type='kvm'><name>vm</name><devices>
        <interface type='network'><source network='default'/></interface>
        <interface type='network'><source network='lab'/></interface>
        <interface type='bridge'><source bridge='vnbr-r'/></interface>
      </devices></domain>`;
    const networks = [
      { name: 'default', mode: 'nat', active: true, bridge: 'virbr0' },
      { name: 'routed', mode: 'route', active: false, bridge: 'vnbr-r' },
    ];
    const r = explainLibvirtXml(xml, 'vm.xml', { networks });
    assert.deepEqual(
      r.interfaces?.map((i) => i.mode),
      ['nat', 'unknown', 'route'],
    );
    assert.equal(r.interfaces?.[0]?.summary, 'NAT on network default (virbr0)');
    assert.deepEqual(r.interfaces?.[1]?.problems, [
      "network 'lab' is not defined in virtnet (defined: default, routed): the guest would not start",
    ]);
    assert.ok(r.problems.some((p) => p.includes("'lab' is not defined")));
    const down = explainLibvirtXml(xml, 'vm.xml', {
      networksUnknown: 'virtnetd does not answer: Connection refused',
    });
    assert.equal(down.interfaces?.[0]?.mode, 'unknown');
    assert.match(down.evidence.join('\n'), /not looked up \(virtnetd does not answer: Connection refused\)/);
    assert.deepEqual(down.problems, []);
  });

  it('a domain file: each interface type means a mode', () => {
    const r = explainLibvirtXml(
      `<domain type='kvm'><name>vm</name><devices>
        <interface type='network'><mac address='aa:bb:cc:dd:ee:ff'/><source network='default'/><target dev='testnet0'/></interface>
        <interface type='bridge'><source bridge='br0'/></interface>
        <interface type='direct'><source dev='eth0' mode='bridge'/></interface>
        <interface type='user'/>
      </devices></domain>`,
      'vm.xml',
    );
    assert.deepEqual(
      r.interfaces?.map((i) => i.mode),
      ['unknown', 'bridge', 'direct', 'user'],
    );
    assert.equal(r.mode, 'mixed');
    assert.match(r.interfaces?.[2]?.summary ?? '', /host itself cannot reach the guest/);
  });

  it('anything else is refused', () => {
    assert.throws(
      () => explainLibvirtXml('<pool/>', 'p.xml'),
      /expected a libvirt <network> or <domain> document/,
    );
  });
});
