// netmode's reasoning from facts and from libvirt XML files (no daemon).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explainGuest, explainLibvirtXml, explainNetwork, explainPort } from '../../../src/model/netmode.js';

const natFacts = {
  name: 'default',
  mode: 'nat',
  active: true,
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
      ['nat', 'bridge', 'direct', 'user'],
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
