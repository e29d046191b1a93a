// Direct (macvtap) networks with packets. The "LAN" is a namespace of its own with a bridge and a DHCP server
// (dnsmasq); the host namespace (virtnetd) reaches it through veth pairs, its pool devices. Containers get macvlans
// (port-add --netns) and leases from the LAN: on a bridge-mode pool they reach the LAN and each other, on a
// private-mode pool only the LAN; passthrough takes a device for one guest; a real QEMU guest on a macvtap port
// (port-add --macvtap, the /dev/tapN it prints opened as -netdev tap,fd=3) gets its lease from the LAN too.

import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { canRunE2e, sleep, Topology, tryRun } from './harness/topology.js';
import { buildGuestImage } from './vm/guest-image.js';
import { bootGuest } from './vm/qemu.js';

const LAN = '10.77.0';

function skipReason(): string | undefined {
  const e2e = canRunE2e();
  if (e2e) return e2e;
  if (tryRun(['which', 'qemu-system-x86_64']).code !== 0)
    return 'needs qemu-system-x86_64 (scripts/setup.sh)';
  return undefined;
}

describe('direct (macvtap) networks', { skip: skipReason() }, () => {
  let t: Topology;
  let lan: string;
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
  const host = (...argv: string[]) => t.tryRun(['ip', 'netns', 'exec', t.hostNs, ...argv]);
  const container = (name: string) => {
    const ns = t.addNamespace(name);
    return { ns, path: `/var/run/netns/${ns}` };
  };
  const macOf = (dev: string) =>
    (JSON.parse(host('ip', '-j', 'link', 'show', 'dev', dev).out) as Array<{ address: string }>)[0]?.address;

  before(async () => {
    t = new Topology();
    lan = t.addNamespace('lan');
    t.sh(['ip', '-n', lan, 'link', 'add', 'lanbr', 'type', 'bridge', 'stp_state', '0']);
    for (const i of [0, 1, 2, 3]) {
      t.sh([
        'ip',
        'link',
        'add',
        `lan${i}`,
        'netns',
        t.hostNs,
        'type',
        'veth',
        'peer',
        'name',
        `l${i}`,
        'netns',
        lan,
      ]);
      t.sh(['ip', '-n', lan, 'link', 'set', `l${i}`, 'master', 'lanbr', 'up']);
      t.sh(['ip', '-n', t.hostNs, 'link', 'set', `lan${i}`, 'up']);
    }
    t.sh(['ip', '-n', lan, 'addr', 'add', `${LAN}.1/24`, 'dev', 'lanbr']);
    t.sh(['ip', '-n', lan, 'link', 'set', 'lanbr', 'up']);
    // the LAN's DHCP server (its lease file under the topology's directory: destroy() stops it by that)
    t.spawnIn(lan, [
      'dnsmasq',
      '--keep-in-foreground',
      '--conf-file=/dev/null',
      '--port=0',
      '--interface=lanbr',
      '--bind-interfaces',
      `--dhcp-range=${LAN}.100,${LAN}.199,1h`,
      `--dhcp-leasefile=${t.dir}/lan.leases`,
      `--pid-file=${t.dir}/lan-dnsmasq.pid`,
    ]);
    await t.startDaemon(['--heal-interval', '0']);
    await t.startNetwork(
      "<network><name>dbr</name><forward mode='bridge'><interface dev='lan0'/></forward></network>",
    );
    await t.startNetwork(
      "<network><name>dpriv</name><forward mode='private'><interface dev='lan1'/></forward></network>",
    );
    await t.echoServer(lan, 8080);
    for (let i = 0; i < 50 && !existsSync(`${t.dir}/lan-dnsmasq.pid`); i++) await sleep(100);
  });
  after(() => t?.destroy());

  test('start makes nothing: no bridge, no dnsmasq, no rules; netmode says direct mode on the device', () => {
    assert.equal(t.dnsmasqPids().length, 1, 'only the LAN dnsmasq runs');
    assert.doesNotMatch(host('ip', '-br', 'link').out, /\bdbr\b|virbr/);
    assert.match(ok(['netmode', 'dbr']), /^direct \(macvtap\) mode bridge on lan0 for network dbr\n/);
    assert.match(
      ok(['net-dumpxml', 'dbr']),
      /<forward dev='lan0' mode='bridge'>\n {4}<interface dev='lan0'\/>/,
    );
  });

  test('bridge mode: two containers get LAN leases, reach the LAN and each other', () => {
    const c1 = container('c1');
    const c2 = container('c2');
    const out = ok(['port-add', 'dbr', '--owner', 'c1', '--netns', c1.path]);
    assert.match(out, /device: {2}macvlan eth0 in \/var\/run\/netns\/\S+ on lan0 \(mode bridge\)/);
    assert.match(
      out,
      /address: from the LAN's DHCP server through pool device lan0 \(virtnet serves no DHCP/,
    );
    ok(['port-add', 'dbr', '--owner', 'c2', '--netns', c2.path]);
    const a1 = t.dhcp(c1.ns);
    const a2 = t.dhcp(c2.ns);
    assert.match(a1 ?? '', new RegExp(`^${LAN}\\.1\\d\\d$`));
    assert.match(a2 ?? '', new RegExp(`^${LAN}\\.1\\d\\d$`));
    assert.equal(t.tcp(c1.ns, `${LAN}.1`, 8080), a1);
    assert.equal(t.ping(c1.ns, a2 as string), true, 'c1 reaches c2');
    assert.equal(t.ping(c2.ns, a1 as string), true, 'c2 reaches c1');
    const link = JSON.parse(t.sh(['ip', '-n', c1.ns, '-d', '-j', 'link', 'show', 'eth0'])) as Array<{
      linkinfo: { info_kind: string; info_data: { mode: string } };
    }>;
    assert.deepEqual(link[0]?.linkinfo, { info_kind: 'macvlan', info_data: link[0]?.linkinfo.info_data });
    assert.equal(link[0]?.linkinfo.info_data.mode, 'bridge');
    assert.match(
      ok(['net-dumpxml', 'dbr']),
      /<network connections='2'>[\s\S]*<interface dev='lan0' connections='2'\/>/,
    );
    assert.match(
      ok(['netmode', 'c1']),
      /direct \(macvtap\) mode bridge on lan0 via vnm[0-9a-f]{8} on network dbr/,
    );
  });

  test('private mode: two containers reach the LAN, not each other', () => {
    const c3 = container('c3');
    const c4 = container('c4');
    ok(['port-add', 'dpriv', '--owner', 'c3', '--netns', c3.path]);
    ok(['port-add', 'dpriv', '--owner', 'c4', '--netns', c4.path]);
    const a3 = t.dhcp(c3.ns);
    const a4 = t.dhcp(c4.ns);
    assert.match(a3 ?? '', new RegExp(`^${LAN}\\.1\\d\\d$`));
    assert.match(a4 ?? '', new RegExp(`^${LAN}\\.1\\d\\d$`));
    assert.equal(t.tcp(c3.ns, `${LAN}.1`, 8080), a3);
    assert.equal(t.tcp(c4.ns, `${LAN}.1`, 8080), a4);
    assert.equal(t.ping(c3.ns, a4 as string), false, 'private: c3 must not reach c4');
    assert.equal(t.ping(c4.ns, a3 as string), false, 'private: c4 must not reach c3');
  });

  test('a QEMU guest on a macvtap port opens the printed /dev/tapN and gets a LAN lease', async () => {
    const mac = '52:54:00:77:00:01';
    const out = ok(['port-add', 'dbr', '--owner', 'vm1', '--macvtap', '--mac', mac]);
    assert.match(out, /device: {2}macvtap macvtap0 on lan0 \(mode bridge\)/);
    const tapPath = /open: {4}(\S+) \(QEMU: -netdev tap,id=n0,fd=3 3<>\1\)/.exec(out)?.[1];
    assert.ok(tapPath, out);
    const link = JSON.parse(host('ip', '-d', '-j', 'link', 'show', 'macvtap0').out) as Array<{
      address: string;
      link: string;
      linkinfo: { info_kind: string; info_data: { mode: string } };
    }>;
    assert.equal(link[0]?.address, mac);
    assert.equal(link[0]?.link, 'lan0');
    assert.equal(link[0]?.linkinfo.info_kind, 'macvtap');
    const image = await buildGuestImage();
    const boot = await bootGuest({ netns: t.hostNs, tapPath, mac, image, append: `vnt.tcp=${LAN}.1:8080` });
    assert.ok('VNT-DONE' in boot.markers, boot.console);
    assert.match(boot.markers['VNT-LEASE'] ?? '', new RegExp(`^${LAN}\\.1\\d\\d$`), boot.console);
    assert.equal(boot.markers['VNT-TCP'], boot.markers['VNT-LEASE'], boot.console);
    console.log(`macvtap guest boot to VNT-DONE: ${boot.ms} ms, lease ${boot.markers['VNT-LEASE']}`);
    assert.match(
      ok(['netmode', 'macvtap0']),
      /^direct \(macvtap\) mode bridge on lan0 via macvtap0 on network dbr/,
    );
    ok(['net-port-delete', 'dbr', 'macvtap0']);
    assert.notEqual(host('ip', 'link', 'show', 'macvtap0').code, 0, 'the macvtap is gone with its port');
  });

  test('a restart keeps the guests: their macvlans stay and reach each other', () => {
    ok(['net-destroy', 'dbr']);
    ok(['net-start', 'dbr']);
    const ports = ok(['net-port-list', 'dbr', '--uuid']).trim().split('\n');
    assert.equal(ports.length, 2);
    const c2 = `${t.prefix}-c2`;
    const a1 = t.sh(['ip', '-n', `${t.prefix}-c1`, '-4', '-j', 'addr', 'show', 'eth0']);
    const ip1 = (JSON.parse(a1) as Array<{ addr_info: Array<{ local: string }> }>)[0]?.addr_info[0]?.local;
    assert.equal(t.ping(c2, ip1 as string), true);
    assert.deepEqual(
      JSON.parse(ok(['netmode', 'dbr', '--json'])).problems,
      [],
      'nothing to repair after the restart',
    );
  });

  test("define-guest and attach-interface: <interface type='network'> on a direct network is a macvtap", async () => {
    const mac = '52:54:00:77:00:02';
    const file = join(t.dir, 'dg.xml');
    writeFileSync(
      file,
      `<domain type='kvm'><name>dg</name><devices>
  <interface type='network'><mac address='${mac}'/><source network='dbr'/><target dev='dgtap0'/></interface>
</devices></domain>`,
    );
    const out = ok(['define-guest', file]);
    assert.match(out, new RegExp(`^Interface dgtap0 \\(${mac}\\) attached to network dbr$`, 'm'));
    const tapPath = /^ {2}open: (\S+)$/m.exec(out)?.[1];
    assert.ok(tapPath, out);
    const link = JSON.parse(host('ip', '-d', '-j', 'link', 'show', 'dgtap0').out) as Array<{
      address: string;
      link: string;
      linkinfo: { info_kind: string; info_data: { mode: string } };
    }>;
    assert.equal(link[0]?.linkinfo.info_kind, 'macvtap');
    assert.equal(link[0]?.linkinfo.info_data.mode, 'bridge');
    assert.equal(link[0]?.link, 'lan0');
    assert.equal(link[0]?.address, mac);
    assert.match(ok(['netmode', 'dg']), /direct \(macvtap\) mode bridge on lan0 via dgtap0 on network dbr/);
    // packets: a QEMU guest on the device define-guest made gets its lease from the LAN
    const boot = await bootGuest({ netns: t.hostNs, tapPath, mac, image: await buildGuestImage() });
    assert.match(boot.markers['VNT-LEASE'] ?? '', new RegExp(`^${LAN}\\.1\\d\\d$`), boot.console);
    // virsh's attach-interface on the same network: a macvtap on the pool too, gone with detach-interface
    assert.equal(
      ok(['attach-interface', 'vm8', 'network', 'dbr', '--target', 'vm8tap']),
      'Interface attached successfully\n\n',
    );
    assert.match(host('ip', '-d', 'link', 'show', 'vm8tap').out, /vm8tap@lan0:[\s\S]*macvtap\s+mode bridge/);
    assert.match(ok(['net-dumpxml', 'dbr']), /<interface dev='lan0' connections='4'\/>/);
    ok(['detach-interface', 'vm8', 'network']);
    assert.notEqual(host('ip', 'link', 'show', 'vm8tap').code, 0);
    ok(['detach-interface', 'dg', 'network']);
    assert.notEqual(host('ip', 'link', 'show', 'dgtap0').code, 0);
    assert.match(ok(['net-dumpxml', 'dbr']), /<interface dev='lan0' connections='2'\/>/);
  });

  test('passthrough: one guest per device, its MAC on the device, given back when the port goes', async () => {
    const own = macOf('lan2');
    await t.startNetwork(
      "<network><name>dpt</name><forward mode='passthrough'><interface dev='lan2'/></forward></network>",
    );
    const c5 = container('c5');
    const mac = '52:54:00:77:00:05';
    const port = ok(['port-add', 'dpt', '--owner', 'c5', '--netns', c5.path, '--mac', mac]);
    assert.match(port, /macvlan eth0 in \S+ on lan2 \(mode passthru\)/);
    assert.equal(macOf('lan2'), mac, 'passthru: the device answers to the guest MAC');
    const a5 = t.dhcp(c5.ns);
    assert.match(a5 ?? '', new RegExp(`^${LAN}\\.1\\d\\d$`));
    assert.equal(t.tcp(c5.ns, `${LAN}.1`, 8080), a5);
    assert.match(
      fails(['port-add', 'dpt', '--owner', 'vm6', '--macvtap']),
      /error: internal error: network 'dpt' requires exclusive access to interfaces, but none are available/,
    );
    assert.equal(ok(['net-port-list', 'dpt', '--uuid']).trim().split('\n').length, 1);
    const uuid = /^Port (\S+) created/.exec(port)?.[1] as string;
    ok(['net-port-delete', 'dpt', uuid]);
    assert.equal(macOf('lan2'), own, 'the device has its own MAC again');
  });

  test('bad pools: a missing device, a bridge port, a passthrough device in use; nothing is made', async () => {
    const start = async (name: string, mode: string, dev: string) => {
      const d = await t.api(
        'POST',
        '/v1/networks',
        `<network><name>${name}</name><forward mode='${mode}'><interface dev='${dev}'/></forward></network>`,
      );
      assert.equal(d.status, 201, d.body);
      return t.api('POST', `/v1/networks/${name}/start`);
    };
    const missing = await start('dmiss', 'vepa', 'nosuch0');
    assert.equal(missing.status, 409);
    assert.match(missing.body, /pool device 'nosuch0' of network 'dmiss' does not exist/);
    host('ip', 'link', 'add', 'hostbr', 'type', 'bridge');
    host('ip', 'link', 'set', 'lan3', 'master', 'hostbr');
    const enslaved = await start('dslave', 'bridge', 'lan3');
    assert.equal(enslaved.status, 409);
    assert.match(enslaved.body, /pool device 'lan3' of network 'dslave' is a port of 'hostbr'/);
    host('ip', 'link', 'set', 'lan3', 'nomaster');
    host('ip', 'link', 'add', 'link', 'lan3', 'name', 'foreign0', 'type', 'macvlan', 'mode', 'bridge');
    assert.equal((await start('dbusy', 'passthrough', 'lan3')).status, 200);
    const busy = t.virtnet(['port-add', 'dbusy', '--owner', 'vm7', '--macvtap']);
    assert.equal(busy.code, 1);
    assert.match(
      busy.stderr,
      /passthrough needs pool device 'lan3' of network 'dbusy' for one guest, but foreign0 sits on it/,
    );
    assert.equal(ok(['net-port-list', 'dbusy', '--uuid']).trim(), '');
    assert.doesNotMatch(host('ip', '-br', 'link').out, /macvtap/);
  });
});
