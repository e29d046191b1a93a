// Isolated mode with packets: lease and DNS from the host, guest-to-guest, nothing forwarded either way.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { canRunE2e, Topology } from './harness/topology.js';

const skip = canRunE2e();

describe('isolated network', { skip }, () => {
  let t: Topology;
  let g1: string;
  let g2: string;
  let ip1: string | undefined;
  let ip2: string | undefined;

  before(async () => {
    t = new Topology();
    // the host forwards for other reasons (as hosts with NAT networks do): isolation must come from virtnet's rules
    t.sh(['ip', 'netns', 'exec', t.hostNs, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    await t.startDaemon();
    await t.startNetwork(`<network>
  <name>isonet</name>
  <bridge name='vnbr-iso'/>
  <dns><host ip='192.168.142.7'><hostname>printer</hostname></host></dns>
  <ip address='192.168.142.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.142.2' end='192.168.142.254'/></dhcp>
  </ip>
</network>`);
    t.sh(['ip', '-n', t.upNs, 'route', 'add', '192.168.142.0/24', 'via', t.hostUplinkAddr]);
    await t.echoServer(t.upNs, 8080);
    g1 = t.addGuest('g1', 'vnbr-iso');
    g2 = t.addGuest('g2', 'vnbr-iso');
    ip1 = t.dhcp(g1);
    ip2 = t.dhcp(g2);
    // isolated DHCP announces no router; give g1 one anyway so only the firewall can stop its packets
    t.sh(['ip', '-n', g1, 'route', 'replace', 'default', 'via', '192.168.142.1']);
    await t.echoServer(g1, 9090);
  });
  after(() => t?.destroy());

  test('guests get leases', () => {
    for (const ip of [ip1, ip2]) assert.match(ip ?? 'none', /^192\.168\.142\.\d+$/);
  });

  test('DNS from the host works', () => {
    assert.deepEqual(t.resolve(g1, 'printer', '192.168.142.1'), ['192.168.142.7']);
  });

  test('guest to guest works', () => {
    assert.ok(t.ping(g1, ip2 as string));
  });

  test('nothing is forwarded to upstream', () => {
    assert.equal(t.tcp(g1, t.upAddr, 8080), undefined);
  });

  test('nothing is forwarded from upstream', () => {
    assert.equal(t.tcp(t.upNs, ip1 as string, 9090), undefined);
  });
});
