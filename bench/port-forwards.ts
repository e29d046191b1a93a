// Port-forward benchmark (root), in namespaces of our own: on one NAT network with a guest,
// 1. the time of one POST /v1/networks/NAME/forwards (median of add+delete cycles of one extra forward) with 1
//    forward and with 1000 forwards present (the 999 added through the API first, their total time printed too);
// 2. iperf3 through a forward from the upstream namespace to the host's uplink address into the guest: TCP Gbit/s
//    and small-packet UDP packets/s both ways, with 1 and with 1000 forwards, and the ratios;
// 3. GET .../forwards (the list with counters) latency with 1 and with 1000 forwards.
// iperf3 figures are the best of VIRTNET_BENCH_RUNS runs. Knobs: VIRTNET_BENCH_FORWARDS (1000), VIRTNET_BENCH_SECONDS
// (5), VIRTNET_BENCH_CYCLES (20), VIRTNET_BENCH_RUNS (3).

import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { canRunE2e, sleep, Topology, tryRun } from '../test/e2e/harness/topology.js';

const FORWARDS = Math.max(1, Number(process.env.VIRTNET_BENCH_FORWARDS ?? 1000));
const SECONDS = Number(process.env.VIRTNET_BENCH_SECONDS ?? 5);
const CYCLES = Number(process.env.VIRTNET_BENCH_CYCLES ?? 20);
const RUNS = Math.max(1, Number(process.env.VIRTNET_BENCH_RUNS ?? 3));

const NET = 'pfbench';
const BRIDGE = 'vnbr-pfb';
const IPERF_PORT = 5201;
const PROBE_PORT = 9000;
const FILLER_BASE = 10000;

interface Stats {
  median: number;
  min: number;
  max: number;
}

function stats(ms: number[]): Stats {
  const s = [...ms].sort((x, y) => x - y);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
  return { median, min: s[0] as number, max: s[s.length - 1] as number };
}

const fmtStats = (s: Stats) => `${s.median.toFixed(1)} ms (min ${s.min.toFixed(1)}, max ${s.max.toFixed(1)})`;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await f();
  return [r, performance.now() - t0];
}

async function addForward(t: Topology, body: Record<string, unknown>): Promise<number> {
  const [r, ms] = await timed(() => t.api('POST', `/v1/networks/${NET}/forwards`, JSON.stringify(body)));
  if (r.status !== 201) throw new Error(`adding forward ${JSON.stringify(body)}: ${r.status} ${r.body}`);
  return ms;
}

async function deleteForward(t: Topology, proto: string, listenPort: number): Promise<number> {
  const [r, ms] = await timed(() =>
    t.api('DELETE', `/v1/networks/${NET}/forwards?proto=${proto}&listenPort=${listenPort}`),
  );
  if (r.status !== 200) throw new Error(`deleting forward ${proto}/${listenPort}: ${r.status} ${r.body}`);
  return ms;
}

/** CYCLES add+delete cycles of one extra forward; the add and delete timings. */
async function addDeleteCycles(t: Topology, guestIp: string): Promise<{ add: Stats; del: Stats }> {
  const add: number[] = [];
  const del: number[] = [];
  for (let i = 0; i < CYCLES; i++) {
    add.push(
      await addForward(t, { proto: 'tcp', listenPort: PROBE_PORT, targetAddress: guestIp, targetPort: 80 }),
    );
    del.push(await deleteForward(t, 'tcp', PROBE_PORT));
  }
  return { add: stats(add), del: stats(del) };
}

async function listLatency(t: Topology): Promise<{ s: Stats; count: number; bytes: number }> {
  const ms: number[] = [];
  let count = 0;
  let bytes = 0;
  for (let i = 0; i < CYCLES; i++) {
    const [r, took] = await timed(() => t.api('GET', `/v1/networks/${NET}/forwards`));
    if (r.status !== 200) throw new Error(`listing forwards: ${r.status} ${r.body}`);
    ms.push(took);
    count = (r.json() as { forwards: unknown[] }).forwards.length;
    bytes = r.body.length;
  }
  return { s: stats(ms), count, bytes };
}

function iperfJson(t: Topology, extra: string[]): unknown {
  const argv = [
    'netns',
    'exec',
    t.upNs,
    'iperf3',
    '-c',
    t.hostUplinkAddr,
    '-p',
    String(IPERF_PORT),
    '-t',
    String(SECONDS),
    '-J',
    ...extra,
  ];
  const run = () =>
    JSON.parse(
      execFileSync('ip', argv, { encoding: 'utf8', timeout: (SECONDS + 20) * 1000, maxBuffer: 64 << 20 }),
    ) as unknown;
  try {
    return run();
  } catch {
    // iperf3 refuses a client while the previous test is still being torn down; once more after a pause
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    return run();
  }
}

function tcpGbps(t: Topology): number {
  const j = iperfJson(t, []) as { end: { sum_received: { bits_per_second: number } } };
  return j.end.sum_received.bits_per_second / 1e9;
}

interface UdpResult {
  sentPps: number;
  receivedPps: number;
  lossPercent: number;
}

function udpPps(t: Topology, reverse: boolean): UdpResult {
  const j = iperfJson(t, ['-u', '-l', '64', '-b', '0', ...(reverse ? ['-R'] : [])]) as {
    end: { sum: { packets: number; lost_packets: number; seconds: number; lost_percent: number } };
  };
  const s = j.end.sum;
  return {
    sentPps: s.packets / s.seconds,
    receivedPps: (s.packets - s.lost_packets) / s.seconds,
    lossPercent: s.lost_percent,
  };
}

interface Throughput {
  tcp: number;
  udpIn: UdpResult;
  udpOut: UdpResult;
}

/** Best of RUNS measurements: the machine is shared, and the peak is what the data path can do. */
function best<T>(measure: () => T, score: (r: T) => number): T {
  let b = measure();
  for (let i = 1; i < RUNS; i++) {
    const r = measure();
    if (score(r) > score(b)) b = r;
  }
  return b;
}

function throughput(t: Topology, label: string): Throughput {
  const tcp = best(
    () => tcpGbps(t),
    (g) => g,
  );
  const udpIn = best(
    () => udpPps(t, false),
    (r) => r.receivedPps,
  );
  const udpOut = best(
    () => udpPps(t, true),
    (r) => r.receivedPps,
  );
  const udp = (r: UdpResult) =>
    `${fmt(r.receivedPps)} pkt/s received (${fmt(r.sentPps)} sent, ${r.lossPercent.toFixed(1)}% lost)`;
  console.log(`${label} TCP upstream->guest through the forward (best of ${RUNS}): ${tcp.toFixed(2)} Gbit/s`);
  console.log(`${label} UDP 64 B upstream->guest: ${udp(udpIn)}`);
  console.log(`${label} UDP 64 B guest->upstream (-R):  ${udp(udpOut)}`);
  return { tcp, udpIn, udpOut };
}

async function main(): Promise<void> {
  const why = canRunE2e() ?? (tryRun(['which', 'iperf3']).code === 0 ? undefined : 'needs iperf3');
  if (why) {
    console.log(`port-forwards bench skipped: ${why}`);
    return;
  }
  const t = new Topology();
  let server: number | undefined;
  try {
    await t.startDaemon();
    await t.startNetwork(`<network>
  <name>${NET}</name>
  <forward mode='nat'/>
  <bridge name='${BRIDGE}'/>
  <ip address='192.168.151.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.151.100' end='192.168.151.199'/></dhcp>
  </ip>
</network>`);
    const guest = t.addGuest('g1', BRIDGE);
    const ip = t.dhcp(guest);
    if (!ip) throw new Error('the guest got no lease');
    server = t.spawnIn(guest, ['iperf3', '-s', '-p', String(IPERF_PORT)]).pid;
    // the measured forward: TCP for iperf3's control connection and TCP test, UDP for its UDP test
    await addForward(t, { proto: 'both', listenPort: IPERF_PORT, targetAddress: ip, targetPort: IPERF_PORT });
    await sleep(500);

    const pre = `with 1 forward:`.padEnd(20);
    const one = await addDeleteCycles(t, ip);
    console.log(
      `${pre} POST forward ${fmtStats(one.add)}; DELETE ${fmtStats(one.del)}  (median of ${CYCLES})`,
    );
    const list1 = await listLatency(t);
    console.log(
      `${pre} GET forwards ${fmtStats(list1.s)} (${list1.count} forwards, ${fmt(list1.bytes)} bytes)`,
    );
    const thr1 = throughput(t, pre);

    const extra = FORWARDS - 1;
    const t0 = performance.now();
    for (let i = 0; i < extra; i++) {
      await addForward(t, {
        proto: 'tcp',
        listenPort: FILLER_BASE + i,
        targetAddress: ip,
        targetPort: FILLER_BASE + i,
        description: `filler ${i}`,
      });
    }
    const took = (performance.now() - t0) / 1000;
    console.log(
      `added ${extra} more forwards through the API one by one in ${took.toFixed(1)} s ` +
        `(${extra ? ((took * 1000) / extra).toFixed(1) : '-'} ms each)`,
    );
    await sleep(1000);

    const preN = `with ${FORWARDS} forwards:`.padEnd(20);
    const many = await addDeleteCycles(t, ip);
    console.log(
      `${preN} POST forward ${fmtStats(many.add)}; DELETE ${fmtStats(many.del)}  (median of ${CYCLES})`,
    );
    const listN = await listLatency(t);
    console.log(
      `${preN} GET forwards ${fmtStats(listN.s)} (${listN.count} forwards, ${fmt(listN.bytes)} bytes)`,
    );
    const thrN = throughput(t, preN);

    const elems = tryRun([
      'ip',
      'netns',
      'exec',
      t.hostNs,
      'nft',
      'list',
      'map',
      'inet',
      'virtnet',
      'pf4_any',
    ]);
    const count = (elems.out.match(/ : (goto|jump) /g) ?? []).length;
    console.log(`nft map inet virtnet pf4_any holds ${count} elements`);

    const r = (a: number, b: number) => (b / a).toFixed(3);
    console.log(
      `ratio ${FORWARDS}/1: POST ${r(one.add.median, many.add.median)}, GET ${r(list1.s.median, listN.s.median)}, ` +
        `TCP ${r(thr1.tcp, thrN.tcp)}, UDP in ${r(thr1.udpIn.receivedPps, thrN.udpIn.receivedPps)}, ` +
        `UDP out ${r(thr1.udpOut.receivedPps, thrN.udpOut.receivedPps)}`,
    );
  } finally {
    if (server !== undefined) {
      try {
        process.kill(server, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await t.destroy();
  }
}

await main();
