// Port forwards with packets: from the upstream namespace, from another guest through the host's address (hairpin)
// and from the host itself, TCP and UDP, a port range; deleting stops them; a flush by another program does not
// touch virtnet's table, and the table comes back by itself if its owning nft session dies;
// Docker's FORWARD drop policy is let through via DOCKER-USER.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { canRunE2e, sleep, Topology } from './harness/topology.js';

const NET = '192.168.152';

describe('port forwards', { skip: canRunE2e() }, () => {
  let t: Topology;
  let g1: string;
  let g2: string;
  let ip1: string;

  const nftIn = (...args: string[]) => t.tryRun(['ip', 'netns', 'exec', t.hostNs, 'nft', ...args]);
  const ok = (args: string[]) => {
    const r = t.virtnet(args);
    assert.equal(r.code, 0, `virtnet ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  /** Sends one UDP datagram from ns and returns the answer (undefined on timeout). */
  const udp = (ns: string, addr: string, port: number) => {
    const code = `const s=require('dgram').createSocket('udp4');s.on('message',m=>{process.stdout.write(m);process.exit(0)});s.send('hi',${port},'${addr}');setTimeout(()=>process.exit(3),2000)`;
    const r = t.tryRun(['ip', 'netns', 'exec', ns, process.execPath, '-e', code], 5000);
    return r.code === 0 ? r.out.trim() : undefined;
  };
  /** A TCP server answering with the port it was reached on. */
  const portServer = async (ns: string, port: number) => {
    const code = `require('net').createServer(s=>s.end('port '+s.localPort+'\\n')).listen(${port},()=>console.log('up'))`;
    const p = t.spawnIn(ns, [process.execPath, '-e', code]);
    await new Promise<void>((resolve) => p.stdout?.once('data', () => resolve()));
  };

  before(async () => {
    t = new Topology();
    await t.startDaemon(['--heal-interval', '1000']);
    await t.startNetwork(`<network>
  <name>pfnet</name>
  <forward mode='nat'/>
  <bridge name='vnbr-pf'/>
  <ip address='${NET}.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='${NET}.100' end='${NET}.199'/>
      <host mac='52:54:00:00:15:10' name='web' ip='${NET}.10'/>
    </dhcp>
  </ip>
</network>`);
    g1 = t.addGuest('g1', 'vnbr-pf');
    t.sh(['ip', '-n', g1, 'link', 'set', 'eth0', 'address', '52:54:00:00:15:10']);
    ip1 = t.dhcp(g1) ?? '';
    g2 = t.addGuest('g2', 'vnbr-pf');
    assert.ok(t.dhcp(g2), 'g2 has a lease');
    await t.echoServer(g1, 80);
    await portServer(g1, 81);
    await portServer(g1, 82);
    await t.echoServer(t.upNs, 8080);
    const udpCode = `const s=require('dgram').createSocket('udp4');s.on('message',(m,r)=>s.send('udp from '+r.address,r.port,r.address));s.bind(53535,()=>console.log('up'))`;
    const u = t.spawnIn(g1, [process.execPath, '-e', udpCode]);
    await new Promise<void>((resolve) => u.stdout?.once('data', () => resolve()));
  });
  after(() => t?.destroy());

  test('the reserved guest got its address; the network names its uplink', async () => {
    assert.equal(ip1, `${NET}.10`);
    assert.equal(
      ((await t.api('GET', '/v1/networks/pfnet')).json() as { uplink?: string }).uplink,
      'uplink0',
    );
  });

  test('without a forward, upstream cannot open a connection in', () => {
    assert.equal(t.tcp(t.upNs, t.hostUplinkAddr, 8080), undefined);
  });

  test('net-forward-add carries TCP from upstream, from another guest (hairpin) and from the host', () => {
    const out = ok([
      'net-forward-add',
      'pfnet',
      '--proto',
      'tcp',
      '--listen-port',
      '8080',
      '--target',
      `${ip1}:80`,
    ]);
    assert.match(out, /Forward tcp 0\.0\.0\.0:8080 -> 192\.168\.152\.10:80 added to network pfnet/);
    // the guest sees the real client from outside (no SNAT on the way in)
    assert.equal(t.tcp(t.upNs, t.hostUplinkAddr, 8080), t.upAddr);
    // hairpin: the reply must come back through the host, so the guest sees the gateway
    assert.equal(t.tcp(g2, t.hostUplinkAddr, 8080), `${NET}.1`);
    assert.equal(t.tcp(g2, `${NET}.1`, 8080), `${NET}.1`);
    assert.equal(t.tcp(t.hostNs, t.hostUplinkAddr, 8080), t.hostUplinkAddr);
    // again: the host must not have taught g2 (ICMP redirect) to skip it
    assert.equal(t.tcp(g2, t.hostUplinkAddr, 8080), `${NET}.1`);
    // guests still reach upstream's own port 8080 (a forward only catches traffic to the host's addresses)
    assert.equal(t.tcp(g2, t.upAddr, 8080), t.hostUplinkAddr);
  });

  test('hairpin to itself: a guest reaches its own port forward (also with br_netfilter loaded)', async () => {
    // a virtnet port (its bridge port gets hairpin on), the target of a forward of its own
    const c = t.addNamespace('self');
    const r = t.virtnet([
      'port-add',
      'pfnet',
      '--owner',
      'self',
      '--netns',
      `/var/run/netns/${c}`,
      '--ip',
      `${NET}.20`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(t.dhcp(c), `${NET}.20`);
    await t.echoServer(c, 80);
    ok(['net-forward-add', 'pfnet', '--listen-port', '8097', '--target', `${NET}.20:80`]);
    // DNATed back to its own address, the connection must come from the gateway (masqueraded), or the guest
    // would see a packet from itself; with br_netfilter the bridge must also send it back out its port
    assert.equal(t.tcp(c, t.hostUplinkAddr, 8097), `${NET}.1`);
    assert.equal(t.tcp(c, `${NET}.1`, 8097), `${NET}.1`);
    assert.equal(t.tcp(t.upNs, t.hostUplinkAddr, 8097), t.upAddr, 'and from outside as before');
    ok(['net-forward-delete', 'pfnet', '--listen-port', '8097']);
  });

  test('net-forward-list shows the forward with its hit counter; --json too', () => {
    const table = ok(['net-forward-list', 'pfnet']);
    const row = table.split('\n').find((l) => l.includes('8080'));
    assert.ok(row, table);
    const cols = row.trim().split(/\s{3,}/);
    assert.deepEqual(cols.slice(0, 3), ['tcp', '0.0.0.0', '8080']);
    assert.equal(cols[3], `${NET}.10:80`);
    assert.equal(cols[4], '5', `hits: ${row}`);
    const json = JSON.parse(ok(['net-forward-list', 'pfnet', '--json'])) as Array<{
      hits: number;
      live: boolean;
    }>;
    assert.equal(json.length, 1);
    assert.equal(json[0]?.live, true);
  });

  test('the forward is kept in the definition, in virtnet metadata', () => {
    const xml = ok(['net-dumpxml', 'pfnet', '--inactive']);
    assert.match(
      xml,
      /<virtnet:forwards xmlns:virtnet="https:\/\/virtnet\.dev\/xmlns\/network-forwards\/1">/,
    );
    assert.match(
      xml,
      /<virtnet:forward proto="tcp" port="8080" target="192\.168\.152\.10" targetPort="80"\/>/,
    );
  });

  test('a clashing forward and a target outside the network are refused and change nothing', () => {
    const before = nftIn('list', 'table', 'inet', 'virtnet').out;
    const clash = t.virtnet([
      'net-forward-add',
      'pfnet',
      '--listen-port',
      '8080',
      '--target',
      `${NET}.11:80`,
    ]);
    assert.equal(clash.code, 1);
    assert.match(clash.stderr, /clashes with existing forward tcp 0\.0\.0\.0:8080/);
    const outside = t.virtnet([
      'net-forward-add',
      'pfnet',
      '--listen-port',
      '8090',
      '--target',
      '10.9.9.9:80',
    ]);
    assert.equal(outside.code, 1);
    assert.match(outside.stderr, /forward target 10\.9\.9\.9 is outside network 'pfnet'/);
    assert.equal(nftIn('list', 'table', 'inet', 'virtnet').out, before);
  });

  test('--dry-run prints the nft change and the file, and changes nothing', () => {
    const out = ok(['net-forward-add', 'pfnet', '--listen-port', '8095', '--target', 'web:80', '--dry-run']);
    assert.match(
      out,
      /add map inet virtnet pf4_any \{ type inet_proto \. inet_service : verdict; elements = \{ tcp \. 8095 : jump pf_[\w-]+_tcp_any_8095 \} \}/,
    );
    assert.match(out, /write .*pfnet\.xml/);
    assert.equal(t.tcp(t.upNs, t.hostUplinkAddr, 8095), undefined);
    assert.doesNotMatch(ok(['net-forward-list', 'pfnet']), /8095/);
  });

  test('a UDP forward on a listen address, and a port range mapped port by port', () => {
    ok([
      'net-forward-add',
      'pfnet',
      '--proto',
      'udp',
      '--listen-address',
      t.hostUplinkAddr,
      '--listen-port',
      '5300',
      '--target',
      'web:53535',
    ]);
    assert.equal(udp(t.upNs, t.hostUplinkAddr, 5300), `udp from ${t.upAddr}`);
    ok(['net-forward-add', 'pfnet', '--listen-port', '9081-9082', '--target', `${ip1}:81`]);
    assert.equal(t.tcp(t.upNs, t.hostUplinkAddr, 9081), 'port 81');
    assert.equal(t.tcp(t.upNs, t.hostUplinkAddr, 9082), 'port 82');
  });

  test("another program's `nft flush ruleset` leaves virtnet's table alone: forwards and NAT keep working", () => {
    const before = nftIn('list', 'table', 'inet', 'virtnet').out;
    assert.equal(nftIn('flush', 'ruleset').code, 0);
    assert.equal(nftIn('list', 'table', 'inet', 'virtnet').out, before, 'flags owner: skipped by the flush');
    assert.notEqual(nftIn('delete', 'table', 'inet', 'virtnet').code, 0, 'and nobody else may delete it');
    assert.equal(t.tcp(t.upNs, t.hostUplinkAddr, 8080), t.upAddr);
    assert.equal(t.tcp(g2, t.upAddr, 8080), t.hostUplinkAddr);
  });

  test('the table comes back by itself when the nft session that owns it dies', async () => {
    for (const pid of t.nftSessionPids()) process.kill(pid, 'SIGKILL');
    let back = false;
    for (let i = 0; i < 40 && !back; i++) {
      await sleep(100);
      back = nftIn('list', 'map', 'inet', 'virtnet', 'fwd_if').out.includes('vnbr-pf');
    }
    assert.ok(back, 'table restored within 4 s');
    assert.equal(t.tcp(t.upNs, t.hostUplinkAddr, 8080), t.upAddr);
    assert.equal(t.tcp(g2, t.upAddr, 8080), t.hostUplinkAddr);
  });

  test("Docker's FORWARD drop policy: accept rules go into DOCKER-USER and guests get out", async () => {
    t.sh(
      ['ip', 'netns', 'exec', t.hostNs, 'nft', '-f', '-'],
      `table ip filter {
  chain DOCKER-USER {
    return
  }
  chain FORWARD {
    type filter hook forward priority filter; policy drop;
    jump DOCKER-USER
  }
}
`,
    );
    let letThrough = false;
    for (let i = 0; i < 40 && !letThrough; i++) {
      await sleep(100);
      letThrough = nftIn('list', 'chain', 'ip', 'filter', 'DOCKER-USER').out.includes('virtnet:vnbr-pf');
    }
    assert.ok(letThrough, 'virtnet rules in DOCKER-USER');
    assert.equal(t.tcp(g2, t.upAddr, 8080), t.hostUplinkAddr);
    assert.equal(t.tcp(t.upNs, t.hostUplinkAddr, 8080), t.upAddr);
  });

  test('net-forward-delete stops the forward', () => {
    const out = ok(['net-forward-delete', 'pfnet', '--proto', 'tcp', '--listen-port', '8080']);
    assert.match(out, /Forward tcp 0\.0\.0\.0:8080 deleted from network pfnet/);
    assert.equal(t.tcp(t.upNs, t.hostUplinkAddr, 8080), undefined);
    assert.equal(t.tcp(g2, t.hostUplinkAddr, 8080), undefined);
    const missing = t.virtnet(['net-forward-delete', 'pfnet', '--listen-port', '8080']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /has no forward tcp 0\.0\.0\.0:8080/);
  });

  test('net-define, net-start and net-destroy --dry-run print the host changes and make none', () => {
    const file = `${t.dir}/dry.xml`;
    writeFileSync(
      file,
      `<network><name>dry</name><forward mode='nat'/><bridge name='vnbr-dry'/><ip address='192.168.153.1' prefix='24'><dhcp><range start='192.168.153.10' end='192.168.153.20'/></dhcp></ip></network>`,
    );
    assert.match(
      ok(['net-define', file, '--dry-run']),
      /write .*\/config\/networks\/dry\.xml <<EOF\n<network>\n {2}<name>dry<\/name>/,
    );
    assert.equal(t.virtnet(['net-info', 'dry']).code, 1, 'not defined by a dry run');
    ok(['net-define', file]);
    const start = ok(['net-start', 'dry', '--dry-run']);
    assert.match(start, /link add name vnbr-dry/);
    assert.match(
      start,
      /add map inet virtnet fwd_if \{ type ifname : verdict; elements = \{ "vnbr-dry" : jump br_[\w-]+ \} \}/,
    );
    assert.match(start, /dnsmasq --conf-file=\S+dry\.conf/);
    assert.match(start, /write \S+dry\.conf <<EOF\n[\s\S]*dhcp-range=192\.168\.153\.10,192\.168\.153\.20/);
    assert.notEqual(t.tryRun(['ip', '-n', t.hostNs, 'link', 'show', 'vnbr-dry']).code, 0, 'no bridge made');
    const stop = ok(['net-destroy', 'pfnet', '--dry-run']);
    assert.match(stop, /kill -TERM \d+/);
    assert.match(stop, /delete element inet virtnet pf4_any \{ tcp \. 9081 \}/);
    assert.match(stop, /ip link del dev vnbr-pf/);
    assert.equal(t.tryRun(['ip', '-n', t.hostNs, 'link', 'show', 'vnbr-pf']).code, 0, 'still there');
  });

  test('destroy removes every forward chain and the DOCKER-USER rules', async () => {
    ok(['net-destroy', 'pfnet']);
    const table = nftIn('list', 'table', 'inet', 'virtnet').out;
    assert.doesNotMatch(table, /pf_vnbr/);
    assert.doesNotMatch(table, /elements/);
    let gone = false;
    for (let i = 0; i < 40 && !gone; i++) {
      await sleep(100);
      gone = !nftIn('list', 'chain', 'ip', 'filter', 'DOCKER-USER').out.includes('virtnet:');
    }
    assert.ok(gone, 'DOCKER-USER rules removed');
  });
});
