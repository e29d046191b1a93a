// Ports with packets: a container namespace plugged in with port-add --netns gets its reserved address and reaches
// upstream through NAT; a tap for a VM is made for an unprivileged user with the network's MTU, bandwidth and
// isolation; guests' views (domiflist, domifaddr, dumpxml); net-port-*; ports survive a daemon crash and a
// deleted tap comes back; deleting a port removes its device and reservation; a network restart and a repaired
// bridge plug every port in again; undefine drops them.

import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { canRunE2e, Topology } from './harness/topology.js';

const NET = '192.168.154';

describe('ports', { skip: canRunE2e() }, () => {
  let t: Topology;
  let ctr: string;
  const ok = (args: string[]) => {
    const r = t.virtnet(args);
    assert.equal(r.code, 0, `virtnet ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const hostRun = (...argv: string[]) => t.tryRun(['ip', 'netns', 'exec', t.hostNs, ...argv]);

  before(async () => {
    t = new Topology();
    // no heal loop: the tests make drift on purpose and look at it before anything repairs it
    await t.startDaemon(['--heal-interval', '0']);
    await t.startNetwork(`<network>
  <name>pnet</name>
  <forward mode='nat'/>
  <bridge name='vnbr-pt' stp='off'/>
  <mtu size='1400'/>
  <portgroup name='slow'>
    <bandwidth><inbound average='1000' peak='2000' burst='64'/></bandwidth>
  </portgroup>
  <dns><host ip='${NET}.9'><hostname>nas</hostname></host></dns>
  <ip address='${NET}.1' netmask='255.255.255.0'>
    <dhcp><range start='${NET}.100' end='${NET}.199'/></dhcp>
  </ip>
</network>`);
    await t.echoServer(t.upNs, 8080);
    ctr = t.addNamespace('ctr');
  });
  after(() => t?.destroy());

  test('port-add --netns: the container gets the reserved address, resolves and reaches upstream', () => {
    const out = ok([
      'port-add',
      'pnet',
      '--owner',
      'web1',
      '--netns',
      `/var/run/netns/${ctr}`,
      '--mac',
      '52:54:00:aa:00:01',
      '--ip',
      `${NET}.50`,
    ]);
    assert.match(out, /device: {2}veth vnv[0-9a-f]{8} \(eth0 in \/var\/run\/netns\//);
    assert.match(out, /address: 192\.168\.154\.50 \(reserved\)/);
    assert.equal(t.dhcp(ctr), `${NET}.50`);
    assert.deepEqual(t.resolve(ctr, 'nas', `${NET}.1`), [`${NET}.9`]);
    assert.equal(t.tcp(ctr, t.upAddr, 8080), t.hostUplinkAddr);
    const mtu = t.sh(['ip', '-n', ctr, '-j', 'link', 'show', 'eth0']);
    assert.equal((JSON.parse(mtu) as Array<{ mtu: number }>)[0]?.mtu, 1400);
  });

  test('port-add --tap: a persistent tap for a user, on the bridge, with the MTU, portgroup bandwidth', () => {
    const out = ok([
      'port-add',
      'pnet',
      '--owner',
      'vm1',
      '--tap',
      'vt-vm1',
      '--uid',
      '4242',
      '--portgroup',
      'slow',
    ]);
    const mac = /mac: {5}(\S+)/.exec(out)?.[1] ?? '';
    assert.match(mac, /^52:54:00:/);
    const link = JSON.parse(hostRun('ip', '-d', '-j', 'link', 'show', 'vt-vm1').out) as Array<{
      master: string;
      mtu: number;
      address: string;
      linkinfo: { info_kind: string; info_data: { owner?: number; user?: number } };
    }>;
    assert.equal(link[0]?.master, 'vnbr-pt');
    assert.equal(link[0]?.mtu, 1400);
    assert.equal(link[0]?.address, `fe${mac.slice(2)}`);
    assert.equal(link[0]?.linkinfo.info_kind, 'tun');
    assert.match(hostRun('ip', '-d', 'link', 'show', 'vt-vm1').out, /user 4242|owner 4242/);
    assert.match(
      hostRun('tc', 'class', 'show', 'dev', 'vt-vm1').out,
      /htb 1:1 root .*rate 8Mbit ceil 16Mbit/,
    );
  });

  test('a second port of the same owner joins the same guest; domiflist, domifaddr and dumpxml show it', () => {
    ok(['port-add', 'pnet', '--owner', 'web1', '--tap', 'vt-web1b']);
    const list = ok(['domiflist', 'web1']);
    assert.match(list, /^ Interface\s+Type\s+Source\s+Model\s+MAC\n-+\n/);
    assert.match(list, / vnv[0-9a-f]{8}\s+network\s+pnet\s+-\s+52:54:00:aa:00:01\n/);
    assert.match(list, / vt-web1b\s+network\s+pnet\s+-\s+52:54:00:/);
    const addr = ok(['domifaddr', 'web1']);
    assert.match(addr, /^ Name {7}MAC address {10}Protocol {5}Address\n-{79}\n/);
    assert.match(addr, / vnv[0-9a-f]{8} 52:54:00:aa:00:01 {4}ipv4 {9}192\.168\.154\.50\/24\n/);
    const xml = ok(['dumpxml', 'web1']);
    assert.match(
      xml,
      /<interface type='network'>\n {6}<mac address='52:54:00:aa:00:01'\/>\n {6}<source network='pnet' portid='[0-9a-f-]{36}' bridge='vnbr-pt'\/>\n {6}<target dev='vnv[0-9a-f]{8}'\/>/,
    );
  });

  test('net-port-list, net-port-dumpxml and net-port-create speak libvirt port XML', () => {
    const uuids = ok(['net-port-list', 'pnet', '--uuid']).trim().split('\n');
    assert.equal(uuids.length, 3);
    const xml = ok(['net-port-dumpxml', 'pnet', uuids[0] as string]);
    assert.match(xml, /^<networkport>\n {2}<uuid>[0-9a-f-]{36}<\/uuid>\n {2}<owner>/);
    assert.match(xml, /<plug type='network' bridge='vnbr-pt'\/>/);
    const file = `${t.dir}/port.xml`;
    writeFileSync(
      file,
      `<networkport><owner><name>lv</name><uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid></owner><mac address='52:54:00:7b:35:93'/></networkport>`,
    );
    assert.match(ok(['net-port-create', 'pnet', file]), /^Network port [0-9a-f-]{36} created/);
    const dup = t.virtnet(['port-add', 'pnet', '--owner', 'x', '--mac', '52:54:00:7b:35:93']);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /MAC 52:54:00:7b:35:93 is already used by a port of 'lv'/);
  });

  test('traffic counters of the bridge and the port devices; host devices with their kind and master', async () => {
    assert.equal(t.tcp(ctr, t.upAddr, 8080), t.hostUplinkAddr);
    const stats = (await t.api('GET', '/v1/networks/pnet/stats')).json() as {
      bridge: { name: string; rxBytes: number };
      ports: Array<{ device: string; owner: string; rxBytes: number; txBytes: number }>;
    };
    assert.equal(stats.bridge.name, 'vnbr-pt');
    assert.ok(stats.bridge.rxBytes > 0);
    const veth = stats.ports.find((p) => p.owner === 'web1' && p.device.startsWith('vnv'));
    assert.ok(veth && veth.rxBytes > 0 && veth.txBytes > 0, JSON.stringify(stats.ports));
    const { devices } = (await t.api('GET', '/v1/host/devices')).json() as {
      devices: Array<{ name: string; kind: string; master?: string; virtnet?: string; addresses: string[] }>;
    };
    const br = devices.find((d) => d.name === 'vnbr-pt');
    assert.equal(br?.kind, 'bridge');
    assert.equal(br?.virtnet, 'pnet');
    assert.ok(br?.addresses.includes('192.168.154.1/24'));
    const tap = devices.find((d) => d.name === 'vt-vm1');
    assert.equal(tap?.kind, 'tap');
    assert.equal(tap?.master, 'vnbr-pt');
    assert.equal(devices.find((d) => d.name === veth.device)?.kind, 'veth');
  });

  test('netmode answers NAT for the network, the guest and its device, with evidence', () => {
    const net = ok(['netmode', 'pnet']);
    assert.match(net, /^NAT on network pnet \(vnbr-pt\)\n/);
    assert.match(net, /the definition says <forward mode='nat'\/>/);
    assert.match(net, /nft chain br_vnbr-pt present/);
    const guest = JSON.parse(ok(['netmode', 'web1', '--json'])) as {
      mode: string;
      problems: string[];
      evidence: string[];
    };
    assert.equal(guest.mode, 'nat');
    assert.deepEqual(guest.problems, []);
    assert.ok(
      guest.evidence.some((e) => /leased address 192\.168\.154\.50\/24/.test(e)),
      guest.evidence.join('\n'),
    );
    assert.match(ok(['netmode', 'vt-vm1']), /^NAT via vt-vm1 on network pnet/);
  });

  test('netmode names the contradiction and fails when the host disagrees', () => {
    hostRun('ip', 'link', 'set', 'dev', 'vt-vm1', 'nomaster');
    const r = t.virtnet(['netmode', 'vm1']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /device vt-vm1 is on no bridge, expected vnbr-pt/);
    hostRun('ip', 'link', 'set', 'dev', 'vt-vm1', 'master', 'vnbr-pt');
    t.nftAsOwner('delete element inet virtnet fwd_if { "vnbr-pt" }');
    const rules = t.virtnet(['netmode', 'pnet']);
    assert.equal(rules.code, 1);
    assert.match(rules.stdout, /fwd_if has no entry for vnbr-pt/);
    ok(['net-start', '--repair', 'pnet']);
    assert.equal(t.virtnet(['netmode', 'pnet']).code, 0);
  });

  test('a failed start names the step and says what to do', async () => {
    const def = await t.api(
      'POST',
      '/v1/networks',
      "<network><name>clashbr</name><forward mode='nat'/><bridge name='vt-vm1'/><ip address='192.168.156.1' prefix='24'/></network>",
    );
    assert.equal(def.status, 201, def.body);
    const r = await t.api('POST', '/v1/networks/clashbr/start');
    assert.equal(r.status, 409, 'refused for what the host has: a conflict');
    const err = (r.json() as { error: { message: string; hint?: string } }).error;
    assert.match(
      err.message,
      /step "create bridge vt-vm1" failed: a device named 'vt-vm1' already exists on the host/,
    );
    assert.match(err.hint ?? '', /choose another bridge name/);
    assert.equal(hostRun('ip', 'link', 'show', 'vt-vm1').code, 0, 'the tap is left alone');
    await t.api('DELETE', '/v1/networks/clashbr');
  });

  test('ports survive a daemon crash; a tap deleted meanwhile is recreated', async () => {
    t.killDaemon();
    hostRun('ip', 'link', 'del', 'vt-vm1');
    await t.startDaemon(['--heal-interval', '0']);
    assert.equal(hostRun('ip', 'link', 'show', 'vt-vm1').code, 0, 'tap recreated');
    assert.equal(ok(['net-port-list', 'pnet', '--uuid']).trim().split('\n').length, 4);
    assert.equal(t.tcp(ctr, t.upAddr, 8080), t.hostUplinkAddr);
  });

  test('net-port-delete removes the device and the reservation', () => {
    const ports = JSON.parse(ok(['domiflist', 'web1', '--json'])) as Array<{
      uuid: string;
      device: { kind: string };
    }>;
    const uuid = ports.find((p) => p.device.kind === 'veth')?.uuid as string;
    assert.match(ok(['net-port-delete', 'pnet', uuid]), new RegExp(`Network port ${uuid} deleted`));
    assert.equal(t.tryRun(['ip', '-n', ctr, 'link', 'show', 'eth0']).code, 1, 'veth gone with its peer');
    assert.doesNotMatch(ok(['net-dumpxml', 'pnet']), /192\.168\.154\.50/);
  });

  const master = (dev: string) =>
    (JSON.parse(hostRun('ip', '-j', 'link', 'show', 'dev', dev).out || '[]') as Array<{ master?: string }>)[0]
      ?.master;

  test('a persistent network keeps its ports across destroy and start: the taps stay and are plugged in again', () => {
    const before = ok(['net-port-list', 'pnet', '--uuid']).trim().split('\n').sort();
    ok(['net-destroy', 'pnet']);
    // a VM holds its tap's file descriptor: the tap stays (off the deleted bridge) with its bandwidth
    assert.equal(hostRun('ip', 'link', 'show', 'vt-vm1').code, 0, 'the tap is kept');
    assert.equal(master('vt-vm1'), undefined);
    assert.deepEqual(
      ok(['net-port-list', 'pnet', '--uuid']).trim().split('\n').sort(),
      before,
      'listed while inactive',
    );
    ok(['net-start', 'pnet']);
    assert.equal(master('vt-vm1'), 'vnbr-pt');
    assert.equal(master('vt-web1b'), 'vnbr-pt');
    assert.match(
      hostRun('tc', 'class', 'show', 'dev', 'vt-vm1').out,
      /htb 1:1 root .*rate 8Mbit ceil 16Mbit/,
    );
    assert.deepEqual(ok(['net-port-list', 'pnet', '--uuid']).trim().split('\n').sort(), before);
  });

  test('a deleted bridge is drift of its ports too; net-start --repair plugs them in again', () => {
    hostRun('ip', 'link', 'del', 'vnbr-pt');
    const r = t.virtnet(['net-start', '--repair', 'pnet']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(master('vt-vm1'), 'vnbr-pt');
    assert.equal(master('vt-web1b'), 'vnbr-pt');
    hostRun('ip', 'link', 'set', 'dev', 'vt-web1b', 'nomaster');
    const mode = t.virtnet(['netmode', 'pnet', '--json']);
    assert.equal(mode.code, 1, 'netmode fails on drift');
    const check = JSON.parse(mode.stdout) as { problems: string[] };
    assert.ok(
      check.problems.some((p) => /device vt-web1b of port .* is on no bridge, expected vnbr-pt/.test(p)),
      check.problems.join('\n'),
    );
    ok(['net-start', '--repair', 'pnet']);
    assert.equal(master('vt-web1b'), 'vnbr-pt');
  });

  test('undefining the stopped network drops its ports, their devices and its lease file', () => {
    ok(['net-destroy', 'pnet']);
    const leases = `${t.dir}/state/dnsmasq/pnet.leases`;
    assert.ok(existsSync(leases), 'the lease file outlives a stop (as libvirt keeps it)');
    ok(['net-undefine', 'pnet']);
    assert.equal(existsSync(leases), false, 'and goes with the network');
    assert.notEqual(hostRun('ip', 'link', 'show', 'vt-vm1').code, 0);
    assert.notEqual(hostRun('ip', 'link', 'show', 'vt-web1b').code, 0);
    assert.deepEqual(t.tryRun(['ls', `${t.dir}/state/ports`]).out.trim(), '');
  });
});

describe('isolated ports', { skip: canRunE2e() }, () => {
  let t: Topology;
  after(() => t?.destroy());

  test("<port isolated='yes'>: guests reach the gateway but not each other", async () => {
    t = new Topology();
    await t.startDaemon();
    await t.startNetwork(`<network><name>inet</name><forward mode='nat'/><bridge name='vnbr-iso' stp='off'/>
  <port isolated='yes'/>
  <ip address='192.168.155.1' netmask='255.255.255.0'><dhcp><range start='192.168.155.10' end='192.168.155.20'/></dhcp></ip>
</network>`);
    const a = t.addNamespace('a');
    const b = t.addNamespace('b');
    for (const [ns, ip] of [
      [a, '192.168.155.30'],
      [b, '192.168.155.31'],
    ] as const) {
      const r = t.virtnet(['port-add', 'inet', '--owner', ns, '--netns', `/var/run/netns/${ns}`, '--ip', ip]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(t.dhcp(ns), ip);
    }
    assert.ok(t.ping(a, '192.168.155.1'), 'gateway reachable');
    assert.ok(!t.ping(a, '192.168.155.31'), 'the other guest is not');
    const port = JSON.parse(t.virtnet(['domiflist', a, '--json']).stdout)[0] as { xml: string };
    assert.match(port.xml, /<port isolated='yes'\/>/);
  });
});
