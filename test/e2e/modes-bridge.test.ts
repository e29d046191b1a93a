// Bridge mode with packets: guests join an existing host bridge and get everything from the LAN, not from virtnet.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { alive, canRunE2e, sleep, Topology } from './harness/topology.js';

describe('bridge network', { skip: canRunE2e() }, () => {
  let t: Topology;
  let g1: string;
  let g2: string;
  let ip1: string | undefined;
  let ip2: string | undefined;
  let lanDnsmasq: number | undefined;
  let net: string;

  before(async () => {
    t = new Topology();
    net = t.upAddr.replace(/\.1$/, '');
    const h = t.hostNs;
    // the host's uplink becomes a port of br-up, which takes over its address (as on a real bridged host)
    t.sh(['ip', '-n', h, 'link', 'add', 'br-up', 'type', 'bridge']);
    t.sh(['ip', '-n', h, 'addr', 'del', `${t.hostUplinkAddr}/24`, 'dev', 'uplink0']);
    t.sh(['ip', '-n', h, 'link', 'set', 'uplink0', 'master', 'br-up']);
    t.sh(['ip', '-n', h, 'addr', 'add', `${t.hostUplinkAddr}/24`, 'dev', 'br-up']);
    t.sh(['ip', '-n', h, 'link', 'set', 'br-up', 'up']);
    t.sh(['ip', '-n', h, 'route', 'replace', 'default', 'via', t.upAddr]);
    // the LAN's own DHCP server lives upstream
    lanDnsmasq = t.spawnIn(t.upNs, [
      'dnsmasq',
      '--keep-in-foreground',
      '--conf-file=/dev/null',
      '--no-resolv',
      '--no-hosts',
      '--port=0',
      '--interface=eth0',
      '--bind-interfaces',
      `--dhcp-range=${net}.100,${net}.150,255.255.255.0`,
      '--leasefile-ro',
      `--pid-file=${join(t.dir, 'lan-dnsmasq.pid')}`,
    ]).pid;
    await t.startDaemon();
    await t.startNetwork(`<network>
  <name>lan</name>
  <forward mode='bridge'/>
  <bridge name='br-up'/>
</network>`);
    await t.echoServer(t.upNs, 8080);
    g1 = t.addGuest('g1', 'br-up');
    g2 = t.addGuest('g2', 'br-up');
    await sleep(100);
    ip1 = t.dhcp(g1);
    ip2 = t.dhcp(g2);
    await t.echoServer(g1, 9090);
  });
  after(() => t?.destroy());

  test('the network is active and reports mode bridge', async () => {
    const info = (await t.api('GET', '/v1/networks/lan')).json() as {
      active: boolean;
      mode: string;
      bridge?: string;
    };
    assert.equal(info.active, true);
    assert.equal(info.mode, 'bridge');
    assert.equal(info.bridge, 'br-up');
  });

  test('virtnet runs no dnsmasq and adds no firewall rules for br-up', () => {
    assert.deepEqual(t.dnsmasqPids(), [lanDnsmasq]);
    const r = t.tryRun(['ip', 'netns', 'exec', t.hostNs, 'nft', 'list', 'ruleset']);
    assert.equal(r.out.includes('"br-up"'), false);
  });

  test("guests get their leases from the LAN's DHCP server", () => {
    assert.ok(lanDnsmasq !== undefined && alive(lanDnsmasq));
    for (const ip of [ip1, ip2])
      assert.match(ip ?? 'none', new RegExp(`^${net.replaceAll('.', '\\.')}\\.1([0-4]\\d|50)$`));
    assert.notEqual(ip1, ip2);
  });

  test('guests reach upstream directly with their own address', () => {
    assert.equal(t.tcp(g1, t.upAddr, 8080), ip1);
  });

  test('upstream reaches the guests directly', () => {
    assert.equal(t.tcp(t.upNs, ip1 as string, 9090), t.upAddr);
  });

  test('guest to guest works', () => {
    assert.equal(t.tcp(g2, ip1 as string, 9090), ip2);
  });
});
