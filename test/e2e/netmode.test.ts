// netmode against a real host: --libvirt-xml on a domain resolves `source network=` against virtnet's networks
// and flags unknown ones; on a network file it gives subnets and claims nothing about the host; with the
// daemon down it answers from the kernel alone.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { canRunE2e, Topology } from './harness/topology.js';

const NET = '192.168.178';

describe('netmode', { skip: canRunE2e() }, () => {
  let t: Topology;
  let guestPort: string;

  before(async () => {
    t = new Topology();
    await t.startDaemon(['--heal-interval', '0']);
    await t.startNetwork(`<network><name>nmnet</name><forward mode='nat'/><bridge name='vnbr-nm' stp='off'/>
  <ip address='${NET}.1' netmask='255.255.255.0'><dhcp><range start='${NET}.100' end='${NET}.149'/></dhcp></ip>
</network>`);
    t.addGuest('g', 'vnbr-nm');
    guestPort = `vg-${t.id}-g`.slice(0, 15);
  });
  after(() => t?.destroy());

  test('the running network: dnsmasq is seen serving, no contradiction', () => {
    const r = t.virtnet(['netmode', 'nmnet']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /dnsmasq serves DHCP\/DNS on it/);
    assert.match(r.stdout, /subnets: 192\.168\.178\.0\/24/);
  });

  test('--libvirt-xml on a domain: virtnet networks resolved, an unknown one flagged (exit 1)', () => {
    const file = join(t.dir, 'vm.xml');
    writeFileSync(
      file,
      `<domain type='kvm'><name>vm</name><devices>
  <interface type='network'><mac address='52:54:00:78:00:01'/><source network='nmnet'/></interface>
  <interface type='network'><mac address='52:54:00:78:00:02'/><source network='nosuch'/></interface>
</devices></domain>`,
    );
    const r = t.virtnet(['netmode', '--libvirt-xml', file]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /NAT on network nmnet \(vnbr-nm\)/);
    assert.match(r.stdout, /network 'nosuch' is not defined in virtnet \(defined: nmnet\)/);
  });

  test('--libvirt-xml on a network file: subnets, host state not checked', () => {
    const file = join(t.dir, 'net.xml');
    writeFileSync(
      file,
      `<network><name>other</name><forward mode='route'/><bridge name='vnbr-zz'/><ip address='10.178.0.1' prefix='24'/></network>`,
    );
    const r = t.virtnet(['netmode', '--libvirt-xml', file]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /subnets: 10\.178\.0\.0\/24/);
    assert.doesNotMatch(r.stdout, /10\.178\.0\.1\b/);
    assert.match(r.stdout, /bridge vnbr-zz \(from the definition; host state not checked\)/);
    assert.doesNotMatch(r.stdout, /not active|present\b/);
  });

  test('with the daemon down: the kernel alone, for a bridge and for a device on it', () => {
    t.killDaemon();
    const br = t.virtnet(['netmode', 'vnbr-nm']);
    assert.equal(br.code, 0, br.stdout + br.stderr);
    assert.match(br.stdout, /virtnetd does not answer \(.*\): from the kernel alone/);
    assert.match(br.stdout, /bridge vnbr-nm is up, addresses 192\.168\.178\.1\/24/);
    assert.match(br.stdout, new RegExp(`its ports: ${guestPort} \\(veth\\)`));
    const dev = t.virtnet(['netmode', guestPort]);
    assert.equal(dev.code, 0, dev.stdout + dev.stderr);
    assert.match(dev.stdout, new RegExp(`device ${guestPort} \\(veth\\) is a port of bridge vnbr-nm`));
    const none = t.virtnet(['netmode', 'nmnet']);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr + none.stdout, /network and guest names need the daemon/);
    // the domain file still reads, saying what it could not look up
    const file = join(t.dir, 'vm.xml');
    const r = t.virtnet(['netmode', '--libvirt-xml', file]);
    assert.match(r.stdout, /not looked up \(virtnetd does not answer/);
  });
});
