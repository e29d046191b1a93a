// dnsmasq helpers: when libvirt runs a dnsmasq at all, the command line, reverse-DNS zones.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseIp } from '../../../src/model/addr.js';
import { emptyNetworkDef, type IpDef, type NetworkDef } from '../../../src/model/network-def.js';
import { dnsmasqArgs, needsDnsmasq, ptrZone } from '../../../src/render/dnsmasq-conf.js';

function net(ips: IpDef[], dnsEnable?: boolean): NetworkDef {
  const def = emptyNetworkDef('n');
  def.ips.push(...ips);
  if (dnsEnable !== undefined) def.dns = { enable: dnsEnable, forwarders: [], txts: [], srvs: [], hosts: [] };
  return def;
}

const withDhcp: IpDef = {
  address: '192.168.1.1',
  prefix: 24,
  dhcp: { ranges: [{ start: '192.168.1.2', end: '192.168.1.9' }], hosts: [] },
};

test('needsDnsmasq follows libvirt: no IP → none; DNS off and no DHCP → none', () => {
  assert.equal(needsDnsmasq(net([])), false);
  assert.equal(needsDnsmasq(net([], true)), false);
  assert.equal(needsDnsmasq(net([{ address: '192.168.1.1', prefix: 24 }])), true);
  assert.equal(needsDnsmasq(net([{ address: '192.168.1.1', prefix: 24 }], false)), false);
  assert.equal(needsDnsmasq(net([withDhcp], false)), true);
  const staticOnly: IpDef = {
    address: '192.168.1.1',
    prefix: 24,
    dhcp: { ranges: [], hosts: [{ mac: '52:54:00:00:00:01', ip: '192.168.1.5' }] },
  };
  assert.equal(needsDnsmasq(net([staticOnly], false)), true);
});

test('dnsmasqArgs: our conf and lease file, daemonizing (no foreground flag)', () => {
  assert.deepEqual(dnsmasqArgs('/s/n.conf', '/s/n.leases'), [
    '--conf-file=/s/n.conf',
    '--dhcp-leasefile=/s/n.leases',
  ]);
});

test('ptrZone: whole octets / nibbles only', () => {
  const v4 = parseIp('192.168.122.1');
  const v6 = parseIp('2001:db8:ac10:fd01::1');
  assert.ok(v4 && v6);
  assert.equal(ptrZone(v4, 24), '122.168.192.in-addr.arpa');
  assert.equal(ptrZone(v4, 16), '168.192.in-addr.arpa');
  assert.equal(ptrZone(v4, 20), undefined);
  assert.equal(ptrZone(v4, 0), undefined);
  assert.equal(ptrZone(v6, 64), '1.0.d.f.0.1.c.a.8.b.d.0.1.0.0.2.ip6.arpa');
  assert.equal(ptrZone(v6, 62), undefined);
});
