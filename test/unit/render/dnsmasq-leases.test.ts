// dnsmasq lease file parsing: IPv4 and IPv6 (duid / IAID) lines, absent fields, prefixes from the network.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { macFromDuid, parseDnsmasqLeases } from '../../../src/model/dnsmasq-leases.js';
import { emptyNetworkDef, type NetworkDef } from '../../../src/model/network-def.js';

function net(): NetworkDef {
  const def = emptyNetworkDef('default');
  def.ips.push(
    { address: '192.168.122.1', netmask: '255.255.255.0' },
    { address: '10.20.0.1', prefix: 16 },
    { family: 'ipv6', address: '2001:db8:ca2:2::1', prefix: 64 },
  );
  return def;
}

const FILE = [
  '1700000100 52:54:00:AA:BB:CC 192.168.122.10 guest1 01:52:54:00:aa:bb:cc',
  '0 52:54:00:11:22:33 10.20.5.7 * *',
  'duid 00:01:00:01:2c:3d:4e:5f:52:54:00:00:00:01',
  '1700000200 1234567 2001:db8:ca2:2::a5 guest6 00:01:00:01:2c:3d:4e:5f:52:54:00:de:ad:01',
  '1700000300 77 2001:db8:ca2:2::a6 * 00:02:00:00:ab:11:01:02:03:04',
  '',
].join('\n');

test('IPv4 lines: expiry, lower-case MAC, prefix from the matching <ip>, hostname and client id', () => {
  const [a, b] = parseDnsmasqLeases(FILE, net());
  assert.deepEqual(a, {
    expiryTime: 1700000100,
    mac: '52:54:00:aa:bb:cc',
    protocol: 'ipv4',
    ipaddr: '192.168.122.10',
    prefix: 24,
    hostname: 'guest1',
    clientid: '01:52:54:00:aa:bb:cc',
  });
  // '*' means absent; expiry 0 is an infinite lease
  assert.deepEqual(b, {
    expiryTime: 0,
    mac: '52:54:00:11:22:33',
    protocol: 'ipv4',
    ipaddr: '10.20.5.7',
    prefix: 16,
  });
});

test('IPv6 lines after the duid line: IAID, client DUID, MAC recovered from an LLT DUID', () => {
  const leases = parseDnsmasqLeases(FILE, net());
  assert.equal(leases.length, 4);
  assert.deepEqual(leases[2], {
    expiryTime: 1700000200,
    mac: '52:54:00:de:ad:01',
    protocol: 'ipv6',
    ipaddr: '2001:db8:ca2:2::a5',
    prefix: 64,
    hostname: 'guest6',
    clientid: '00:01:00:01:2c:3d:4e:5f:52:54:00:de:ad:01',
    iaid: '1234567',
  });
  // a DUID-EN carries no MAC
  assert.equal(leases[3]?.mac, '');
  assert.equal(leases[3]?.hostname, undefined);
  assert.equal(leases[3]?.iaid, '77');
});

test('addresses outside every <ip> fall back to /24 and /64', () => {
  const leases = parseDnsmasqLeases(
    '5 52:54:00:00:00:01 172.16.1.1 x *\n5 9 fd00::9 y 00:03:00:01:52:54:00:00:00:09\n',
    net(),
  );
  assert.deepEqual(
    leases.map((l) => [l.prefix, l.mac]),
    [
      [24, '52:54:00:00:00:01'],
      [64, '52:54:00:00:00:09'],
    ],
  );
});

test('malformed and partial lines are skipped, not thrown on', () => {
  const text =
    'garbage\nabc 52:54:00:00:00:01 192.168.122.2 h *\n12 52:54:00:00:00:01 not-an-ip h *\n12 52:54:00:00:00';
  assert.deepEqual(parseDnsmasqLeases(text, net()), []);
  assert.deepEqual(parseDnsmasqLeases('', net()), []);
});

test('macFromDuid: LL and LLT Ethernet DUIDs only', () => {
  assert.equal(macFromDuid('00:03:00:01:52:54:00:12:34:56'), '52:54:00:12:34:56');
  assert.equal(macFromDuid('0:1:0:1:18:aa:62:fe:0:16:3e:44:55:66'), '00:16:3e:44:55:66');
  assert.equal(macFromDuid('00:03:00:06:52:54:00:12:34:56'), ''); // not Ethernet
  assert.equal(macFromDuid('00:04:7e:7d:f0:7d:a8:bc:c5:d2:13:32:11:ed:16:ea:84:63'), ''); // UUID DUID
  assert.equal(macFromDuid('00:03:00:01:52:54'), '');
  assert.equal(macFromDuid('zz'), '');
});
