// Bad overlay input on a real host namespace: virtnetd refuses an overlay address that is not the host's and a peer
// list naming the host itself (and exits without touching anything); an underlay too small for the network's MTU
// refuses the start and leaves no device, process or file behind; doctor judges the underlay (MTU, peers that do
// not answer, a firewall dropping VXLAN, FRR present); a bgpd that dies is started again and reported.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { NetworkEvent } from '../../src/api/types.js';
import type { DoctorReport } from '../../src/doctor/checks.js';
import { frrPathspace } from '../../src/host/overlay-host.js';
import { Fabric, type FabricHost, until } from './harness/fabric.js';
import { canRunE2e, tryRun } from './harness/topology.js';

const XML = (name: string, vni: number, mtu: string) => `<network>
  <name>${name}</name>
  <forward mode='nat'/>
  <bridge name='vnbr-${name}'/>
  ${mtu}
  <metadata><virtnet:overlay xmlns:virtnet='https://virtnet.dev/xmlns/network-overlay/1' vni='${vni}'/></metadata>
  <ip address='10.124.0.1' netmask='255.255.255.0'><dhcp><range start='10.124.0.10' end='10.124.0.50'/></dhcp></ip>
</network>`;

function canRunOverlay(): string | undefined {
  return canRunE2e() ?? (existsSync('/usr/lib/frr/zebra') ? undefined : 'needs FRR: apt-get install frr');
}

/** Follows the daemon's event stream (SSE) on its socket; `ready` once subscribed. */
function watchEvents(socketPath: string): { seen: NetworkEvent[]; ready: Promise<void>; stop: () => void } {
  const seen: NetworkEvent[] = [];
  let buf = '';
  let onReady: () => void = () => {};
  const ready = new Promise<void>((r) => {
    onReady = r;
  });
  const req = request({ socketPath, path: '/v1/events', agent: false }, (res) => {
    onReady();
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.startsWith('data:')) seen.push(JSON.parse(line.slice(5)) as NetworkEvent);
      }
    });
  });
  req.on('error', () => {});
  req.end();
  return { seen, ready, stop: () => req.destroy() };
}

describe('overlay refusals on a host', { skip: canRunOverlay() }, () => {
  let fabric: Fabric;
  let h: FabricHost;
  before(() => {
    // one host; its peer (the second address) never comes
    fabric = new Fabric(1, 2);
    h = fabric.hosts[0] as FabricHost;
  });
  after(() => fabric?.destroy());

  test('virtnetd refuses an overlay address that is not the host’s, and a peer list naming the host', async () => {
    await assert.rejects(
      h.t.startDaemon(['--overlay-address', '10.250.250.250', '--overlay-peers', fabric.vtepOf(1)]),
      /--overlay-address 10\.250\.250\.250 is not an address of this host \(.*\): give the address of the interface/,
    );
    await assert.rejects(
      h.t.startDaemon([
        '--overlay-address',
        h.vtep,
        '--overlay-peers',
        `${fabric.vtepOf(1)},${h.t.hostUplinkAddr}`,
      ]),
      new RegExp(
        `--overlay-peers lists ${h.t.hostUplinkAddr.replace(/\./g, '\\.')}, an address of this host`,
      ),
    );
    assert.equal(existsSync(join(h.t.dir, 'run', 'virtnet.sock')), false);
  });

  test('an underlay too small for the MTU plus 50: the start fails and leaves nothing behind', async () => {
    await h.t.startDaemon(h.flags);
    const d = await h.t.api('POST', '/v1/networks', XML('big', 200, "<mtu size='1460'/>"));
    assert.equal(d.status, 201, d.body);
    const s = await h.t.api('POST', '/v1/networks/big/start');
    assert.equal(s.status, 409, 'a blocker on this host: HOST_CONFLICT');
    assert.match(
      s.body,
      /MTU 1460, but VXLAN needs 50 bytes more than that and the underlay's MTU is 1500: lower <mtu size> to 1450 or less, or raise the underlay's MTU to 1510 \(underlay device ul0\)/,
    );
    const links = tryRun(['ip', '-n', h.t.hostNs, '-br', 'link']).out;
    assert.doesNotMatch(links, /vnbr-big|vxlan200/);
    assert.deepEqual(fabric.frrPids(0), []);
    assert.equal(existsSync(join('/var/run/frr', frrPathspace(join(h.t.dir, 'run')))), false);
    assert.deepEqual(h.t.dnsmasqPids(), []);
  });

  test('a peer that is down is no error: the network starts and the peer shows as not established', async () => {
    assert.equal((await h.t.api('POST', '/v1/networks', XML('fits', 201, ''))).status, 201);
    const s = await h.t.api('POST', '/v1/networks/fits/start');
    assert.equal(s.status, 200, s.body);
    const r = h.t.virtnet(['net-overlay-info', 'fits', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const info = JSON.parse(r.stdout) as { peers: Array<{ address: string; state: string }> };
    assert.equal(info.peers.length, 1);
    assert.equal(info.peers[0]?.address, fabric.vtepOf(1));
    assert.notEqual(info.peers[0]?.state, 'Established');
    assert.equal(fabric.frrPids(0).length, 2);
  });

  test("FRR supervised: a bgpd killed with SIGKILL starts again, is reported on the network's events, knows its peer", async () => {
    const events = watchEvents(h.t.socket);
    await events.ready;
    const [old] = fabric.frrPids(0, 'bgpd');
    assert.ok(old, 'no bgpd running');
    process.kill(old, 'SIGKILL');
    const back = await until(() => {
      const now = fabric.frrPids(0, 'bgpd');
      return now.length === 1 && now[0] !== old;
    }, 10000);
    assert.ok(back, 'bgpd not started again');
    const ev = await until(
      () => events.seen.find((e) => e.name === 'fits' && e.detail?.runtimeEvent === 'frr-restarted'),
      5000,
    );
    events.stop();
    assert.ok(ev, `no frr-restarted event: ${JSON.stringify(events.seen)}`);
    assert.equal(ev.detail?.process, 'bgpd');
    assert.equal(ev.detail?.pid, fabric.frrPids(0, 'bgpd')[0]);
    // the new bgpd read the generated configuration: the peer is configured again
    const peers = await until(() => {
      const r = h.t.virtnet(['net-overlay-info', 'fits', '--json']);
      const p = r.code === 0 ? (JSON.parse(r.stdout) as { peers: Array<{ address: string }> }).peers : [];
      return p.length === 1 && p[0]?.address === fabric.vtepOf(1);
    }, 5000);
    assert.ok(peers, 'the restarted bgpd does not know the peer');
  });

  test('stopping the last overlay network stops FRR and removes its files and pathspace', async () => {
    assert.equal(fabric.frrPids(0).length, 2);
    const r = await h.t.api('POST', '/v1/networks/fits/destroy');
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(fabric.frrPids(0), []);
    assert.equal(existsSync(join('/var/run/frr', frrPathspace(join(h.t.dir, 'run')))), false);
    assert.equal(existsSync(join(h.t.dir, 'run', 'frr', 'bgpd.conf')), false);
    assert.doesNotMatch(tryRun(['ip', '-n', h.t.hostNs, '-br', 'link']).out, /vxlan201/);
    assert.equal((await h.t.api('POST', '/v1/networks/fits/start')).status, 200, 'and it starts again');
  });

  test('doctor: the peer that does not answer, VXLAN dropped by a firewall, the MTU guests get', () => {
    const doctor = () => JSON.parse(h.t.virtnet(['doctor', '--json']).stdout) as DoctorReport;
    let ids = doctor().findings.map((f) => f.id);
    assert.ok(ids.includes('overlay-peer-unreachable'), ids.join(' '));
    assert.ok(ids.includes('overlay-mtu-small'), ids.join(' '));
    assert.ok(!ids.includes('frr-missing'));
    assert.ok(!ids.includes('overlay-port-blocked'));
    tryRun(['ip', 'netns', 'exec', h.t.hostNs, 'nft', 'add', 'table', 'inet', 'strict']);
    tryRun([
      'ip',
      'netns',
      'exec',
      h.t.hostNs,
      'nft',
      'add chain inet strict input { type filter hook input priority 0; policy drop; }',
    ]);
    ids = doctor().findings.map((f) => f.id);
    assert.ok(ids.includes('overlay-port-blocked'), ids.join(' '));
    tryRun(['ip', 'netns', 'exec', h.t.hostNs, 'nft', 'delete', 'table', 'inet', 'strict']);
  });
});
