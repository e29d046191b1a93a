// Proves the namespace harness without the daemon: a hand-made bridge, dnsmasq and masquerade rule in the host
// namespace give a guest a lease, a DNS answer and a NATed path upstream; destroy() leaves nothing behind.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { alive, canRunE2e, sleep, Topology } from './harness/topology.js';

const skip = canRunE2e();

describe('e2e harness self-test (no daemon)', { skip }, () => {
  let t: Topology;
  let g1: string;
  let g2: string;
  let ip1: string | undefined;
  let ip2: string | undefined;
  let dnsmasqPid: number | undefined;

  before(async () => {
    t = new Topology();
    const h = t.hostNs;
    t.sh(['ip', '-n', h, 'link', 'add', 'br0', 'type', 'bridge']);
    t.sh(['ip', '-n', h, 'addr', 'add', '192.168.250.1/24', 'dev', 'br0']);
    t.sh(['ip', '-n', h, 'link', 'set', 'br0', 'up']);
    t.sh(['ip', 'netns', 'exec', h, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    t.sh(
      ['ip', 'netns', 'exec', h, 'nft', '-f', '-'],
      'table ip selftest {\n chain post {\n  type nat hook postrouting priority 100;\n  oifname "uplink0" ip saddr 192.168.250.0/24 masquerade\n }\n}\n',
    );
    const p = t.spawnIn(h, [
      'dnsmasq',
      '--keep-in-foreground',
      '--conf-file=/dev/null',
      '--no-resolv',
      '--no-hosts',
      '--interface=br0',
      '--bind-interfaces',
      '--dhcp-range=192.168.250.100,192.168.250.150,255.255.255.0',
      '--leasefile-ro',
      `--pid-file=${join(t.dir, 'dnsmasq.pid')}`,
      '--host-record=files.selftest,192.168.250.7',
    ]);
    dnsmasqPid = p.pid;
    await t.echoServer(t.upNs, 8080);
    g1 = t.addGuest('g1', 'br0');
    g2 = t.addGuest('g2', 'br0');
    await sleep(200);
    ip1 = t.dhcp(g1);
    ip2 = t.dhcp(g2);
  });
  after(() => t?.destroy());

  test('the topology lives in its own namespaces', () => {
    assert.deepEqual(
      t.liveNamespaces().sort(),
      [t.hostNs, `${t.prefix}-g1`, `${t.prefix}-g2`, t.upNs].sort(),
    );
  });

  test('dnsmasq (started by PID) hands out leases inside the range', () => {
    assert.ok(dnsmasqPid !== undefined && alive(dnsmasqPid));
    for (const ip of [ip1, ip2]) assert.match(ip ?? 'none', /^192\.168\.250\.1([0-4]\d|50)$/);
    assert.notEqual(ip1, ip2);
  });

  test('a --host-record name resolves through the gateway; an unknown name does not', () => {
    assert.deepEqual(t.resolve(g1, 'files.selftest', '192.168.250.1'), ['192.168.250.7']);
    assert.deepEqual(t.resolve(g1, 'nope.selftest', '192.168.250.1'), []);
  });

  test('guest reaches upstream, masqueraded to the uplink address', () => {
    assert.equal(t.tcp(g1, t.upAddr, 8080), t.hostUplinkAddr);
  });

  test('a closed port is reported as a failure', () => {
    assert.equal(t.tcp(g1, t.upAddr, 8081), undefined);
  });

  test('guest to guest works', () => {
    assert.ok(t.ping(g1, ip2 as string));
  });

  test('destroy() removes every namespace and process, and is idempotent', async () => {
    const pids = t.livePids();
    assert.ok(pids.length >= 2, `expected dnsmasq and the echo server, got ${pids}`);
    await t.destroy();
    await t.destroy();
    await sleep(100);
    assert.deepEqual(t.liveNamespaces(), []);
    assert.deepEqual(
      pids.filter((p) => alive(p)),
      [],
    );
  });
});
