// Overlay benchmark (root, FRR): three hosts on one underlay, each with its own virtnetd and FRR, start the same
// VXLAN/EVPN network. Prints the convergence after the starts (every member's flood list complete), how long a
// new guest's MAC takes to reach the others, the gap a guest sees when it moves to another host (static address,
// then DHCP), and TCP throughput between guests across hosts versus on one host (iperf3).

import { execFileSync } from 'node:child_process';
import { dhcpAs, Fabric, type FabricHost, udpEcho, udpProbe, until } from '../test/e2e/harness/fabric.js';
import { canRunE2e, sleep, tryRun } from '../test/e2e/harness/topology.js';

const SECONDS = Number(process.env.VIRTNET_BENCH_SECONDS ?? 5);
const XML = `<network><name>bench</name><forward mode='nat'/><bridge name='vnbr-bn'/>
  <metadata><virtnet:overlay xmlns:virtnet='https://virtnet.dev/xmlns/network-overlay/1' vni='300'/></metadata>
  <ip address='10.125.0.1' netmask='255.255.255.0'><dhcp><range start='10.125.0.10' end='10.125.0.200'/></dhcp></ip>
</network>`;

const ms = (n: number) => `${n.toFixed(0)} ms`;

/** VTEPs in host h's flood list (the all-zero FDB entries EVPN type-3 routes install). */
function floodList(h: FabricHost): string[] {
  const r = tryRun(['bridge', '-n', h.t.hostNs, '-j', 'fdb', 'show', 'dev', 'vxlan300']);
  const entries = JSON.parse(r.out || '[]') as Array<{ mac: string; dst?: string }>;
  return entries.filter((e) => e.mac === '00:00:00:00:00:00' && e.dst).map((e) => e.dst as string);
}

function remoteMac(h: FabricHost, mac: string): boolean {
  return tryRun(['bridge', '-n', h.t.hostNs, 'fdb', 'show', 'dev', 'vxlan300']).out.includes(`${mac} dst`);
}

function iperf(h: FabricHost, fromNs: string, toNs: string, toIp: string): number {
  const server = h.t.spawnIn(toNs, ['iperf3', '-s', '-1']);
  execFileSync('sleep', ['0.5']);
  try {
    const out = execFileSync(
      'ip',
      ['netns', 'exec', fromNs, 'iperf3', '-c', toIp, '-t', String(SECONDS), '-J'],
      {
        encoding: 'utf8',
        timeout: (SECONDS + 20) * 1000,
      },
    );
    return (JSON.parse(out) as { end: { sum_received: { bits_per_second: number } } }).end.sum_received
      .bits_per_second;
  } finally {
    server.kill('SIGKILL');
  }
}

async function main(): Promise<void> {
  const why = canRunE2e() ?? (tryRun(['test', '-x', '/usr/lib/frr/bgpd']).code ? 'needs FRR' : undefined);
  if (why) {
    console.log(`overlay benchmark skipped: ${why}`);
    return;
  }
  const fabric = new Fabric(3);
  try {
    await fabric.start();
    const [h1, h2, h3] = fabric.hosts as [FabricHost, FabricHost, FabricHost];
    for (const h of fabric.hosts) {
      const d = await h.t.api('POST', '/v1/networks', XML);
      if (d.status !== 201) throw new Error(d.body);
    }
    const t0 = Date.now();
    const started = await Promise.all(fabric.hosts.map((h) => h.t.api('POST', '/v1/networks/bench/start')));
    const startMs = Date.now() - t0;
    for (const s of started) if (s.status !== 200) throw new Error(s.body);
    await until(() => fabric.hosts.every((h) => floodList(h).length === 2), 30000, 20);
    const converged = Date.now() - t0;

    // through the API (not the CLI): the figures are the network's, not a node start-up's
    const plug = async (h: FabricHost, ns: string, name: string, mac: string, ip?: string) => {
      const r = await h.t.api(
        'POST',
        '/v1/networks/bench/ports',
        JSON.stringify({ owner: name, netns: `/var/run/netns/${ns}`, mac }),
      );
      if (r.status !== 201) throw new Error(r.body);
      if (ip) {
        tryRun(['ip', '-n', ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
        return { ns, ip };
      }
      return { ns, ip: dhcpAs(h.t, ns, name) as string };
    };
    const unplug = async (h: FabricHost, mac: string) => {
      const list = (await h.t.api('GET', '/v1/networks/bench/ports')).json() as {
        ports: Array<{ uuid: string; mac: string }>;
      };
      await h.t.api('DELETE', `/v1/networks/bench/ports/${list.ports.find((p) => p.mac === mac)?.uuid}`);
    };
    const MAC = '52:54:00:0c:00:01';
    const tMac = Date.now();
    await plug(h1, h1.t.addNamespace('bm'), 'bm', '52:54:00:0c:00:09', '10.125.0.5');
    await until(() => remoteMac(h2, '52:54:00:0c:00:09') && remoteMac(h3, '52:54:00:0c:00:09'), 10000, 5);
    const macMs = Date.now() - tMac;
    const a = await plug(h1, h1.t.addNamespace('ba'), 'ba', MAC);
    const b = await plug(h2, h2.t.addNamespace('bb'), 'bb', '52:54:00:0c:00:02');
    const local = await plug(h1, h1.t.addNamespace('bc'), 'bc', '52:54:00:0c:00:03');
    // the other members learn a's address from EVPN (its MAC/IP route) before it moves
    const learned = async (h: FabricHost) =>
      (((await h.t.api('GET', '/v1/networks/bench/overlay')).json() as { learned: number }).learned ?? 0) > 0;
    await until(async () => (await learned(h2)) && (await learned(h3)), 10000, 100);
    await udpEcho(h1.t, a.ns, 7001);

    // mobility: the port deleted on host 1, the same MAC plugged in on host 3 with the same address set by hand (no
    // DHCP: the network's part alone), its namespace answering already; a fresh probe from host 2 says how soon
    // after the plug-in it is reached
    const ns3 = h3.t.addNamespace('ba2');
    await udpEcho(h3.t, ns3, 7001);
    const outage = udpProbe(h2.t, b.ns, a.ip, 7001, 10);
    await sleep(500);
    await unplug(h1, MAC);
    await plug(h3, ns3, 'ba', MAC, a.ip);
    const after = udpProbe(h2.t, b.ns, a.ip, 7001, 5);
    await sleep(1500);
    const reach = await after.stop();
    const total = await outage.stop();
    // and on to host 2 with DHCP: the address comes from what EVPN taught host 2
    const ns2 = h2.t.addNamespace('ba3');
    await udpEcho(h2.t, ns2, 7001);
    await unplug(h3, MAC);
    const tDhcp = Date.now();
    const back = await plug(h2, ns2, 'ba', MAC);
    const dhcpMs = Date.now() - tDhcp;
    const after2 = udpProbe(h1.t, local.ns, back.ip, 7001, 5);
    await sleep(1500);
    const reach2 = await after2.stop();

    const across = iperf(h2, local.ns, b.ns, b.ip);
    const other = await plug(h1, h1.t.addNamespace('bd'), 'bd', '52:54:00:0c:00:04');
    const same = iperf(h1, local.ns, other.ns, other.ip);

    console.log(
      `3 hosts, VNI 300, underlay MTU 1500 (guest MTU 1450), FRR 8.4 iBGP full mesh, coalesce-time 100 ms`,
    );
    console.log(`start on all three (parallel API calls)        ${ms(startMs)}`);
    console.log(`converged (every flood list complete)          ${ms(converged)} after the starts were sent`);
    console.log(`a new guest's MAC on both other members        ${ms(macMs)} after port-add began (API)`);
    console.log(
      `move to another host (static address)          reached ${ms(reach.firstMs)} after the plug-in; outage ${ms(total.maxGapMs)} from unplug to answer`,
    );
    console.log(
      `move again, DHCP on the new host               same address: ${back.ip === a.ip ? 'yes' : `no (${back.ip})`}, lease ${ms(dhcpMs)} after port-add began, reached ${ms(reach2.firstMs)} after the lease`,
    );
    console.log(
      `TCP guest to guest across hosts (iperf3 ${SECONDS} s)   ${(across / 1e9).toFixed(2)} Gbit/s`,
    );
    console.log(`TCP guest to guest on one host                 ${(same / 1e9).toFixed(2)} Gbit/s`);
    console.log(`across / one host                              ${(across / same).toFixed(2)}`);
  } finally {
    fabric.destroySync();
  }
}

await main();
