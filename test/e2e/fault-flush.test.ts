// Faults behind the daemon's back, with packets: another program's `nft flush ruleset` while an inbound TCP stream
// runs through a port forward and an outbound one through NAT — neither is reset nor stalls (gap < 1 s), because
// virtnet's table is owned by its nft session and a flush of others skips it. Then the owner itself dies: the
// table goes, and comes back by itself within a second.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { canRunE2e, sleep, Topology } from './harness/topology.js';
import { startEchoServer, startStream } from './helpers/streams.js';

const NET = '192.168.157';

describe('faults: a flushed ruleset', { skip: canRunE2e() }, () => {
  let t: Topology;
  let guest: string;
  const nftIn = (...args: string[]) => t.tryRun(['ip', 'netns', 'exec', t.hostNs, 'nft', ...args]);

  before(async () => {
    t = new Topology();
    await t.startDaemon(['--heal-interval', '2000']);
    await t.startNetwork(`<network><name>flt</name><forward mode='nat'/><bridge name='vnbr-flt' stp='off'/>
  <ip address='${NET}.1' netmask='255.255.255.0'>
    <dhcp><range start='${NET}.100' end='${NET}.199'/><host mac='52:54:00:00:15:70' name='srv' ip='${NET}.10'/></dhcp>
  </ip></network>`);
    guest = t.addGuest('g', 'vnbr-flt');
    t.sh(['ip', '-n', guest, 'link', 'set', 'eth0', 'address', '52:54:00:00:15:70']);
    assert.equal(t.dhcp(guest), `${NET}.10`);
    const r = t.virtnet(['net-forward-add', 'flt', '--listen-port', '8080', '--target', `${NET}.10:7`]);
    assert.equal(r.code, 0, r.stderr);
    await startEchoServer(t, guest, 7);
    await startEchoServer(t, t.upNs, 8081);
  });
  after(() => t?.destroy());

  test('inbound (port forward) and outbound (NAT) streams survive `nft flush ruleset` without reset or stall', async () => {
    const inbound = await startStream(t, t.upNs, t.hostUplinkAddr, 8080);
    const outbound = await startStream(t, guest, t.upAddr, 8081);
    await sleep(500);
    const flushed = nftIn('flush', 'ruleset');
    assert.equal(flushed.code, 0, flushed.out);
    const countAt = [inbound.echoes(), outbound.echoes()];
    await sleep(2500);
    assert.ok(inbound.echoes() > (countAt[0] as number) + 50, 'the inbound stream went on');
    assert.ok(outbound.echoes() > (countAt[1] as number) + 50, 'the outbound stream went on');
    const [i, o] = await Promise.all([inbound.stop(), outbound.stop()]);
    assert.equal(i.reset, false, `inbound reset: ${JSON.stringify(i)}`);
    assert.equal(o.reset, false, `outbound reset: ${JSON.stringify(o)}`);
    assert.ok(i.maxGapMs < 1000, `inbound gap ${i.maxGapMs} ms`);
    assert.ok(o.maxGapMs < 1000, `outbound gap ${o.maxGapMs} ms`);
    console.log(`after a flush: inbound max gap ${i.maxGapMs} ms, outbound max gap ${o.maxGapMs} ms`);
  });

  test('when the owning session dies the table goes with it, and is back within a second', async () => {
    const pids = t.nftSessionPids();
    assert.equal(pids.length, 1, 'one session owns the table');
    const t0 = Date.now();
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    let back = 0;
    for (let i = 0; i < 40 && !back; i++) {
      await sleep(50);
      if (nftIn('list', 'map', 'inet', 'virtnet', 'fwd_if').out.includes('vnbr-flt')) back = Date.now() - t0;
    }
    assert.ok(back > 0 && back < 1000, `table back after ${back} ms`);
    // forwards and NAT work again for new connections
    const inbound = await startStream(t, t.upNs, t.hostUplinkAddr, 8080);
    const outbound = await startStream(t, guest, t.upAddr, 8081);
    await Promise.all([inbound.stop(), outbound.stop()]);
    console.log(`the table was back ${back} ms after its owner died`);
  });
});
