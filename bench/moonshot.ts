// Moonshot benchmark (root): 10,000 NAT networks without DHCP and DNS (a bridge each and the shared nft table, no
// dnsmasq) defined and started one by one through virtnetd's API in namespaces of our own; prints the start time
// per network (in windows) and in total, virtnetd's RSS as it grows, `GET /v1/networks` and `virtnet net-list
// --all` at the end, and 64-byte UDP through NAT with 1 and with all networks (iperf3, best of 3), i.e. the
// per-packet cost at 10,000. Takes long (tens of minutes on a busy 2-core machine), so `npm run bench` runs it
// only when asked: VIRTNET_BENCH_MOONSHOT=1 npm run bench, or `node dist/bench/moonshot.js [count=10000] --run`;
// VIRTNET_BENCH_PARALLEL=N starts N at a time (default 1, one by one), VIRTNET_BENCH_SECONDS / _RUNS for iperf3,
// VIRTNET_BENCH_BUDGET=S (or `kill -USR2`) stops starting after S seconds and measures at the count reached.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { canRunE2e, sleep, Topology, tryRun } from '../test/e2e/harness/topology.js';
import { rssMb } from './lib/scale-common.js';
import { pps, udpBestOf } from './lib/udp.js';

const count = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 10000);
const asked = process.argv.includes('--run') || process.env.VIRTNET_BENCH_MOONSHOT === '1';
/** Seconds after which no more networks are started and the rest is measured at the count reached. */
const BUDGET = Number(process.env.VIRTNET_BENCH_BUDGET ?? 0);
let stopAsked = false;
// `kill -USR2 PID`: start no more networks, measure at the count reached
process.on('SIGUSR2', () => {
  stopAsked = true;
});
/** Networks defined and started at a time after the first (1: one by one). */
const PARALLEL = Number(process.env.VIRTNET_BENCH_PARALLEL ?? 1);
const udp = {
  seconds: Number(process.env.VIRTNET_BENCH_SECONDS ?? 5),
  runs: Number(process.env.VIRTNET_BENCH_RUNS ?? 3),
};

const subnet = (i: number) => `10.${100 + Math.floor(i / 250)}.${i % 250}`;
const xml = (i: number) =>
  `<network><name>m${i}</name><forward mode='nat'/><bridge name='vm${i}'/><dns enable='no'/>` +
  `<ip address='${subnet(i)}.1' prefix='24'/></network>`;
const marks = [1, 100, 1000, 2500, 5000, 7500, 10000, count].filter(
  (m, k, all) => m <= count && all.indexOf(m) === k,
);

async function main(): Promise<void> {
  if (!asked) {
    console.log(
      'moonshot: not run (takes long; VIRTNET_BENCH_MOONSHOT=1 or `node dist/bench/moonshot.js --run`)',
    );
    return;
  }
  const why = canRunE2e() ?? (tryRun(['which', 'iperf3']).code === 0 ? undefined : 'needs iperf3');
  if (why) {
    console.log(`moonshot skipped: ${why}`);
    return;
  }
  const t = new Topology();
  try {
    await t.startDaemon();
    const idle = rssMb(t.daemonPid);
    const ok = async (method: string, path: string, body?: string) => {
      const r = await t.api(method, path, body);
      if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body}`);
    };
    let guest = '';
    let one = 0;
    let since = 0;
    let startSum = 0;
    let window0 = performance.now();
    let startTotal = 0;
    let done = 0;
    let failed: string | undefined;
    const startOne = async (i: number) => {
      await ok('POST', '/v1/networks', xml(i));
      const s0 = performance.now();
      await ok('POST', `/v1/networks/m${i}/start`);
      const took = performance.now() - s0;
      startSum += took;
      startTotal += took;
      done++;
      if (marks.includes(done)) {
        const n = done - since;
        const whole =
          since > 0 ? ` (define+start ${((performance.now() - window0) / n).toFixed(1)} ms wall)` : '';
        console.log(
          `moonshot: networks ${since + 1}-${done}: start ${(startSum / n).toFixed(1)} ms per network${whole}, ` +
            `virtnetd ${rssMb(t.daemonPid).toFixed(0)} MB`,
        );
        since = done;
        startSum = 0;
        window0 = performance.now();
      }
    };
    await startOne(0);
    t.spawnIn(t.upNs, ['iperf3', '-s']);
    guest = t.addGuest('g1', 'vm0');
    t.sh(['ip', '-n', guest, 'addr', 'add', `${subnet(0)}.5/24`, 'dev', 'eth0']);
    t.sh(['ip', '-n', guest, 'route', 'add', 'default', 'via', `${subnet(0)}.1`]);
    spawnSync('ip', ['netns', 'exec', guest, '/bin/busybox', 'ping', '-c', '2', '-W', '2', t.upAddr]);
    await sleep(500);
    one = udpBestOf(guest, t.upAddr, { ...udp, daemonPid: t.daemonPid }).receivedPps;
    console.log(`moonshot: UDP 64 B through NAT with 1 network: ${pps(one)} pkt/s`);
    const rest0 = performance.now();
    window0 = rest0;
    let next = 1;
    const worker = async () => {
      while (next < count && !failed && !stopAsked) {
        if (BUDGET > 0 && performance.now() - rest0 > BUDGET * 1000) {
          if (!stopAsked)
            console.log(`moonshot: time budget of ${BUDGET} s spent, measuring at ${done} networks`);
          stopAsked = true;
          break;
        }
        const i = next++;
        try {
          await startOne(i);
        } catch (e) {
          failed = `network ${i + 1} did not start: ${(e as Error).message}`;
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    if (failed) console.log(`moonshot: ${failed}`);
    const wall = (performance.now() - rest0) / 1000;
    console.log(
      `moonshot: ${done} networks started; networks 2-${done} (${PARALLEL} at a time) in ${wall.toFixed(0)} s wall ` +
        `(define+start); start calls ${(startTotal / 1000).toFixed(0)} s in total, ${(startTotal / done).toFixed(1)} ms per network`,
    );
    const bridges = tryRun(['ip', '-n', t.hostNs, '-o', 'link', 'show', 'type', 'bridge'], 60000).out.split(
      '\n',
    );
    console.log(`moonshot: bridges in the namespace: ${bridges.filter(Boolean).length}`);
    console.log(
      `moonshot: virtnetd RSS ${idle.toFixed(0)} MB idle, ${rssMb(t.daemonPid).toFixed(0)} MB with ${done}`,
    );
    const g0 = performance.now();
    const list = await t.api('GET', '/v1/networks');
    console.log(
      `moonshot: GET /v1/networks: ${(performance.now() - g0).toFixed(0)} ms, ${(list.body.length / 1e6).toFixed(1)} MB`,
    );
    const c0 = performance.now();
    const cli = spawnSync(
      join(import.meta.dirname, '../../bin/virtnet'),
      ['-c', `unix:${t.socket}`, 'net-list', '--all'],
      {
        encoding: 'utf8',
        maxBuffer: 256 << 20,
      },
    );
    console.log(
      `moonshot: virtnet net-list --all: ${(performance.now() - c0).toFixed(0)} ms, ${cli.stdout.split('\n').length - 4} rows (exit ${cli.status})`,
    );
    await sleep(2000);
    const many = udpBestOf(guest, t.upAddr, { ...udp, daemonPid: t.daemonPid });
    console.log(
      `moonshot: UDP 64 B through NAT with ${done} networks: ${pps(many.receivedPps)} pkt/s ` +
        `(virtnetd ${(many.daemonCpu * 100).toFixed(0)}% CPU meanwhile); ratio ${done}/1: ${(many.receivedPps / one).toFixed(3)}`,
    );
  } finally {
    const d0 = performance.now();
    await t.destroy();
    console.log(`moonshot: cleanup ${((performance.now() - d0) / 1000).toFixed(0)} s`);
  }
}

await main();
