// The shared packet suite of the two no-NAT modes (route, open): same topology, the firewall is what differs.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { canRunE2e, Topology } from './topology.js';

/** Registers the describe() block proving a `route` or `open` network with packets through the daemon. */
export function routedModeSuite(mode: 'route' | 'open', subnet: number): void {
  const net = `192.168.${subnet}`;
  describe(`${mode} network`, { skip: canRunE2e() }, () => {
    let t: Topology;
    let g1: string;
    let g2: string;
    let ip1: string | undefined;
    let ip2: string | undefined;
    const bridge = `vnbr-${mode}`;

    before(async () => {
      t = new Topology();
      await t.startDaemon();
      await t.startNetwork(`<network>
  <name>${mode}net</name>
  <forward mode='${mode}'/>
  <bridge name='${bridge}'/>
  <dns><host ip='${net}.60'><hostname>www</hostname></host></dns>
  <ip address='${net}.1' prefix='24'>
    <dhcp><range start='${net}.10' end='${net}.20'/></dhcp>
  </ip>
</network>`);
      t.sh(['ip', '-n', t.upNs, 'route', 'add', `${net}.0/24`, 'via', t.hostUplinkAddr]);
      await t.echoServer(t.upNs, 8080);
      g1 = t.addGuest('g1', bridge);
      g2 = t.addGuest('g2', bridge);
      ip1 = t.dhcp(g1);
      ip2 = t.dhcp(g2);
      await t.echoServer(g1, 9090);
    });
    after(() => t?.destroy());

    test('guests get leases inside the DHCP range', () => {
      for (const ip of [ip1, ip2])
        assert.match(ip ?? 'none', new RegExp(`^${net.replaceAll('.', '\\.')}\\.(1\\d|20)$`));
      assert.notEqual(ip1, ip2);
    });

    test('DNS: a <dns><host> name resolves through the gateway', () => {
      assert.deepEqual(t.resolve(g1, 'www', `${net}.1`), [`${net}.60`]);
    });

    test('outbound keeps the guest address (no NAT)', () => {
      assert.equal(t.tcp(g1, t.upAddr, 8080), ip1);
    });

    test('inbound from upstream reaches the guest', () => {
      assert.equal(t.tcp(t.upNs, ip1 as string, 9090), t.upAddr);
    });

    test('guest to guest works', () => {
      assert.equal(t.tcp(g2, ip1 as string, 9090), ip2);
    });

    test(mode === 'open' ? 'no firewall rules for the bridge' : 'firewall rules exist for the bridge', () => {
      const r = t.tryRun(['ip', 'netns', 'exec', t.hostNs, 'nft', 'list', 'ruleset']);
      assert.equal(r.code, 0);
      assert.equal(r.out.includes(`"${bridge}"`), mode === 'route');
    });
  });
}
