// Guests the virsh way: attach-interface/detach-interface make and remove taps on a network's bridge (or on a
// host bridge of a bridge-mode network), define-guest plugs a domain XML's interfaces in, and qemu-ifup/ifdown
// adopt a tap QEMU made and let it go again without deleting it. Everything happens in the topology's namespaces.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { GuestDetail, PortInfo } from '../../src/api/types.js';
import { canRunE2e, Topology } from './harness/topology.js';

const ROOT = join(fileURLToPath(import.meta.url), '../../../..');

describe('guest commands', { skip: canRunE2e() }, () => {
  let t: Topology;
  const ok = (args: string[]) => {
    const r = t.virtnet(args);
    assert.equal(r.code, 0, `virtnet ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const fails = (args: string[]) => {
    const r = t.virtnet(args);
    assert.equal(r.code, 1, `virtnet ${args.join(' ')} should fail: ${r.stdout}`);
    return r.stderr;
  };
  /** The bridge a device is a port of ('' when none); undefined when the device does not exist. */
  const master = (dev: string): string | undefined => {
    const r = t.tryRun(['ip', '-n', t.hostNs, '-j', 'link', 'show', 'dev', dev]);
    if (r.code !== 0) return undefined;
    return (JSON.parse(r.out) as Array<{ master?: string }>)[0]?.master ?? '';
  };
  /** As QEMU runs the script: the tap name as the only argument, the rest from the environment. */
  const ifup = (tap: string) =>
    spawnSync(
      'ip',
      [
        'netns',
        'exec',
        t.hostNs,
        'env',
        'VIRTNET_NETWORK=gnet',
        'VIRTNET_GUEST=vmq',
        process.execPath,
        join(ROOT, 'bin/virtnet'),
        '-c',
        `unix:${t.socket}`,
        'qemu-ifup',
        tap,
      ],
      { encoding: 'utf8', timeout: 30000 },
    );
  const guest = async (name: string) => {
    const r = await t.api('GET', `/v1/guests/${name}`);
    return r.status === 200 ? (r.json() as GuestDetail) : undefined;
  };

  before(async () => {
    t = new Topology();
    t.sh(['ip', '-n', t.hostNs, 'link', 'add', 'br-test', 'type', 'bridge']);
    t.sh(['ip', '-n', t.hostNs, 'link', 'set', 'br-test', 'up']);
    await t.startDaemon();
    await t.startNetwork(`<network>
  <name>gnet</name>
  <forward mode='nat'/>
  <bridge name='vnbr-gc' stp='off'/>
  <ip address='192.168.157.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.157.100' end='192.168.157.199'/></dhcp>
  </ip>
</network>`);
    await t.startNetwork(`<network>
  <name>hostbr</name>
  <forward mode='bridge'/>
  <bridge name='br-test'/>
</network>`);
  });
  after(() => t?.destroy());

  test('attach-interface network: a tap on the bridge, shown by domiflist', () => {
    assert.equal(
      ok(['attach-interface', 'vm1', 'network', 'gnet', '--target', 'vm1-0', '--mac', '52:54:00:10:00:01']),
      'Interface attached successfully\n\n',
    );
    assert.equal(master('vm1-0'), 'vnbr-gc');
    // no --target: the daemon picks vnetN; --live/--config are accepted; --model is kept, as virsh keeps it
    ok([
      'attach-interface',
      '--domain',
      'vm1',
      '--type',
      'network',
      '--source',
      'gnet',
      '--model',
      'e1000',
      '--live',
      '--config',
    ]);
    const list = ok(['domiflist', 'vm1']);
    assert.match(list, /vm1-0\s+network\s+gnet\s+-\s+52:54:00:10:00:01/);
    assert.match(list, /vnet\d+\s+network\s+gnet\s+e1000\s+52:54:00:/);
    assert.match(ok(['dumpxml', 'vm1']), /<target dev='vnet\d+'\/>\n {6}<model type='e1000'\/>\n/);
    assert.match(
      fails(['attach-interface', 'vm1', 'network', 'gnet', '--model', 'virtio,addr=3']),
      /model 'virtio,addr=3' must be 1-64 of letters, digits/,
    );
    const auto = /(vnet\d+)\s+network\s+gnet/.exec(list)?.[1] ?? '';
    assert.ok(auto, list);
    assert.equal(master(auto), 'vnbr-gc');
  });

  test('detach-interface: virsh errors without --mac or with an unknown one, then detaches', async () => {
    assert.equal(
      fails(['detach-interface', 'vm1', 'network']),
      'error: Domain has 2 interfaces. Please specify which one to detach using --mac\n',
    );
    assert.equal(
      fails(['detach-interface', 'vm1', 'network', '--mac', '52:54:00:99:99:99']),
      'error: No interface found whose type is network and MAC address is 52:54:00:99:99:99\n',
    );
    assert.equal(
      ok(['detach-interface', 'vm1', 'network', '--mac', '52:54:00:10:00:01']),
      'Interface detached successfully\n\n',
    );
    assert.equal(master('vm1-0'), undefined);
    assert.equal((await guest('vm1'))?.interfaces.length, 1);
    ok(['detach-interface', 'vm1', 'network']);
    assert.equal(await guest('vm1'), undefined);
  });

  test('attach-interface: bridge source, unsupported types, --print-xml, bandwidth', async () => {
    ok(['attach-interface', 'vm2', 'bridge', 'br-test', '--target', 'vm2-0']);
    assert.equal(master('vm2-0'), 'br-test');
    assert.equal((await guest('vm2'))?.interfaces[0]?.port.network, 'hostbr');
    assert.match(
      fails(['attach-interface', 'vm2', 'bridge', 'br-nope']),
      /no virtnet network uses bridge 'br-nope'\nerror: define one with <forward mode='bridge'\/><bridge name='br-nope'\/>/,
    );
    assert.equal(
      fails(['attach-interface', 'vm2', 'direct', 'eth0']),
      "error: interface type 'direct' is not supported by virtnet\n",
    );
    // --inbound/--outbound: the port's own <bandwidth> (tc on its tap: test/e2e/bandwidth.test.ts measures it)
    assert.match(
      fails(['attach-interface', 'vm2', 'network', 'gnet', '--inbound', 'x']),
      /inbound format is incorrect/,
    );
    ok([
      'attach-interface',
      'vm4',
      'network',
      'gnet',
      '--target',
      'vm4-0',
      '--inbound',
      '100',
      '--outbound',
      '50',
    ]);
    assert.match(
      t.sh(['ip', 'netns', 'exec', t.hostNs, 'tc', 'qdisc', 'show', 'dev', 'vm4-0']),
      /qdisc htb 1: root/,
    );
    const bw = (await guest('vm4'))?.interfaces[0]?.port;
    assert.match(
      ok(['net-port-dumpxml', 'gnet', bw?.uuid ?? '']),
      /<inbound average='100'\/>\n {4}<outbound average='50'\/>/,
    );
    ok(['detach-interface', 'vm4', 'network']);
    assert.equal(
      ok([
        'attach-interface',
        'vm3',
        'network',
        'gnet',
        '--mac',
        '52:54:00:10:00:03',
        '--model',
        'virtio',
        '--print-xml',
      ]),
      "<interface type='network'>\n  <source network='gnet'/>\n  <mac address='52:54:00:10:00:03'/>\n  <model type='virtio'/>\n</interface>\n\n",
    );
    assert.equal(await guest('vm3'), undefined);
    ok(['detach-interface', 'vm2', 'bridge']);
    assert.equal(master('vm2-0'), undefined);
  });

  test('define-guest: network and bridge interfaces become ports of the domain, other types a note', async () => {
    const file = join(t.dir, 'dg.xml');
    writeFileSync(
      file,
      `<domain type='kvm'>
  <name>dg</name>
  <uuid>6f1c2d9e-0b7a-4c51-9a3e-2f4d5c6b7a81</uuid>
  <devices>
    <interface type='network'>
      <mac address='52:54:00:20:00:01'/>
      <source network='gnet'/>
      <target dev='dg-0'/>
      <model type='virtio'/>
    </interface>
    <interface type='bridge'>
      <mac address='52:54:00:20:00:02'/>
      <source bridge='br-test'/>
    </interface>
    <interface type='direct'>
      <source dev='eth0' mode='bridge'/>
    </interface>
  </devices>
</domain>
`,
    );
    const out = ok(['define-guest', file]);
    assert.match(out, /^note: interface type 'direct' ignored$/m);
    assert.match(out, /^Interface dg-0 \(52:54:00:20:00:01\) attached to network gnet$/m);
    const g = await guest('dg');
    assert.equal(g?.uuid, '6f1c2d9e-0b7a-4c51-9a3e-2f4d5c6b7a81');
    // the model of the domain XML is kept: domiflist and dumpxml show it as virsh does
    assert.match(ok(['domiflist', 'dg']), /^ dg-0 +network +gnet +virtio +52:54:00:20:00:01$/m);
    assert.match(
      ok(['dumpxml', 'dg']),
      /<source network='gnet' portid='[0-9a-f-]+' bridge='vnbr-gc'\/>\n {6}<target dev='dg-0'\/>\n {6}<model type='virtio'\/>\n/,
    );
    assert.equal(g?.interfaces.length, 2);
    assert.equal(master('dg-0'), 'vnbr-gc');
    const second = g?.interfaces.find((i) => i.port.mac === '52:54:00:20:00:02')?.port;
    assert.equal(second?.network, 'hostbr');
    assert.equal(master(second?.device?.name ?? ''), 'br-test');
    // all or nothing: a failing interface takes back the ports made before it
    const bad = join(t.dir, 'bad.xml');
    writeFileSync(
      bad,
      `<domain><name>bad</name><devices>
  <interface type='network'><source network='gnet'/><target dev='bad-0'/></interface>
  <interface type='network'><source network='nonet'/></interface>
</devices></domain>`,
    );
    fails(['define-guest', bad]);
    assert.equal(await guest('bad'), undefined);
    assert.equal(master('bad-0'), undefined);
  });

  test('qemu-ifup adopts the tap QEMU made; qemu-ifdown lets it go but leaves it', async () => {
    t.sh(['ip', '-n', t.hostNs, 'tuntap', 'add', 'dev', 'qtap0', 'mode', 'tap']);
    const r = ifup('qtap0');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(master('qtap0'), 'vnbr-gc');
    const port = (await guest('vmq'))?.interfaces[0]?.port as PortInfo;
    assert.deepEqual(port.device, { kind: 'tap', name: 'qtap0', adopted: true });
    // a second ifup of the same tap, and one of a tap that does not exist, fail
    assert.match(ifup('qtap0').stderr, /already a port of 'vmq'/);
    assert.match(ifup('qtap-none').stderr, /no device named 'qtap-none'/);
    assert.equal(ok(['qemu-ifdown', 'qtap0']), 'Interface qtap0 detached from network gnet\n\n');
    assert.equal(await guest('vmq'), undefined);
    assert.equal(master('qtap0'), '');
    assert.match(fails(['qemu-ifdown', 'qtap0']), /no port uses device 'qtap0'/);
  });
});
