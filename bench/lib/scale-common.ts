// What the scale benchmark's two sides (virtnet, libvirt 9.0) share: the networks they start (NAT with DHCP and
// DNS, as users write them), the figures each side reports, the windows they are reported in, and small timers.

import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Network i: NAT, DHCP, DNS (no <forwarder>), bridge vscI, 10.(60+i/250).(i%250).0/24. */
export function scaleXml(i: number): string {
  return `<network><name>sc${i}</name><forward mode='nat'/><bridge name='vsc${i}'/>
  <ip address='${subnet(i)}.1' prefix='24'><dhcp><range start='${subnet(i)}.10' end='${subnet(i)}.200'/></dhcp></ip></network>`;
}

export function subnet(i: number): string {
  return `10.${Math.floor(i / 250) + 60}.${i % 250}`;
}

/** The counts after which a window of starts is reported: 1, 2-127, 128-1000, 1001-count. */
export function marks(count: number): number[] {
  return [1, 127, 1000, count].filter((m, k, all) => m <= count && all.indexOf(m) === k);
}

export interface StartWindow {
  from: number;
  to: number;
  /** Mean time of one start call (define excluded). */
  startMs: number;
  /** Daemon RSS at the end of the window. */
  rssMb: number;
}

export interface ScaleFigures {
  /** How many networks were running at the end (count, or where the manager stopped). */
  reached: number;
  /** Why the benchmark of this side ended early (the figures measured until then are there). */
  error?: string;
  /** Why the next start failed, when it did. */
  stopError?: string;
  windows: StartWindow[];
  idleMb: number;
  rssMb: number;
  dnsmasqCount: number;
  /** dnsmasq processes per network (libvirt's dnsmasq keeps a helper child for its lease script). */
  dnsmasqPerNetwork: number;
  /** All dnsmasq RSS divided by the networks. */
  dnsmasqMbPer: number;
  listOneMs: number;
  listNMs: number;
  helpMs: number;
  createMs: number;
  destroyMs: number;
  udpOnePps?: number;
  udpNPps?: number;
  leaseLast: boolean;
  adoptListenMs: number;
  adoptRestarted: number;
  autostartListenMs: number;
  /** Until every network's dnsmasq runs (undefined: not all within the wait). */
  autostartAllMs?: number;
  autostartUp: number;
  /** Networks active after the autostart wait. */
  autostartActive: number;
  autostartLease: boolean;
}

export function rssMb(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return Number(m?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** Median wall time of `runs` runs of argv (each after `before`, untimed), in ms; throws when one fails. */
export function medianMs(argv: string[], runs = 7, before?: string[]): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (before) spawnSync(before[0] as string, before.slice(1));
    const t0 = performance.now();
    const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8' });
    times.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
  }
  return times.sort((x, y) => x - y)[Math.floor(runs / 2)] as number;
}

/** A guest on `bridge` in `ns` asks for a lease (busybox udhcpc); true when one came. */
export function leaseOn(ns: string, bridge: string): boolean {
  const g = `${ns}-l`;
  spawnSync('ip', ['netns', 'add', g]);
  try {
    execFileSync('ip', ['-n', ns, 'link', 'add', 'vgl', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', g]);
    execFileSync('ip', ['-n', ns, 'link', 'set', 'vgl', 'master', bridge, 'up']);
    execFileSync('ip', ['-n', g, 'link', 'set', 'eth0', 'up']);
    const r = spawnSync(
      'ip',
      ['netns', 'exec', g, '/bin/busybox', 'udhcpc', '-i', 'eth0', '-n', '-q', '-f', '-t', '10', '-T', '1'],
      { encoding: 'utf8', timeout: 20000 },
    );
    return /lease of \S+ obtained/.test(`${r.stdout}${r.stderr}`);
  } finally {
    spawnSync('ip', ['-n', ns, 'link', 'del', 'vgl']);
    spawnSync('ip', ['netns', 'del', g]);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
