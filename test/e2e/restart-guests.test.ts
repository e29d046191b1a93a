// Guests outlive their network's restart: a real VM (QEMU, on a port-add tap) and two containers (port-add
// --netns) stay reachable after net-destroy + net-start without anyone plugging them in again, and after the
// bridge is deleted behind the daemon's back the heal loop plugs all three in again by itself.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { canRunE2e, sleep, Topology, tryRun } from './harness/topology.js';
import { buildGuestImage } from './vm/guest-image.js';
import { type RunningGuest, startGuest } from './vm/qemu.js';

const NET = '192.168.162';
const VM_MAC = '52:54:00:16:20:01';
const VM_IP = `${NET}.20`;

function skipReason(): string | undefined {
  const e2e = canRunE2e();
  if (e2e) return e2e;
  if (tryRun(['which', 'qemu-system-x86_64']).code !== 0)
    return 'needs qemu-system-x86_64 (scripts/setup.sh)';
  return undefined;
}

describe('guests across a network restart', { skip: skipReason() }, () => {
  let t: Topology;
  let vm: RunningGuest | undefined;
  const containers: Array<{ ns: string; ip: string }> = [];
  const ok = (args: string[]) => {
    const r = t.virtnet(args);
    assert.equal(r.code, 0, `virtnet ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  /** Every guest answers the host's ping, and the containers reach upstream through NAT. */
  const allReachable = (when: string) => {
    assert.ok(t.ping(t.hostNs, VM_IP), `${when}: the VM answers`);
    for (const c of containers) {
      assert.ok(t.ping(t.hostNs, c.ip), `${when}: ${c.ns} answers`);
      assert.equal(t.tcp(c.ns, t.upAddr, 8080), t.hostUplinkAddr, `${when}: ${c.ns} reaches upstream`);
    }
  };

  before(async () => {
    const image = await buildGuestImage();
    t = new Topology();
    await t.startDaemon(['--heal-interval', '1000']);
    await t.startNetwork(`<network><name>gnet</name><forward mode='nat'/><bridge name='vnbr-gr' stp='off'/>
  <ip address='${NET}.1' netmask='255.255.255.0'><dhcp><range start='${NET}.100' end='${NET}.199'/></dhcp></ip>
</network>`);
    await t.echoServer(t.upNs, 8080);
    ok(['port-add', 'gnet', '--owner', 'vm1', '--tap', 'vgr-vm1', '--mac', VM_MAC, '--ip', VM_IP]);
    for (const [name, ip] of [
      ['c1', `${NET}.31`],
      ['c2', `${NET}.32`],
    ] as const) {
      const ns = t.addNamespace(name);
      ok(['port-add', 'gnet', '--owner', name, '--netns', `/var/run/netns/${ns}`, '--ip', ip]);
      assert.equal(t.dhcp(ns), ip, `${name} got its reservation`);
      containers.push({ ns, ip });
    }
    vm = await startGuest({ netns: t.hostNs, tap: 'vgr-vm1', mac: VM_MAC, image });
    assert.equal(vm.markers['VNT-LEASE'], VM_IP, vm.console);
  });
  after(async () => {
    await vm?.stop();
    await t?.destroy();
  });

  test('all three guests are reachable', () => {
    allReachable('before');
  });

  test('net-destroy + net-start: all three reachable again without re-plugging', () => {
    ok(['net-destroy', 'gnet']);
    assert.equal(t.ping(t.hostNs, VM_IP), false, 'down while the network is stopped');
    ok(['net-start', 'gnet']);
    allReachable('after a restart');
    assert.equal(ok(['net-port-list', 'gnet', '--uuid']).trim().split('\n').length, 3);
  });

  test('the bridge deleted behind the daemon: the heal loop plugs all three in again', async () => {
    t.sh(['ip', '-n', t.hostNs, 'link', 'del', 'vnbr-gr']);
    let back = false;
    for (let i = 0; i < 50 && !back; i++) {
      await sleep(100);
      back = t.ping(t.hostNs, VM_IP);
    }
    assert.ok(back, 'the VM answers within 5 s');
    allReachable('after healing');
    const check = JSON.parse(ok(['netmode', 'gnet', '--json'])) as { problems: string[] };
    assert.deepEqual(check.problems, []);
  });
});
