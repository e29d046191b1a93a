// /metrics with packets: pings from a container port show in the bridge's and the port's byte counters as the
// kernel counts them, a connection through a port forward counts as a hit, the lease shows; promtool accepts
// the whole text and its naming lint passes.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { canRunE2e, Topology } from './harness/topology.js';

const NET = '192.168.176';
const PORT = 8473;
const TOKEN = 'e2e-metrics-token';
const BRIDGE = 'vnbr-met';

describe('metrics', { skip: canRunE2e() }, () => {
  let t: Topology;
  let ctr: string;
  let device: string;

  const ok = (args: string[]) => {
    const r = t.virtnet(args);
    assert.equal(r.code, 0, `virtnet ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  /** GET /metrics from inside the host namespace, with or without the token. */
  const scrape = (token = TOKEN): { status: number; text: string } => {
    const headers = token ? `{authorization:'Bearer ${token}'}` : '{}';
    const code = `fetch('http://127.0.0.1:${PORT}/metrics',{headers:${headers}}).then(async r=>{process.stdout.write(r.status+'\\n'+await r.text())})`;
    const r = t.tryRun(['ip', 'netns', 'exec', t.hostNs, process.execPath, '-e', code]);
    assert.equal(r.code, 0, r.out);
    const nl = r.out.indexOf('\n');
    return { status: Number(r.out.slice(0, nl)), text: r.out.slice(nl + 1) };
  };
  const value = (text: string, name: string, labels: Record<string, string>): number => {
    const line = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)),
      );
    assert.ok(line, `${name} ${JSON.stringify(labels)} in:\n${text}`);
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  /** The kernel's own counter (sysfs) of a device in the host namespace. */
  const kernel = (dev: string, stat: string) =>
    Number(t.sh(['ip', 'netns', 'exec', t.hostNs, 'cat', `/sys/class/net/${dev}/statistics/${stat}`]).trim());

  before(async () => {
    t = new Topology();
    const tokenFile = join(t.dir, 'token');
    writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    await t.startDaemon([
      '--http',
      `127.0.0.1:${PORT}`,
      '--http-token-file',
      tokenFile,
      '--heal-interval',
      '500',
    ]);
    await t.startNetwork(`<network>
  <name>metnet</name>
  <forward mode='nat'/>
  <bridge name='${BRIDGE}' stp='off'/>
  <ip address='${NET}.1' netmask='255.255.255.0'>
    <dhcp><range start='${NET}.100' end='${NET}.149'/></dhcp>
  </ip>
</network>`);
    ctr = t.addNamespace('ctr');
    const out = ok(['port-add', 'metnet', '--owner', 'web', '--netns', `/var/run/netns/${ctr}`]);
    device = /device: {2}veth (vnv[0-9a-f]{8})/.exec(out)?.[1] ?? '';
    assert.ok(device, out);
    assert.ok(t.dhcp(ctr), 'the container has a lease');
    await t.echoServer(ctr, 80);
  });
  after(() => t?.destroy());

  test('without the token: 403 and no figures', () => {
    const r = scrape('');
    assert.equal(r.status, 403);
    assert.doesNotMatch(r.text, /virtnet_network/);
  });

  test('pings show in the bridge and port counters as the kernel counts them; the lease shows', () => {
    const before = scrape().text;
    const bridgeRx0 = value(before, 'virtnet_network_rx_bytes_total', { network: 'metnet' });
    const portTx0 = value(before, 'virtnet_port_tx_bytes_total', { guest: 'web' });
    // 20 pings of 1000 bytes of payload: each request is > 1000 bytes on the wire into the bridge
    const ping = t.tryRun([
      'ip',
      'netns',
      'exec',
      ctr,
      'ping',
      '-c',
      '20',
      '-i',
      '0.01',
      '-s',
      '1000',
      '-q',
      `${NET}.1`,
    ]);
    assert.equal(ping.code, 0, ping.out);
    const k0 = {
      rx: kernel(BRIDGE, 'rx_bytes'),
      dev: kernel(device, 'rx_bytes'),
      pk: kernel(BRIDGE, 'rx_packets'),
    };
    const text = scrape().text;
    const k1 = {
      rx: kernel(BRIDGE, 'rx_bytes'),
      dev: kernel(device, 'rx_bytes'),
      pk: kernel(BRIDGE, 'rx_packets'),
    };
    const bridgeRx = value(text, 'virtnet_network_rx_bytes_total', { network: 'metnet', bridge: BRIDGE });
    const portTx = value(text, 'virtnet_port_tx_bytes_total', { guest: 'web', device });
    const bridgePk = value(text, 'virtnet_network_rx_packets_total', { network: 'metnet' });
    assert.ok(bridgeRx - bridgeRx0 >= 20 * 1000, `bridge rx grew by ${bridgeRx - bridgeRx0}`);
    assert.ok(portTx - portTx0 >= 20 * 1000, `the guest sent ${portTx - portTx0}`);
    // read between two reads of the kernel's counters: the same figures, not an estimate
    assert.ok(k0.rx <= bridgeRx && bridgeRx <= k1.rx, `${k0.rx} <= ${bridgeRx} <= ${k1.rx}`);
    assert.ok(k0.dev <= portTx && portTx <= k1.dev, `${k0.dev} <= ${portTx} <= ${k1.dev}`);
    assert.ok(k0.pk <= bridgePk && bridgePk <= k1.pk, `${k0.pk} <= ${bridgePk} <= ${k1.pk}`);
    assert.equal(value(text, 'virtnet_network_dhcp_leases', { network: 'metnet' }), 1);
    assert.equal(value(text, 'virtnet_network_dhcp_pool_size', { network: 'metnet' }), 50);
    assert.equal(value(text, 'virtnet_network_active', { network: 'metnet' }), 1);
  });

  test('a connection through a port forward is a hit', () => {
    const ip = t.dhcp(ctr) ?? '';
    ok(['net-forward-add', 'metnet', '--proto', 'tcp', '--listen-port', '8080', '--target', `${ip}:80`]);
    const hits = () =>
      value(scrape().text, 'virtnet_forward_hits_total', {
        network: 'metnet',
        proto: 'tcp',
        listen_port: '8080',
      });
    assert.equal(hits(), 0);
    assert.ok(t.tcp(t.upNs, t.hostUplinkAddr, 8080) !== undefined, 'the forward carries the connection');
    assert.equal(hits(), 1);
    t.tcp(t.upNs, t.hostUplinkAddr, 8080);
    assert.equal(hits(), 2);
  });

  test('a repair and heal rounds are counted; promtool accepts the text', () => {
    // as if another program with the table's ownership emptied it; net-repair puts it back
    t.nftAsOwner('flush table inet virtnet');
    assert.match(ok(['net-start', 'metnet', '--repair']), /Network metnet repaired/);
    const text = scrape().text;
    assert.equal(value(text, 'virtnet_network_repairs_total', { network: 'metnet' }), 1);
    assert.ok(value(text, 'virtnet_heal_rounds_total', { result: 'ok' }) >= 1);
    assert.ok(value(text, 'virtnet_api_requests_total', { route: '/metrics', status: '200' }) >= 3);
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(r.error, undefined, 'promtool is installed (scripts/setup.sh)');
    assert.equal(r.status, 0, `promtool: ${r.stdout}${r.stderr}`);
  });
});
