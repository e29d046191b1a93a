// define-guest's reading of a libvirt domain XML: name, uuid, network and bridge interfaces; the rest is ignored.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDomainInterfaces } from '../../../src/model/domain-interfaces.js';

// the <interface> of libvirt 9.0's virsh output for domain-interface.xml
const CONFORMANCE_IFACE = `    <interface type='network'>
      <mac address='aa:bb:cc:dd:ee:ff'/>
      <source network='default'/>
      <target dev='testnet0'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
    </interface>`;

const domain = (devices: string, head = '<name>vm1</name>') =>
  `<domain type='kvm'>\n  ${head}\n  <memory unit='KiB'>1048576</memory>\n  <devices>\n${devices}\n  </devices>\n</domain>\n`;

describe('parseDomainInterfaces', () => {
  it("reads libvirt's network interface (conformance case)", () => {
    const d = parseDomainInterfaces(domain(CONFORMANCE_IFACE));
    assert.deepEqual(d, {
      name: 'vm1',
      interfaces: [{ type: 'network', network: 'default', mac: 'aa:bb:cc:dd:ee:ff', target: 'testnet0' }],
      ignored: [],
    });
  });

  it('reads uuid, portgroup, model and bridge interfaces; notes other types and devices', () => {
    const d = parseDomainInterfaces(
      domain(
        `    <disk type='file' device='disk'><source file='/x.qcow2'/><target dev='vda'/></disk>
    <interface type='network'>
      <source network='lan' portgroup='slow'/>
      <model type='virtio'/>
    </interface>
    <interface type='bridge'>
      <mac address='52:54:00:AA:BB:01'/>
      <source bridge='br0'/>
    </interface>
    <interface type='direct'><source dev='eth0' mode='vepa'/></interface>
    <interface type='user'/>`,
        '<name>web</name><uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>',
      ),
    );
    assert.equal(d.name, 'web');
    assert.equal(d.uuid, 'c7a5fdbd-edaf-9455-926a-d65c16db1809');
    assert.deepEqual(d.interfaces, [
      { type: 'network', network: 'lan', portgroup: 'slow', model: 'virtio' },
      { type: 'bridge', bridge: 'br0', mac: '52:54:00:aa:bb:01' },
    ]);
    assert.deepEqual(d.ignored, ["device 'disk'", "interface type 'direct'", "interface type 'user'"]);
  });

  it('a domain without devices has no interfaces', () => {
    assert.deepEqual(parseDomainInterfaces('<domain><name>empty</name></domain>'), {
      name: 'empty',
      interfaces: [],
      ignored: [],
    });
  });

  it('rejects other documents, a missing name, a source-less interface and malformed XML', () => {
    assert.throws(() => parseDomainInterfaces('<network><name>n</name></network>'), /expected a <domain>/);
    assert.throws(() => parseDomainInterfaces('<domain><devices/></domain>'), /no <name>/);
    assert.throws(
      () => parseDomainInterfaces(domain("<interface type='bridge'><source network='x'/></interface>")),
      /no <source bridge=/,
    );
    assert.throws(() => parseDomainInterfaces('<domain><name>x</name>'), /Premature end of data/);
    // libvirt's NET_MODEL_CHARS: a model name never reaches QEMU's command line with other characters
    assert.throws(
      () =>
        parseDomainInterfaces(
          domain("<interface type='network'><source network='x'/><model type='virtio,x=1'/></interface>"),
        ),
      /model 'virtio,x=1' must be 1-64 of letters, digits/,
    );
  });
});
