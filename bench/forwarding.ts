// Forwarding benchmark (root): UDP packets/s from a guest through a NAT network to upstream, with 1 and then 1000
// active networks (each with DHCP and DNS, so a dnsmasq each, as users run them), measured with iperf3 (best of 3
// runs) in namespaces of our own. Prints both and their ratio.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { canRunE2e, sleep, Topology, tryRun } from '../test/e2e/harness/topology.js';

const EXTRA = Number(process.env.VIRTNET_BENCH_NETWORKS ?? 999);
const SECONDS = Number(process.env.VIRTNET_BENCH_SECONDS ?? 5);
const RUNS = Number(process.env.VIRTNET_BENCH_RUNS ?? 3);
const PARALLEL = 8;

interface UdpResult {
  sentPps: number;
  receivedPps: number;
  lossPercent: number;
  /** Share of one CPU the daemon used during the measurement. */
  daemonCpu: number;
}

/** CPU seconds (user+system) a process has used so far. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

function iperf(t: Topology, guest: string): UdpResult {
  const cpu0 = cpuSeconds(t.daemonPid);
  const out = execFileSync(
    'ip',
    [
      'netns',
      'exec',
      guest,
      'iperf3',
      '-c',
      t.upAddr,
      '-u',
      '-l',
      '64',
      '-b',
      '0',
      '-t',
      String(SECONDS),
      '-J',
    ],
    { encoding: 'utf8', timeout: (SECONDS + 20) * 1000, maxBuffer: 64 << 20 },
  );
  const j = JSON.parse(out) as {
    end: { sum: { packets: number; lost_packets: number; seconds: number; lost_percent: number } };
  };
  const s = j.end.sum;
  return {
    sentPps: s.packets / s.seconds,
    receivedPps: (s.packets - s.lost_packets) / s.seconds,
    lossPercent: s.lost_percent,
    daemonCpu: (cpuSeconds(t.daemonPid) - cpu0) / s.seconds,
  };
}

/** Best of RUNS measurements: the machine is shared, and the peak is what the data path can do. */
function bestOf(t: Topology, guest: string): UdpResult {
  let best: UdpResult | undefined;
  for (let i = 0; i < RUNS; i++) {
    let r: UdpResult;
    try {
      r = iperf(t, guest);
    } catch {
      // iperf3 refuses a client while the previous test is still being torn down; once more after a pause
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
      r = iperf(t, guest);
    }
    if (!best || r.receivedPps > best.receivedPps) best = r;
  }
  if (!best) throw new Error('no measurement');
  return best;
}

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

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const line = (label: string, r: UdpResult) =>
  `${label} ${fmt(r.receivedPps)} pkt/s received (${fmt(r.sentPps)} sent, ${r.lossPercent.toFixed(1)}% lost; ` +
  `virtnetd used ${(r.daemonCpu * 100).toFixed(0)}% CPU meanwhile)`;

async function main(): Promise<void> {
  const why = canRunE2e() ?? (tryRun(['which', 'iperf3']).code === 0 ? undefined : 'needs iperf3');
  if (why) {
    console.log(`forwarding bench skipped: ${why}`);
    return;
  }
  const t = new Topology();
  try {
    await t.startDaemon();
    await t.startNetwork(`<network>
  <name>benchnat</name>
  <forward mode='nat'/>
  <bridge name='vnbr-bench'/>
  <ip address='192.168.150.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.150.100' end='192.168.150.199'/></dhcp>
  </ip>
</network>`);
    t.spawnIn(t.upNs, ['iperf3', '-s']);
    const guest = t.addGuest('g1', 'vnbr-bench');
    const ip = t.dhcp(guest);
    if (!ip) throw new Error('the guest got no lease');
    await sleep(300);

    const one = bestOf(t, guest);
    console.log(line('1 network:   ', one));
    const took = await startExtra(t, EXTRA);
    console.log(`started ${EXTRA} more NAT networks through the API in ${took.toFixed(1)} s`);
    await sleep(2000); // let the daemon settle after the burst of starts
    const many = bestOf(t, guest);
    console.log(line(`${EXTRA + 1} networks:`, many));
    console.log(`ratio ${EXTRA + 1}/1: ${(many.receivedPps / one.receivedPps).toFixed(3)}`);
  } finally {
    await t.destroy();
  }
}

await main();
