// Routed and open modes with packets: no NAT, inbound works once upstream has a route; open adds no rules.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { canRunE2e, Topology } from './harness/topology.js';

const skip = canRunE2e();

for (const mode of ['route', 'open'] as const) {
  describe(`${mode} network`, { skip }, () => {
    let t: Topology;
    let g1: string;
    let ip1: string | undefined;
    const bridge = `vnbr-${mode}`;

    before(async () => {
      t = new Topology();
      await t.startDaemon();
      await t.startNetwork(`<network>
  <name>${mode}net</name>
  <forward mode='${mode}'/>
  <bridge name='${bridge}'/>
  <ip address='192.168.141.1' prefix='24'>
    <dhcp><range start='192.168.141.10' end='192.168.141.20'/></dhcp>
  </ip>
</network>`);
      t.sh(['ip', '-n', t.upNs, 'route', 'add', '192.168.141.0/24', 'via', t.hostUplinkAddr]);
      await t.echoServer(t.upNs, 8080);
      g1 = t.addGuest('g1', bridge);
      ip1 = t.dhcp(g1);
      await t.echoServer(g1, 9090);
    });
    after(() => t?.destroy());

    test('guest gets a lease', () => {
      assert.match(ip1 ?? 'none', /^192\.168\.141\.(1\d|20)$/);
    });

    test('outbound keeps the guest address (no NAT)', () => {
      assert.equal(t.tcp(g1, t.upAddr, 8080), ip1);
    });

    test('inbound from upstream reaches the guest', () => {
      assert.equal(t.tcp(t.upNs, ip1 as string, 9090), t.upAddr);
    });

    test(mode === 'open' ? 'no firewall rules for the bridge' : 'firewall rules exist for the bridge', () => {
      const r = t.tryRun(['ip', 'netns', 'exec', t.hostNs, 'nft', 'list', 'ruleset']);
      assert.equal(r.out.includes(`"${bridge}"`), mode === 'route');
    });
  });
}
