// A real guest (QEMU, software emulation) on a NAT network: it gets a DHCP lease, resolves a <dns><host> name
// through the gateway and reaches upstream masqueraded; the lease shows up in the API.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { canRunE2e, Topology, tryRun } from './harness/topology.js';
import { buildGuestImage } from './vm/guest-image.js';
import { type BootResult, bootGuest } from './vm/qemu.js';

const NET = '192.168.160';
const MAC = '52:54:00:12:34:56';

function skipReason(): string | undefined {
  const e2e = canRunE2e();
  if (e2e) return e2e;
  if (tryRun(['which', 'qemu-system-x86_64']).code !== 0)
    return 'needs qemu-system-x86_64 (scripts/setup.sh)';
  return undefined;
}

describe('vm harness', { skip: skipReason() }, () => {
  let t: Topology;
  let boot: BootResult;

  before(async () => {
    const started = performance.now();
    const image = await buildGuestImage();
    console.log(`guest image ready in ${Math.round(performance.now() - started)} ms`);
    t = new Topology();
    await t.startDaemon();
    // stp off: a new bridge port would otherwise not forward for ~4 s, longer than udhcpc tries
    await t.startNetwork(`<network>
  <name>vmnet</name>
  <forward mode='nat'/>
  <bridge name='vnbr-vm' stp='off'/>
  <dns><host ip='${NET}.9'><hostname>nas</hostname></host></dns>
  <ip address='${NET}.1' netmask='255.255.255.0'>
    <dhcp><range start='${NET}.100' end='${NET}.199'/></dhcp>
  </ip>
</network>`);
    await t.echoServer(t.upNs, 8080);
    // TODO: `virtnet port-add` will create and plug the tap
    t.sh(['ip', '-n', t.hostNs, 'tuntap', 'add', 'dev', 'vnt-tap0', 'mode', 'tap']);
    t.sh(['ip', '-n', t.hostNs, 'link', 'set', 'vnt-tap0', 'master', 'vnbr-vm', 'up']);
    boot = await bootGuest({
      netns: t.hostNs,
      tap: 'vnt-tap0',
      mac: MAC,
      append: `vnt.dns=nas vnt.tcp=${t.upAddr}:8080`,
      image,
    });
    console.log(`guest boot to VNT-DONE: ${boot.ms} ms`);
  });
  after(() => t?.destroy());

  test('the guest boots and gets a lease in the DHCP range', () => {
    assert.ok('VNT-DONE' in boot.markers, boot.console);
    assert.match(boot.markers['VNT-LEASE'] ?? '', /^192\.168\.160\.1\d\d$/, boot.console);
  });

  test('the guest resolves a <dns><host> name through the gateway', () => {
    assert.equal(boot.markers['VNT-DNS'], `${NET}.9`, boot.console);
  });

  test('upstream sees the guest masqueraded to the host uplink address', () => {
    assert.equal(boot.markers['VNT-TCP'], t.hostUplinkAddr, boot.console);
  });

  test('the lease shows up in the API with the guest MAC', async () => {
    const r = await t.api('GET', '/v1/networks/vmnet/leases');
    const leases = (r.json() as { leases: Array<{ mac: string; ipaddr: string }> }).leases;
    const lease = leases.find((l) => l.mac === MAC);
    assert.equal(lease?.ipaddr, boot.markers['VNT-LEASE'], JSON.stringify(leases));
  });
});
