// A network that spans hosts, with packets: three host namespaces on one underlay, each with its own virtnetd and
// FRR, start the same overlay network (VXLAN + BGP-EVPN); one container guest per host gets a distinct lease,
// reaches the others by TCP, moves 10 MB across hosts and leaves masqueraded as its own host. Then: a member's
// control plane killed (the others keep talking; it comes back and adopts), a member's virtnetd restarted alone
// (FRR kept, nobody disturbed), a guest that moves to another host (same address, reachable within 2 s), and a
// fourth host that joins the running network; reservations on every member, DHCP while a member is lost, and an
// isolated network stretched beside the NAT one.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  byteCounter,
  dhcpAs,
  dhcpMtu,
  Fabric,
  type FabricHost,
  sendBytes,
  udpEcho,
  udpProbe,
  until,
} from './harness/fabric.js';
import { canRunE2e, tryRun } from './harness/topology.js';

const SUBNET = '10.123.0';
const XML = `<network>
  <name>stretch</name>
  <forward mode='nat'/>
  <bridge name='vnbr-ov'/>
  <domain name='ov.test' localOnly='yes'/>
  <metadata>
    <virtnet:overlay xmlns:virtnet='https://virtnet.dev/xmlns/network-overlay/1' vni='100'/>
  </metadata>
  <ip address='${SUBNET}.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='${SUBNET}.10' end='${SUBNET}.209'/>
      <host mac='52:54:00:0b:00:98' name='fixed1' ip='${SUBNET}.15'/>
      <host mac='52:54:00:0b:00:99' name='fixed2' ip='${SUBNET}.200'/>
    </dhcp>
  </ip>
</network>`;
// isolated (no <forward>), a second VNI on the same members
const ISLAND = `<network>
  <name>island</name>
  <bridge name='vnbr-is'/>
  <metadata><virtnet:overlay xmlns:virtnet='https://virtnet.dev/xmlns/network-overlay/1' vni='101'/></metadata>
  <ip address='10.126.0.1' netmask='255.255.255.0'><dhcp><range start='10.126.0.10' end='10.126.0.100'/></dhcp></ip>
</network>`;

function canRunOverlay(): string | undefined {
  const base = canRunE2e();
  if (base) return base;
  for (const f of ['/usr/lib/frr/zebra', '/usr/lib/frr/bgpd', '/usr/bin/vtysh'])
    if (tryRun(['test', '-x', f]).code !== 0) return `needs FRR (${f}): apt-get install frr`;
  return undefined;
}

interface Guest {
  host: FabricHost;
  ns: string;
  /** Its DHCP host name. */
  name: string;
  mac: string;
  ip: string;
}

describe('overlay network across three hosts', { skip: canRunOverlay() }, () => {
  let fabric: Fabric;
  const guests: Guest[] = [];
  const ok = (h: FabricHost, args: string[]) => {
    const r = h.t.virtnet(args);
    assert.equal(r.code, 0, `host ${h.index + 1}: virtnet ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const overlayInfo = (h: FabricHost) =>
    JSON.parse(ok(h, ['net-overlay-info', 'stretch', '--json'])) as {
      peers: Array<{ address: string; state: string }>;
      remoteVteps: string[];
      remotes: Array<{ mac: string; ip?: string; vtep: string }>;
    };
  /** A container on host h, plugged in with port-add --netns, with a lease from DHCP. */
  const plug = (h: FabricHost, name: string, mac: string, net = 'stretch'): Guest => {
    const ns = h.t.addNamespace(name);
    ok(h, ['port-add', net, '--owner', name, '--netns', `/var/run/netns/${ns}`, '--mac', mac]);
    const ip = dhcpAs(h.t, ns, name);
    assert.ok(ip, `no lease for ${name} on host ${h.index + 1}`);
    return { host: h, ns, name, mac, ip };
  };
  const established = (h: FabricHost, peers: string[]) => {
    const info = overlayInfo(h);
    return peers.every((p) => info.peers.find((x) => x.address === p)?.state === 'Established');
  };

  before(async () => {
    // three hosts now; every peer list names a fourth, which is down until the last test
    fabric = new Fabric(3, 4);
    await fabric.start();
    for (const h of fabric.hosts) {
      await h.t.startNetwork(XML);
      await h.t.echoServer(h.t.upNs, 8080);
    }
    const vteps = fabric.hosts.map((h) => h.vtep);
    for (const h of fabric.hosts) {
      const up = await until(
        () =>
          established(
            h,
            vteps.filter((v) => v !== h.vtep),
          ),
        15000,
        200,
      );
      assert.ok(
        up,
        `host ${h.index + 1}: BGP sessions not established: ${JSON.stringify(overlayInfo(h).peers)}`,
      );
    }
    for (const h of fabric.hosts) guests.push(plug(h, `g${h.index + 1}`, `52:54:00:0b:00:0${h.index + 1}`));
    for (const g of guests) {
      await g.host.t.echoServer(g.ns, 7000);
      await udpEcho(g.host.t, g.ns, 7001);
    }
  });
  after(() => fabric?.destroy());

  test('same XML everywhere: anycast gateway MAC from the VNI, net-info shows VNI and VTEP, MTU fits the underlay', async () => {
    for (const h of fabric.hosts) {
      const info = ok(h, ['net-info', 'stretch']);
      assert.match(info, /^VNI: {12}100$/m);
      assert.match(info, new RegExp(`^Local VTEP: {5}${h.vtep.replace(/\./g, '\\.')}$`, 'm'));
      assert.match(info, /^MTU: {12}1450$/m);
      // the round trip keeps the element as written; the MAC is the one every member derives from the VNI
      const xml = ok(h, ['net-dumpxml', 'stretch', '--inactive']);
      assert.match(
        xml,
        /<virtnet:overlay xmlns:virtnet="https:\/\/virtnet.dev\/xmlns\/network-overlay\/1" vni="100"\/>/,
      );
      assert.match(xml, /<bridge name='vnbr-ov' stp='off' delay='0'\/>/);
      assert.match(xml, /<mac address='02:76:6e:00:00:64'\/>/);
      const vx = JSON.parse(
        tryRun(['ip', '-n', h.t.hostNs, '-d', '-j', 'link', 'show', 'dev', 'vxlan100']).out,
      )[0];
      assert.equal(vx.linkinfo.info_data.id, 100);
      assert.equal(vx.linkinfo.info_data.local, h.vtep);
      assert.equal(vx.linkinfo.info_data.port, 4789);
      assert.equal(vx.linkinfo.info_data.learning, false);
      assert.equal(vx.linkinfo.info_slave_data.neigh_suppress, true);
      assert.equal(vx.master, 'vnbr-ov');
      assert.equal(vx.mtu, 1450);
      // what the probe sees is what the plan made: no drift, so the heal loop leaves it alone
      assert.deepEqual((await h.t.api('GET', '/v1/networks/stretch/check')).json(), { problems: [] });
    }
  });

  test('each guest has a distinct lease in the range and the MTU of the overlay (port-add and DHCP option 26)', () => {
    const ips = guests.map((g) => g.ip);
    assert.equal(new Set(ips).size, 3, `leases not distinct: ${ips.join(' ')}`);
    for (const ip of ips) {
      const last = Number(ip.split('.')[3]);
      assert.ok(ip.startsWith(`${SUBNET}.`) && last >= 10 && last <= 209, `${ip} outside the range`);
    }
    for (const g of guests) {
      const link = JSON.parse(tryRun(['ip', '-n', g.ns, '-j', 'link', 'show', 'dev', 'eth0']).out)[0];
      assert.equal(link.mtu, 1450, `MTU of ${g.ns}`);
      assert.equal(dhcpMtu(g.host.t, g.ns), 1450, `DHCP option 26 to ${g.ns}`);
    }
  });

  test("reservations apply on every member, also for an address in another member's slice", () => {
    const [h1, , h3] = fabric.hosts as [FabricHost, FabricHost, FabricHost];
    // .15 is in host 1's slice, .200 in host 4's: the reservation wins wherever the guest is plugged in
    assert.equal(plug(h3, 'fixed1', '52:54:00:0b:00:98').ip, `${SUBNET}.15`);
    assert.equal(plug(h1, 'fixed2', '52:54:00:0b:00:99').ip, `${SUBNET}.200`);
  });

  test('every guest reaches the other two by TCP, and 10 MB cross the overlay', async () => {
    for (const a of guests)
      for (const b of guests) {
        if (a === b) continue;
        assert.equal(a.host.t.tcp(a.ns, b.ip, 7000), a.ip, `${a.ns} -> ${b.ns}`);
      }
    const [g1, , g3] = guests as [Guest, Guest, Guest];
    await byteCounter(g3.host.t, g3.ns, 7002);
    assert.equal(sendBytes(g1.ns, g3.ip, 7002, 10 * 1024 * 1024), 10 * 1024 * 1024);
  });

  test('each guest reaches upstream masqueraded as its own host', () => {
    for (const g of guests) assert.equal(g.host.t.tcp(g.ns, g.host.t.upAddr, 8080), g.host.t.hostUplinkAddr);
  });

  test("DNS names of guests on other members resolve everywhere (plain and in the network's domain)", async () => {
    for (const a of guests)
      for (const b of guests) {
        const found = await until(
          () => a.host.t.resolve(a.ns, `${b.name}.ov.test`, `${SUBNET}.1`).includes(b.ip),
          8000,
          250,
        );
        assert.ok(found, `${a.ns} cannot resolve ${b.name}.ov.test`);
        assert.deepEqual(a.host.t.resolve(a.ns, b.name, `${SUBNET}.1`), [b.ip], `${a.ns}: ${b.name}`);
      }
  });

  test('net-overlay-info: sessions, remote VTEPs, remote MACs and addresses learned through EVPN', () => {
    const h = fabric.hosts[0] as FabricHost;
    const info = overlayInfo(h);
    const state = (i: number) => info.peers.find((p) => p.address === fabric.vtepOf(i))?.state;
    assert.equal(state(1), 'Established');
    assert.equal(state(2), 'Established');
    // the fourth member is configured but down: not an error, its session waits
    assert.notEqual(state(3), undefined);
    assert.notEqual(state(3), 'Established');
    assert.deepEqual(info.remoteVteps, [fabric.vtepOf(1), fabric.vtepOf(2)]);
    for (const g of guests.slice(1))
      assert.ok(
        info.remotes.some((r) => r.mac === g.mac && r.vtep === g.host.vtep),
        `${g.mac} not learned from ${g.host.vtep}: ${JSON.stringify(info.remotes)}`,
      );
    const text = ok(h, ['net-overlay-info', 'stretch']);
    assert.match(text, /^VNI: {12}100$/m);
    assert.match(text, new RegExp(`${fabric.vtepOf(1).replace(/\./g, '\\.')}\\s+Established`));
  });

  test("host 2's virtnetd and FRR killed: hosts 1 and 3 keep talking; host 2 comes back and adopts", async () => {
    const [g1, g2, g3] = guests as [Guest, Guest, Guest];
    const h2 = fabric.hosts[1] as FabricHost;
    const probe = udpProbe(g1.host.t, g1.ns, g3.ip, 7001);
    await new Promise((r) => setTimeout(r, 500));
    // host 2 lost entirely: its control plane and its dnsmasq
    fabric.killControlPlane(1);
    for (const pid of h2.t.dnsmasqPids()) process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 2000));
    const during = udpProbe(g3.host.t, g3.ns, g1.ip, 7001);
    // DHCP goes on elsewhere: a new guest on host 3 gets an address nobody has
    const late = plug(g3.host, 'g5', '52:54:00:0b:00:05');
    assert.ok(!guests.some((g) => g.ip === late.ip), `host 3 gave ${late.ip}, an address in use`);
    await h2.t.startDaemon(h2.flags);
    assert.equal(fabric.frrPids(1).length, 2, "host 2's FRR not started again");
    // host 2's guest is reachable again once its routes are announced anew
    const back = await until(() => g1.host.t.tcp(g1.ns, g2.ip, 7000) === g1.ip, 10000, 200);
    assert.ok(back, "host 2's guest not reachable again");
    const r1 = await probe.stop();
    const r3 = await during.stop();
    assert.ok(r1.received > 0 && r1.maxGapMs < 1000, `1 -> 3 gap ${JSON.stringify(r1)}`);
    assert.ok(
      r3.received > 0 && r3.maxGapMs < 1000,
      `3 -> 1 gap while host 2 came back ${JSON.stringify(r3)}`,
    );
    // adoption took the running network over: the guest kept its device and address, and DHCP is back
    assert.equal(h2.t.tcp(g2.ns, g3.ip, 7000), g2.ip);
    assert.ok(await until(() => h2.t.dnsmasqPids().length === 1, 5000), "host 2's dnsmasq not started again");
  });

  test("a member's virtnetd restarted alone (FRR kept) disturbs no guest", async () => {
    const [g1, g2, g3] = guests as [Guest, Guest, Guest];
    const h2 = fabric.hosts[1] as FabricHost;
    const before = fabric.frrPids(1).sort();
    const probes = [
      udpProbe(g1.host.t, g1.ns, g2.ip, 7001),
      udpProbe(g2.host.t, g2.ns, g3.ip, 7001),
      udpProbe(g3.host.t, g3.ns, g1.ip, 7001),
    ];
    await new Promise((r) => setTimeout(r, 300));
    h2.t.killDaemon();
    await h2.t.startDaemon(h2.flags);
    await new Promise((r) => setTimeout(r, 1500));
    for (const p of probes) {
      const r = await p.stop();
      assert.ok(r.received > 0 && r.maxGapMs < 300, `gap during the restart ${JSON.stringify(r)}`);
    }
    assert.deepEqual(fabric.frrPids(1).sort(), before, 'FRR was restarted');
  });

  test('a guest moved from host 1 to host 3 keeps its address and is reachable again within 2 s', async () => {
    const g1 = guests[0] as Guest;
    const [h1, , h3] = fabric.hosts as [FabricHost, FabricHost, FabricHost];
    const g2 = guests[1] as Guest;
    // host 3 learned g1's binding from EVPN while it ran on host 1
    const learned = await until(() => {
      const info = overlayInfo(h3);
      return info.remotes.some((r) => r.mac === g1.mac && r.ip === g1.ip);
    }, 5000);
    assert.ok(learned, "host 3 never learned g1's address from EVPN");
    const ports = JSON.parse(ok(h1, ['net-port-list', 'stretch', '--json'])) as Array<{
      uuid: string;
      mac: string;
    }>;
    const port = ports.find((p) => p.mac === g1.mac);
    assert.ok(port, 'g1 has no port on host 1');
    ok(h1, ['net-port-delete', 'stretch', port.uuid]);
    const probe = udpProbe(g2.host.t, g2.ns, g1.ip, 7001);
    const moved = plug(h3, 'g1moved', g1.mac);
    const plugged = Date.now();
    assert.equal(moved.ip, g1.ip, 'the moved guest got another address');
    await udpEcho(h3.t, moved.ns, 7001);
    await h3.t.echoServer(moved.ns, 7000);
    const reached = await until(() => g2.host.t.tcp(g2.ns, moved.ip, 7000) === g2.ip, 2000, 50);
    assert.ok(reached, 'the moved guest not reachable within 2 s');
    const r = await probe.stop();
    assert.ok(r.received > 0, 'no answer from the moved guest');
    assert.ok(Date.now() - plugged < 5000);
    guests[0] = moved;
  });

  test('a fourth host joins the running network', async () => {
    const h4 = fabric.addHost();
    await h4.t.startDaemon(h4.flags);
    await h4.t.startNetwork(XML);
    const vteps = fabric.hosts.map((h) => h.vtep).filter((v) => v !== h4.vtep);
    assert.ok(await until(() => established(h4, vteps), 15000, 200), 'host 4 did not join');
    const g4 = plug(h4, 'g4', '52:54:00:0b:00:04');
    assert.ok(!guests.some((g) => g.ip === g4.ip), `host 4 gave ${g4.ip}, an address in use`);
    await h4.t.echoServer(g4.ns, 7000);
    for (const g of guests) {
      assert.equal(h4.t.tcp(g4.ns, g.ip, 7000), g4.ip, `g4 -> ${g.ns}`);
      assert.equal(g.host.t.tcp(g.ns, g4.ip, 7000), g.ip, `${g.ns} -> g4`);
    }
  });

  test('an isolated network is stretched too, beside the NAT one (a second VNI on the same FRR)', async () => {
    const [h1, h2] = fabric.hosts as [FabricHost, FabricHost];
    const frrBefore = fabric.frrPids(0).sort();
    for (const h of [h1, h2]) await h.t.startNetwork(ISLAND);
    const a = plug(h1, 'is1', '52:54:00:0c:00:01', 'island');
    const b = plug(h2, 'is2', '52:54:00:0c:00:02', 'island');
    assert.notEqual(a.ip, b.ip);
    await h2.t.echoServer(b.ns, 7000);
    const reached = await until(() => h1.t.tcp(a.ns, b.ip, 7000) === a.ip, 10000, 200);
    assert.ok(reached, 'is1 cannot reach is2 across the isolated overlay');
    // isolated: no way out, and the other overlay is another segment
    assert.notEqual(h1.t.tcp(a.ns, h1.t.upAddr, 8080), h1.t.hostUplinkAddr);
    assert.notEqual(h1.t.tcp(a.ns, (guests[1] as Guest).ip, 7000), a.ip);
    assert.deepEqual(fabric.frrPids(0).sort(), frrBefore, 'FRR restarted for a second network');
    const vx = JSON.parse(
      tryRun(['ip', '-n', h1.t.hostNs, '-d', '-j', 'link', 'show', 'dev', 'vxlan101']).out,
    )[0];
    assert.equal(vx.master, 'vnbr-is');
  });
});
