// NAT mode with packets: DHCP lease, DNS, masqueraded outbound, no inbound, guest-to-guest.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { canRunE2e, Topology } from './harness/topology.js';

const skip = canRunE2e();

describe('NAT network', { skip }, () => {
  let t: Topology;
  let g1: string;
  let g2: string;
  let ip1: string | undefined;
  let ip2: string | undefined;

  before(async () => {
    t = new Topology();
    await t.startDaemon();
    await t.startNetwork(`<network>
  <name>natnet</name>
  <forward mode='nat'/>
  <bridge name='vnbr-nat'/>
  <domain name='example.test'/>
  <dns><host ip='192.168.140.50'><hostname>files</hostname></host></dns>
  <ip address='192.168.140.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.140.100' end='192.168.140.199'/></dhcp>
  </ip>
</network>`);
    // the upstream knows a route to the guests: NAT must still refuse inbound connections
    t.sh(['ip', '-n', t.upNs, 'route', 'add', '192.168.140.0/24', 'via', t.hostUplinkAddr]);
    await t.echoServer(t.upNs, 8080);
    g1 = t.addGuest('g1', 'vnbr-nat');
    g2 = t.addGuest('g2', 'vnbr-nat');
    ip1 = t.dhcp(g1);
    ip2 = t.dhcp(g2);
  });
  after(() => t?.destroy());

  test('guests get leases inside the DHCP range', () => {
    for (const ip of [ip1, ip2]) assert.match(ip ?? 'none', /^192\.168\.140\.1\d\d$/);
  });

  test('the lease shows up in net-dhcp-leases', async () => {
    const r = await t.api('GET', '/v1/networks/natnet/leases');
    const leases = (r.json() as { leases: Array<{ ipaddr: string }> }).leases.map((l) => l.ipaddr);
    assert.ok(leases.includes(ip1 as string), `leases: ${leases}`);
  });

  test('DNS: a <dns><host> name resolves through the gateway', () => {
    assert.deepEqual(t.resolve(g1, 'files', '192.168.140.1'), ['192.168.140.50']);
    assert.deepEqual(t.resolve(g1, 'files.example.test', '192.168.140.1'), ['192.168.140.50']);
  });

  test('DNS at the gateway answers the bridge and the host, not a query from upstream (CVE-2012-3411)', () => {
    // dnsmasq binds 192.168.140.1 (bind-interfaces); the guard chain drops what reaches it from another interface
    assert.deepEqual(t.resolve(t.upNs, 'files', '192.168.140.1'), []);
    assert.deepEqual(t.resolve(t.hostNs, 'files', '192.168.140.1'), ['192.168.140.50']);
    assert.deepEqual(t.resolve(g2, 'files', '192.168.140.1'), ['192.168.140.50']);
  });

  test('outbound is masqueraded to the host uplink address', () => {
    assert.equal(t.tcp(g1, t.upAddr, 8080), t.hostUplinkAddr);
  });

  test('inbound connections from upstream are refused', async () => {
    await t.echoServer(g1, 9090);
    assert.equal(t.tcp(t.upNs, ip1 as string, 9090), undefined);
  });

  test('guest to guest works', () => {
    assert.ok(t.ping(g1, ip2 as string));
  });
});
