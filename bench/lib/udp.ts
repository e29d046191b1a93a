// 64-byte UDP through a network's NAT, measured with iperf3 (best of a few runs: the machine is shared, and the
// peak is what the data path can do); and, for benchmarks without test/e2e's Topology, an upstream namespace
// with an iperf3 server behind a host namespace, and guests plugged into the host's bridges. Only namespaces of
// ours; the processes started here are stopped by PID in destroy().

import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface UdpResult {
  sentPps: number;
  receivedPps: number;
  lossPercent: number;
  /** Share of one CPU the daemon used during the measurement. */
  daemonCpu: number;
}

/** CPU seconds (user+system) a process has used so far. */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

function iperf(guest: string, server: string, seconds: number, daemonPid?: number): UdpResult {
  const cpu0 = cpuSeconds(daemonPid);
  const out = execFileSync(
    'ip',
    [
      ...['netns', 'exec', guest, 'iperf3', '-c', server, '-u', '-l', '64', '-b', '0'],
      ...['-t', String(seconds), '-J'],
    ],
    { encoding: 'utf8', timeout: (seconds + 20) * 1000, maxBuffer: 64 << 20 },
  );
  const j = JSON.parse(out) as {
    end: { sum: { packets: number; lost_packets: number; seconds: number; lost_percent: number } };
  };
  const s = j.end.sum;
  return {
    sentPps: s.packets / s.seconds,
    receivedPps: (s.packets - s.lost_packets) / s.seconds,
    lossPercent: s.lost_percent,
    daemonCpu: (cpuSeconds(daemonPid) - cpu0) / s.seconds,
  };
}

/** Best of `runs` iperf3 UDP measurements from `guest` to the iperf3 server at `server`. */
export function udpBestOf(
  guest: string,
  server: string,
  opts: { runs?: number; seconds?: number; daemonPid?: number } = {},
): UdpResult {
  let best: UdpResult | undefined;
  for (let i = 0; i < (opts.runs ?? 3); i++) {
    let r: UdpResult;
    try {
      r = iperf(guest, server, opts.seconds ?? 5, opts.daemonPid);
    } catch {
      // iperf3 refuses a client while the previous test is still being torn down; once more after a pause
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
      r = iperf(guest, server, opts.seconds ?? 5, opts.daemonPid);
    }
    if (!best || r.receivedPps > best.receivedPps) best = r;
  }
  if (!best) throw new Error('no measurement');
  return best;
}

export const pps = (n: number) => Math.round(n).toLocaleString('en-US');

/** An upstream namespace `PREFIX-up` (198.18.0.1) running iperf3 -s, reached from `hostNs` (198.18.0.2). */
export class Upstream {
  readonly upNs: string;
  readonly addr = '198.18.0.1';
  private readonly namespaces: string[] = [];
  private server: ChildProcess | undefined;
  private guests = 0;

  constructor(
    readonly hostNs: string,
    readonly prefix: string,
  ) {
    this.upNs = `${prefix}-up`;
    this.addNs(this.upNs);
    run([
      'ip',
      '-n',
      hostNs,
      'link',
      'add',
      'vbup0',
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      this.upNs,
    ]);
    run(['ip', '-n', hostNs, 'addr', 'add', '198.18.0.2/24', 'dev', 'vbup0']);
    run(['ip', '-n', hostNs, 'link', 'set', 'vbup0', 'up']);
    run(['ip', '-n', hostNs, 'route', 'replace', 'default', 'via', this.addr]);
    run(['ip', '-n', this.upNs, 'addr', 'add', `${this.addr}/24`, 'dev', 'eth0']);
    run(['ip', '-n', this.upNs, 'link', 'set', 'eth0', 'up']);
    this.server = spawn('ip', ['netns', 'exec', this.upNs, 'iperf3', '-s'], { stdio: 'ignore' });
  }

  private addNs(ns: string): void {
    run(['ip', 'netns', 'add', ns]);
    this.namespaces.push(ns);
    run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
  }

  /** A guest namespace on `bridge` with a static address (`addr/prefix`) and its default route via `gateway`. */
  addGuest(bridge: string, addrWithPrefix: string, gateway: string): string {
    const ns = `${this.prefix}-g${this.guests++}`;
    const hostEnd = `vbg${this.guests}-${this.prefix.slice(-4)}`.slice(0, 15);
    this.addNs(ns);
    run([
      'ip',
      '-n',
      this.hostNs,
      'link',
      'add',
      hostEnd,
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      ns,
    ]);
    run(['ip', '-n', this.hostNs, 'link', 'set', hostEnd, 'master', bridge, 'up']);
    run(['ip', '-n', ns, 'addr', 'add', addrWithPrefix, 'dev', 'eth0']);
    run(['ip', '-n', ns, 'link', 'set', 'eth0', 'up']);
    run(['ip', '-n', ns, 'route', 'add', 'default', 'via', gateway]);
    // with STP on, a new bridge port listens and learns before it forwards
    for (let i = 0; i < 100; i++) {
      const r = spawnSync('bridge', ['-n', this.hostNs, '-j', 'link', 'show', 'dev', hostEnd], {
        encoding: 'utf8',
      });
      const state = (JSON.parse(r.stdout || '[]') as Array<{ state?: string }>)[0]?.state;
      if (state === 'forwarding' || state === undefined) break;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
    // the first packets wait for ARP; and iperf3 -s must be listening
    spawnSync('ip', ['netns', 'exec', ns, '/bin/busybox', 'ping', '-c', '2', '-W', '2', this.addr]);
    return ns;
  }

  /** Stops iperf3 (by PID) and deletes the namespaces made here (the host namespace is the caller's). */
  destroy(): void {
    if (this.server?.pid && this.server.exitCode === null) this.server.kill('SIGKILL');
    this.server = undefined;
    for (const ns of this.namespaces.reverse()) spawnSync('ip', ['netns', 'del', ns]);
    this.namespaces.length = 0;
  }
}

function run(argv: string[]): void {
  execFileSync(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
}
