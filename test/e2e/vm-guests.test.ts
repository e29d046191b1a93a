// Real VMs (QEMU, software emulation) plugged in with `virtnet port-add --tap`: on a NAT network the guest gets a
// lease, resolves a <dns><host> name and reaches upstream masqueraded, and domifaddr, net-dhcp-leases and netmode
// agree; on an isolated network a guest gets a lease but cannot reach upstream.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { canRunE2e, Topology, tryRun } from './harness/topology.js';
import { buildGuestImage, type GuestImage } from './vm/guest-image.js';
import { type BootResult, bootGuest } from './vm/qemu.js';

const NET = '192.168.160';
const ISO = '192.168.161';
const MAC = '52:54:00:12:34:56';
const MAC_ISO = '52:54:00:12:34:57';

function skipReason(): string | undefined {
  const e2e = canRunE2e();
  if (e2e) return e2e;
  if (tryRun(['which', 'qemu-system-x86_64']).code !== 0)
    return 'needs qemu-system-x86_64 (scripts/setup.sh)';
  return undefined;
}

describe('VM guests', { skip: skipReason() }, () => {
  let t: Topology;
  let image: GuestImage;
  let boot: BootResult;
  let iso: BootResult;
  const ok = (args: string[]) => {
    const r = t.virtnet(args);
    assert.equal(r.code, 0, `virtnet ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    const started = performance.now();
    image = await buildGuestImage();
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
    await t.startNetwork(`<network>
  <name>vmiso</name>
  <bridge name='vnbr-vmiso' stp='off'/>
  <ip address='${ISO}.1' netmask='255.255.255.0'>
    <dhcp><range start='${ISO}.100' end='${ISO}.199'/></dhcp>
  </ip>
</network>`);
    await t.echoServer(t.upNs, 8080);
    ok(['port-add', 'vmnet', '--owner', 'vm1', '--tap', 'vm1-0', '--mac', MAC]);
    ok(['port-add', 'vmiso', '--owner', 'vm2', '--tap', 'vm2-0', '--mac', MAC_ISO]);
    const append = `vnt.dns=nas vnt.tcp=${t.upAddr}:8080`;
    // one after the other: two emulated CPUs at once would slow both on a 2-core machine
    boot = await bootGuest({ netns: t.hostNs, tap: 'vm1-0', mac: MAC, append, image });
    console.log(`NAT guest boot to VNT-DONE: ${boot.ms} ms`);
    iso = await bootGuest({ netns: t.hostNs, tap: 'vm2-0', mac: MAC_ISO, append, image });
    console.log(`isolated guest boot to VNT-DONE: ${iso.ms} ms`);
  });
  after(() => t?.destroy());

  test('NAT: the VM boots on its port-add tap and gets a lease in the DHCP range', () => {
    assert.ok('VNT-DONE' in boot.markers, boot.console);
    assert.match(boot.markers['VNT-LEASE'] ?? '', /^192\.168\.160\.1\d\d$/, boot.console);
  });

  test('NAT: the VM resolves a <dns><host> name through the gateway', () => {
    assert.equal(boot.markers['VNT-DNS'], `${NET}.9`, boot.console);
  });

  test('NAT: upstream sees the VM masqueraded to the host uplink address', () => {
    assert.equal(boot.markers['VNT-TCP'], t.hostUplinkAddr, boot.console);
  });

  test('domifaddr and net-dhcp-leases show the VM lease; netmode says NAT', () => {
    const ip = boot.markers['VNT-LEASE'] as string;
    assert.match(
      ok(['domifaddr', 'vm1']),
      new RegExp(` vm1-0 {6}${MAC} {4}ipv4 {9}${ip.replace(/\./g, '\\.')}/24\\n`),
    );
    assert.match(
      ok(['net-dhcp-leases', 'vmnet']),
      new RegExp(`${MAC}\\s+ipv4\\s+${ip.replace(/\./g, '\\.')}/24`),
    );
    const mode = JSON.parse(ok(['netmode', 'vm1', '--json'])) as { mode: string; problems: string[] };
    assert.equal(mode.mode, 'nat');
    assert.deepEqual(mode.problems, []);
    assert.match(ok(['netmode', 'vm1']), /^vm1: NAT via vm1-0 on network vmnet/);
  });

  test('isolated: the VM gets a lease but cannot reach upstream', () => {
    assert.ok('VNT-DONE' in iso.markers, iso.console);
    assert.match(iso.markers['VNT-LEASE'] ?? '', /^192\.168\.161\.1\d\d$/, iso.console);
    assert.equal(iso.markers['VNT-TCP'], 'none', iso.console);
    assert.equal(JSON.parse(ok(['netmode', 'vm2', '--json'])).mode, 'isolated');
  });
});
