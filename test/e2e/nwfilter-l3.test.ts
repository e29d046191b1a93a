// Traffic filters with packets on a virtnet network: IP-level rules with connection tracking (the guest may open
// connections, others may only reach its port 22), a redefinition re-applied to the running binding, and a guest
// whose address comes from its DHCP lease (CTRL_IP_LEARNING=dhcp): DHCP only until the lease, then its own
// address only.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { portId } from '../../src/render/nft-nwfilter.js';
import { canRunE2e, sleep, Topology } from './harness/topology.js';

const NET = '192.168.151';
const FIREWALL = `<filter name='vm-firewall'>
  <rule action='accept' direction='in' priority='100'><tcp dstportstart='22'/></rule>
  <rule action='accept' direction='out' priority='200'><tcp/></rule>
  <rule action='accept' direction='inout' priority='300'><icmp/></rule>
  <rule action='drop' direction='inout' priority='1000'><all/></rule>
</filter>`;

const binding = (dev: string, mac: string, filter: string, params = '') => `<filterbinding>
  <owner><name>g</name><uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid></owner>
  <portdev name='${dev}'/>
  <mac address='${mac}'/>
  <filterref filter='${filter}'>${params}</filterref>
</filterbinding>`;

describe('nwfilter on a virtnet network', { skip: canRunE2e() }, () => {
  let t: Topology;
  let g1: string;
  let g2: string;
  let g3: string;
  let ip1: string | undefined;
  let ip2: string | undefined;
  const port = (name: string) => `vg-${t.id}-${name}`.slice(0, 15);

  before(async () => {
    t = new Topology();
    await t.startDaemon();
    await t.startNetwork(`<network>
  <name>nwfnet</name>
  <bridge name='vnbr-nwf'/>
  <ip address='${NET}.1' netmask='255.255.255.0'>
    <dhcp><range start='${NET}.100' end='${NET}.199'/></dhcp>
  </ip>
</network>`);
    g1 = t.addGuest('g1', 'vnbr-nwf');
    g2 = t.addGuest('g2', 'vnbr-nwf');
    g3 = t.addGuest('g3', 'vnbr-nwf');
    t.sh(['ip', '-n', g3, 'link', 'set', 'eth0', 'address', '52:54:00:51:00:03']);
    ip1 = t.dhcp(g1);
    ip2 = t.dhcp(g2);
    for (const ns of [g1, g2]) {
      await t.echoServer(ns, 8080);
      await t.echoServer(ns, 22);
    }
  });
  after(() => t?.destroy());

  const cli = (...args: string[]) => t.virtnet(args);
  const file = (name: string, text: string) => {
    const f = join(t.dir, name);
    writeFileSync(f, text);
    return f;
  };
  const udp = (from: string, to: string) => {
    // a datagram answered by nothing: seen or not with a listener that exits on the first one
    const code = `const d=require('dgram');const s=d.createSocket('udp4');s.send('x',9999,'${to}',()=>s.close())`;
    t.tryRun(['ip', 'netns', 'exec', from, process.execPath, '-e', code], 5000);
  };

  test('the guests have leases', () => {
    assert.match(ip1 ?? '', /^192\.168\.151\.1\d\d$/);
    assert.match(ip2 ?? '', /^192\.168\.151\.1\d\d$/);
  });

  test('IP-level rules: the guest connects out, others reach only its port 22, ICMP both ways', () => {
    assert.equal(cli('nwfilter-define', file('fw.xml', FIREWALL)).code, 0);
    const mac = JSON.parse(t.sh(['ip', '-n', g1, '-j', 'link', 'show', 'eth0']))[0].address as string;
    const r = cli('nwfilter-binding-create', file('b1.xml', binding(port('g1'), mac, 'vm-firewall')));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(t.tcp(g1, ip2 as string, 8080), ip1, 'g1 connects to g2');
    assert.equal(t.tcp(g2, ip1 as string, 8080), undefined, 'g2 must not reach g1:8080');
    assert.equal(t.tcp(g2, ip1 as string, 22), ip2, 'g2 reaches g1:22');
    assert.ok(t.ping(g1, ip2 as string), 'g1 pings g2');
    assert.ok(t.ping(g2, ip1 as string), 'g2 pings g1');
  });

  test('redefining the filter in use re-applies it: now UDP may leave the guest too', async () => {
    const capture = t.spawnIn(g2, ['tcpdump', '-i', 'eth0', '-nn', '-l', 'udp port 9999']);
    let seen = '';
    capture.stdout?.on('data', (b: Buffer) => {
      seen += b;
    });
    await sleep(1000);
    udp(g1, ip2 as string);
    await sleep(500);
    assert.equal(seen, '', 'UDP from g1 is dropped');
    const xml = cli('nwfilter-dumpxml', 'vm-firewall').stdout;
    const more = xml.replace(
      "<rule action='drop'",
      "<rule action='accept' direction='out' priority='400'>\n    <udp/>\n  </rule>\n  <rule action='drop'",
    );
    const r = cli('nwfilter-define', file('fw2.xml', more));
    assert.equal(r.code, 0, r.stderr);
    udp(g1, ip2 as string);
    await sleep(500);
    assert.match(seen, /\.9999: UDP/, 'UDP from g1 passes after the redefinition');
    capture.kill('SIGTERM');
    const u = cli('nwfilter-undefine', 'vm-firewall');
    assert.equal(u.code, 1);
    assert.match(u.stderr, /error: Requested operation is not valid: nwfilter is in use/);
  });

  test('an address from the DHCP lease: DHCP only until it is leased, then only that address', async () => {
    const dev = port('g3');
    const r = cli(
      'nwfilter-binding-create',
      file(
        'b3.xml',
        binding(
          dev,
          '52:54:00:51:00:03',
          'clean-traffic',
          "<parameter name='CTRL_IP_LEARNING' value='dhcp'/>",
        ),
      ),
    );
    assert.equal(r.code, 0, r.stderr);
    // a static address before any lease: nothing but DHCP passes
    t.sh(['ip', '-n', g3, 'addr', 'add', `${NET}.50/24`, 'dev', 'eth0']);
    assert.equal(t.ping(g3, `${NET}.1`), false, 'no traffic before the lease');
    t.sh(['ip', '-n', g3, 'addr', 'flush', 'dev', 'eth0']);
    const ip3 = t.dhcp(g3);
    assert.match(ip3 ?? '', /^192\.168\.151\.1\d\d$/, 'DHCP works while waiting');
    let ok = false;
    for (let i = 0; i < 20 && !ok; i++) {
      ok = t.ping(g3, `${NET}.1`);
      if (!ok) await sleep(250);
    }
    assert.ok(ok, 'the leased address passes');
    const set = t.sh([
      'ip',
      'netns',
      'exec',
      t.hostNs,
      'nft',
      'list',
      'set',
      'bridge',
      'virtnet_filter',
      `ip-${portId(dev)}`,
    ]);
    assert.ok(set.includes(`elements = { ${ip3} }`), set);
    t.sh(['ip', '-n', g3, 'addr', 'add', `${NET}.60/32`, 'dev', 'eth0']);
    const spoof = t.tryRun([
      'ip',
      'netns',
      'exec',
      g3,
      'ping',
      '-c',
      '1',
      '-W',
      '1',
      '-I',
      `${NET}.60`,
      `${NET}.1`,
    ]);
    assert.notEqual(spoof.code, 0, 'another source address is dropped');
  });

  test('port-add --filter: a container filtered from the start; deleting the port removes the binding', () => {
    const c = t.addNamespace('c1');
    const r = cli(
      'port-add',
      'nwfnet',
      '--owner',
      'c1',
      '--netns',
      `/var/run/netns/${c}`,
      '--mac',
      '52:54:00:51:00:09',
      '--ip',
      `${NET}.9`,
      '--filter',
      'clean-traffic',
      '--filter-param',
      `IP=${NET}.9`,
    );
    assert.equal(r.code, 0, r.stderr);
    const dev = /device: {2}veth (\S+)/.exec(r.stdout)?.[1] as string;
    assert.ok(dev, r.stdout);
    assert.match(cli('nwfilter-binding-list').stdout, new RegExp(`${dev}\\s+clean-traffic`));
    const dx = cli('nwfilter-binding-dumpxml', dev);
    assert.match(dx.stdout, /<name>c1<\/name>/, dx.stderr);
    assert.equal(t.dhcp(c), `${NET}.9`);
    assert.ok(t.ping(c, `${NET}.1`), 'its own address passes');
    t.sh(['ip', '-n', c, 'addr', 'add', `${NET}.70/32`, 'dev', 'eth0']);
    const spoof = t.tryRun([
      'ip',
      'netns',
      'exec',
      c,
      'ping',
      '-c',
      '1',
      '-W',
      '1',
      '-I',
      `${NET}.70`,
      `${NET}.1`,
    ]);
    assert.notEqual(spoof.code, 0, 'a spoofed source address is dropped');
    const uuid = /Port (\S+) created/.exec(r.stdout)?.[1] as string;
    const d = cli('net-port-delete', 'nwfnet', uuid);
    assert.equal(d.code, 0, d.stderr);
    assert.doesNotMatch(cli('nwfilter-binding-list').stdout, new RegExp(dev));
  });

  test('define-guest: an interface with <filterref> gets a filtered tap', () => {
    const xml = `<domain><name>vmf</name><uuid>5c6d49af-b071-6127-b4ec-6f8ed4b55399</uuid><devices>
  <interface type='network'><source network='nwfnet'/><mac address='52:54:00:51:00:0a'/><target dev='vtf-${t.id}'/>
    <filterref filter='no-mac-spoofing'/>
  </interface></devices></domain>`;
    const r = cli('define-guest', file('vmf.xml', xml));
    assert.equal(r.code, 0, r.stderr);
    assert.match(cli('nwfilter-binding-list').stdout, new RegExp(`vtf-${t.id}\\s+no-mac-spoofing`));
    const rules = t.sh([
      'ip',
      'netns',
      'exec',
      t.hostNs,
      'nft',
      'list',
      'chain',
      'bridge',
      'virtnet_filter',
      `I-${portId(`vtf-${t.id}`)}/mac`,
    ]);
    assert.match(rules, /ether saddr 52:54:00:51:00:0a return/);
  });

  test('rules another program flushes are restored by the heal loop', async () => {
    assert.equal(t.tcp(g2, ip1 as string, 8080), undefined, 'filtered before');
    t.sh(['ip', 'netns', 'exec', t.hostNs, 'nft', 'flush', 'ruleset']);
    let back = false;
    for (let i = 0; i < 40 && !back; i++) {
      await sleep(250);
      const r = t.tryRun([
        'ip',
        'netns',
        'exec',
        t.hostNs,
        'nft',
        'list',
        'chain',
        'bridge',
        'virtnet_filter',
        `libvirt-I-${portId(port('g1'))}`,
      ]);
      back = r.code === 0 && r.out.includes('meta mark set');
    }
    assert.ok(back, 'the binding was re-applied');
    assert.equal(t.tcp(g2, ip1 as string, 8080), undefined, 'filtered again');
    assert.ok(t.ping(g3, `${NET}.1`), 'the leased address was kept');
  });

  test('the daemon restarted re-applies the bindings and keeps the leased address', async () => {
    t.killDaemon();
    await t.startDaemon();
    const list = cli('nwfilter-binding-list').stdout;
    assert.match(list, new RegExp(`${port('g1')}\\s+vm-firewall`));
    assert.match(list, new RegExp(`${port('g3')}\\s+clean-traffic`));
    assert.equal(t.tcp(g2, ip1 as string, 8080), undefined, 'still filtered');
    assert.ok(t.ping(g3, `${NET}.1`), 'the leased address still passes');
    for (const p of [port('g1'), port('g3')]) assert.equal(cli('nwfilter-binding-delete', p).code, 0);
    assert.equal(t.tcp(g2, ip1 as string, 8080), ip2, 'unfiltered again');
    const rules = t.sh(['ip', 'netns', 'exec', t.hostNs, 'nft', 'list', 'table', 'bridge', 'virtnet_filter']);
    assert.ok(!rules.includes(port('g1')), rules);
  });
});
