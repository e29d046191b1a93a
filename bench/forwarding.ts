// Forwarding benchmark (root): 64-byte UDP packets/s from a guest through a NAT network to upstream, with 1 and
// then 1000 active networks (each with DHCP and DNS, so a dnsmasq each, as users run them), measured with iperf3
// (best of 3 runs) in namespaces of our own; then the same with libvirt 9.0 (when installed) at 1 network and at
// the most it holds (127 at most: each of its dnsmasq takes an inotify instance, a machine-wide limit of 128 that
// is not raised here). Prints the rates and the ratios many/1; the target for virtnet is ≥ 0.9.
// VIRTNET_BENCH_NETWORKS (999 more), _SECONDS (5), _RUNS (3); VIRTNET_BENCH_LIBVIRT=0 leaves libvirt out.

import { writeFileSync } from 'node:fs';
import { canRunE2e, sleep, Topology, tryRun } from '../test/e2e/harness/topology.js';
import { BenchLibvirtd, libvirtMissing, VirshSession } from './lib/libvirtd.js';
import { pps, type UdpResult, udpBestOf } from './lib/udp.js';

const EXTRA = Number(process.env.VIRTNET_BENCH_NETWORKS ?? 999);
const LIBVIRT_EXTRA = Math.min(EXTRA, 126);
const udp = {
  seconds: Number(process.env.VIRTNET_BENCH_SECONDS ?? 5),
  runs: Number(process.env.VIRTNET_BENCH_RUNS ?? 3),
};
const PARALLEL = 8;

const BENCH_NAT = `<network>
  <name>benchnat</name>
  <forward mode='nat'/>
  <bridge name='vnbr-bench'/>
  <ip address='192.168.150.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.150.100' end='192.168.150.199'/></dhcp>
  </ip>
</network>`;

function extraNetworkXml(i: number): string {
  const a = 1 + Math.floor(i / 250);
  const b = i % 250;
  return `<network>
  <name>bench${i}</name>
  <forward mode='nat'/>
  <bridge name='vnb${i}'/>
  <ip address='10.${a}.${b}.1' netmask='255.255.255.0'>
    <dhcp><range start='10.${a}.${b}.10' end='10.${a}.${b}.200'/></dhcp>
  </ip>
</network>`;
}

async function startExtra(t: Topology, count: number): Promise<number> {
  const started = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await t.startNetwork(extraNetworkXml(i));
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return (Date.now() - started) / 1000;
}

const line = (label: string, daemon: string, r: UdpResult) =>
  `${label} ${pps(r.receivedPps)} pkt/s received (${pps(r.sentPps)} sent, ${r.lossPercent.toFixed(1)}% lost; ` +
  `${daemon} used ${(r.daemonCpu * 100).toFixed(0)}% CPU meanwhile)`;

async function virtnet(): Promise<number> {
  const t = new Topology();
  try {
    await t.startDaemon();
    await t.startNetwork(BENCH_NAT);
    t.spawnIn(t.upNs, ['iperf3', '-s']);
    const guest = t.addGuest('g1', 'vnbr-bench');
    if (!t.dhcp(guest)) throw new Error('the guest got no lease');
    await sleep(300);
    const one = udpBestOf(guest, t.upAddr, { ...udp, daemonPid: t.daemonPid });
    console.log(line('virtnet, 1 network:   ', 'virtnetd', one));
    const took = await startExtra(t, EXTRA);
    console.log(
      `virtnet: started ${EXTRA} more NAT networks with DHCP through the API in ${took.toFixed(1)} s`,
    );
    await sleep(2000); // let the daemon settle after the burst of starts
    const many = udpBestOf(guest, t.upAddr, { ...udp, daemonPid: t.daemonPid });
    console.log(line(`virtnet, ${EXTRA + 1} networks:`, 'virtnetd', many));
    const ratio = many.receivedPps / one.receivedPps;
    console.log(`virtnet ratio ${EXTRA + 1}/1: ${ratio.toFixed(3)} (target ≥ 0.9)`);
    return ratio;
  } finally {
    await t.destroy();
  }
}

/** The same with libvirtd in the topology's host namespace, driven through one open virsh connection. */
async function libvirt(): Promise<void> {
  const t = new Topology();
  const lv = new BenchLibvirtd(t.hostNs);
  let s: VirshSession | undefined;
  try {
    await lv.launch();
    s = new VirshSession(lv.uri);
    const define = async (name: string, xml: string) => {
      const file = `${lv.dir}/${name}.xml`;
      writeFileSync(file, xml);
      await s?.run(`net-define ${file}`, /defined/);
      await s?.run(`net-start ${name}`, /started/);
    };
    await define('benchnat', BENCH_NAT);
    t.spawnIn(t.upNs, ['iperf3', '-s']);
    const guest = t.addGuest('g1', 'vnbr-bench');
    if (!t.dhcp(guest)) throw new Error('the guest got no lease from libvirt');
    await sleep(300);
    const one = udpBestOf(guest, t.upAddr, { ...udp, daemonPid: lv.pid });
    console.log(line('libvirt, 1 network:   ', 'libvirtd', one));
    const t0 = Date.now();
    let started = 0;
    for (let i = 0; i < LIBVIRT_EXTRA; i++) {
      try {
        await define(`bench${i}`, extraNetworkXml(i));
        started++;
      } catch (e) {
        console.log(`libvirt: network ${i + 2} (bench${i}) did not start: ${(e as Error).message}`);
        break;
      }
    }
    console.log(`libvirt: started ${started} more in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await sleep(2000);
    const many = udpBestOf(guest, t.upAddr, { ...udp, daemonPid: lv.pid });
    console.log(line(`libvirt, ${started + 1} networks:`, 'libvirtd', many));
    console.log(`libvirt ratio ${started + 1}/1: ${(many.receivedPps / one.receivedPps).toFixed(3)}`);
  } finally {
    s?.close();
    lv.stop();
    await t.destroy();
  }
}

async function main(): Promise<void> {
  const why = canRunE2e() ?? (tryRun(['which', 'iperf3']).code === 0 ? undefined : 'needs iperf3');
  if (why) {
    console.log(`forwarding bench skipped: ${why}`);
    return;
  }
  await virtnet();
  const noLibvirt = process.env.VIRTNET_BENCH_LIBVIRT === '0' ? 'VIRTNET_BENCH_LIBVIRT=0' : libvirtMissing();
  if (noLibvirt) console.log(`libvirt: not run (${noLibvirt})`);
  else await libvirt();
}

await main();
