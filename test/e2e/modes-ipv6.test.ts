// IPv6 with packets: a routed network with an IPv6 subnet (static guest address) forwards both ways without NAT.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { canRunE2e, Topology } from './harness/topology.js';

const skip = canRunE2e();

describe('IPv6 on a routed network', { skip }, () => {
  let t: Topology;
  let g1: string;
  const guest6 = 'fd00:145::10';
  const up6 = 'fd00:ff::1';

  before(async () => {
    t = new Topology();
    t.sh(['ip', '-n', t.upNs, '-6', 'addr', 'add', `${up6}/64`, 'dev', 'eth0', 'nodad']);
    t.sh(['ip', '-n', t.hostNs, '-6', 'addr', 'add', 'fd00:ff::2/64', 'dev', 'uplink0', 'nodad']);
    t.sh(['ip', '-n', t.hostNs, '-6', 'route', 'add', 'default', 'via', up6]);
    t.sh(['ip', '-n', t.upNs, '-6', 'route', 'add', 'fd00:145::/64', 'via', 'fd00:ff::2']);
    await t.startDaemon();
    await t.startNetwork(`<network>
  <name>v6net</name>
  <forward mode='route'/>
  <bridge name='vnbr-v6'/>
  <ip address='192.168.145.1' netmask='255.255.255.0'/>
  <ip family='ipv6' address='fd00:145::1' prefix='64'/>
</network>`);
    await t.echoServer(t.upNs, 8080);
    g1 = t.addGuest('g1', 'vnbr-v6');
    t.sh(['ip', '-n', g1, '-6', 'addr', 'add', `${guest6}/64`, 'dev', 'eth0', 'nodad']);
    t.sh(['ip', '-n', g1, '-6', 'route', 'add', 'default', 'via', 'fd00:145::1']);
    await t.echoServer(g1, 9090);
  });
  after(() => t?.destroy());

  test('the bridge carries the IPv6 address and forwarding is on in the host namespace', () => {
    const addrs = t.sh(['ip', '-n', t.hostNs, '-6', '-br', 'addr', 'show', 'dev', 'vnbr-v6']);
    assert.match(addrs, /fd00:145::1\/64/);
    const fwd = t.sh(['ip', 'netns', 'exec', t.hostNs, 'cat', '/proc/sys/net/ipv6/conf/all/forwarding']);
    assert.equal(fwd.trim(), '1');
  });

  test('guest to upstream over IPv6 keeps the guest address', () => {
    assert.equal(t.tcp(g1, up6, 8080), guest6);
  });

  test('upstream reaches the guest over IPv6', () => {
    assert.equal(t.tcp(t.upNs, guest6, 9090), up6);
  });
});
