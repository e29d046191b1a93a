// Scale benchmark, virtnet next to libvirt 9.0: NAT networks with DHCP and DNS, exactly as users write them (no
// <forwarder>), defined and started one by one through each manager's API (virtnetd's HTTP API; one open virsh
// connection for libvirtd) in a namespace of its own; then memory, net-list --all and CLI wall time (each CLI's
// process included), 64-byte UDP through NAT at 1 and N networks, a daemon restart adopting them all, and a daemon
// start autostarting them all. Prints both columns and their ratio; nothing asserted.
//
// libvirt runs only when it is installed (apt-get install libvirt-daemon-system libvirt-clients), first, alone,
// and stops where it refuses a network (each of its dnsmasq takes an inotify instance; the per-user limit, 128,
// is machine-wide and is not raised here); all of its networks are destroyed and its dnsmasq stopped before
// virtnet's side starts. Never touches the machine's own namespace.
// Usage (root, after npm run build): node dist/bench/scale.js [count=1000]   (VIRTNET_BENCH_SCALE=N in npm run
// bench; VIRTNET_BENCH_LIBVIRT=0 leaves libvirt out, VIRTNET_BENCH_VIRTNET=0 virtnet; VIRTNET_BENCH_SECONDS / _RUNS: each UDP measurement)

import { libvirtMissing } from './lib/libvirtd.js';
import type { ScaleFigures } from './lib/scale-common.js';
import { runLibvirt } from './lib/scale-libvirt.js';
import { runVirtnet } from './lib/scale-virtnet.js';
import { pps } from './lib/udp.js';

const count = Number(process.argv[2] ?? process.env.VIRTNET_BENCH_SCALE ?? 1000);
const udp = {
  seconds: Number(process.env.VIRTNET_BENCH_SECONDS ?? 5),
  runs: Number(process.env.VIRTNET_BENCH_RUNS ?? 3),
};

const ms = (n: number | undefined) => (n === undefined ? '-' : `${n.toFixed(1)} ms`);
const s = (n: number | undefined) => (n === undefined ? '-' : `${(n / 1000).toFixed(2)} s`);
const mb = (n: number | undefined) => (n === undefined ? '-' : `${n.toFixed(1)} MB`);

type Figures = Partial<ScaleFigures>;
const div = (a: number | undefined, b: number | undefined) => (a === undefined || !b ? undefined : a / b);

function table(v: Figures | undefined, l: Figures | undefined, why: string | undefined): void {
  const rows: Array<[string, (f: Figures) => number | undefined, (n: number | undefined) => string]> = [];
  const windows = new Map<string, [number, number]>();
  for (const f of [v, l]) for (const w of f?.windows ?? []) windows.set(`${w.from}-${w.to}`, [w.from, w.to]);
  for (const [label, [from, to]] of [...windows].sort((a, b) => a[1][0] - b[1][0] || a[1][1] - b[1][1])) {
    const win = (f: Figures) => f.windows?.find((w) => w.from === from && w.to === to);
    rows.push([`start per network, networks ${label}`, (f) => win(f)?.startMs, ms]);
    rows.push([`daemon RSS after network ${to}`, (f) => win(f)?.rssMb, mb]);
  }
  rows.push(
    ['daemon RSS idle', (f) => f.idleMb, mb],
    ['daemon RSS, all networks running', (f) => f.rssMb, mb],
    ['dnsmasq processes', (f) => f.dnsmasqCount, (n) => String(n ?? '-')],
    ['dnsmasq processes per network', (f) => f.dnsmasqPerNetwork, (n) => n?.toFixed(2) ?? '-'],
    ['dnsmasq RSS per network (all its processes)', (f) => f.dnsmasqMbPer, mb],
    ['net-list --all, CLI included, 1 network', (f) => f.listOneMs, ms],
    ['net-list --all, CLI included, all networks', (f) => f.listNMs, ms],
    ['  ratio all/1', (f) => div(f.listNMs, f.listOneMs), (n) => n?.toFixed(2) ?? '-'],
    ['CLI help', (f) => f.helpMs, ms],
    ['CLI net-create (NAT+DHCP, 1 other network)', (f) => f.createMs, ms],
    ['CLI net-destroy', (f) => f.destroyMs, ms],
    ['UDP 64 B through NAT, 1 network (pkt/s)', (f) => f.udpOnePps, (n) => (n === undefined ? '-' : pps(n))],
    ['UDP 64 B through NAT, all networks (pkt/s)', (f) => f.udpNPps, (n) => (n === undefined ? '-' : pps(n))],
    ['  ratio all/1', (f) => div(f.udpNPps, f.udpOnePps), (n) => n?.toFixed(3) ?? '-'],
    [
      'lease on the last network',
      (f) => (f.leaseLast === undefined ? undefined : Number(f.leaseLast)),
      (n) => (n === undefined ? '-' : n ? 'yes' : 'NO'),
    ],
    ['restart adopting all: until it answers', (f) => f.adoptListenMs, s],
    ['restart adopting all: dnsmasq restarted', (f) => f.adoptRestarted, (n) => String(n ?? '-')],
    ['start autostarting all: until it answers', (f) => f.autostartListenMs, s],
    ['start autostarting all: until every dnsmasq runs', (f) => f.autostartAllMs, s],
    ['start autostarting all: networks active', (f) => f.autostartActive, (n) => String(n ?? '-')],
    ['start autostarting all: dnsmasq processes', (f) => f.autostartUp, (n) => String(n ?? '-')],
    [
      'start autostarting all: lease on the last',
      (f) => (f.autostartLease === undefined ? undefined : Number(f.autostartLease)),
      (n) => (n === undefined ? '-' : n ? 'yes' : 'NO'),
    ],
  );
  console.log(
    `\nscale: ${count} networks asked for; virtnet reached ${v?.reached ?? '-'}, libvirt 9.0 ${l ? l.reached : `not run (${why})`}`,
  );
  if (l?.stopError) console.log(`libvirt stopped: ${l.stopError}`);
  if (l?.error) console.log(`libvirt's side ended early (figures until then below): ${l.error}`);
  console.log(
    `${'figure'.padEnd(50)} ${'virtnet'.padStart(14)} ${'libvirt 9.0'.padStart(14)} ${'vn/lv'.padStart(7)}`,
  );
  for (const [label, get, show] of rows) {
    const a = v ? get(v) : undefined;
    const b = l ? get(l) : undefined;
    const ratio =
      a !== undefined && b !== undefined && b !== 0 && !label.startsWith('  ') && !label.includes('lease')
        ? (a / b).toFixed(2)
        : '';
    console.log(
      `${label.padEnd(50)} ${show(a).padStart(14)} ${(l ? show(b) : '').padStart(14)} ${ratio.padStart(7)}`,
    );
  }
  console.log(
    '(libvirt\'s "all networks" is the count it reached; its start calls go through one open virsh connection)',
  );
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log('scale bench skipped: needs root');
    return;
  }
  const why = process.env.VIRTNET_BENCH_LIBVIRT === '0' ? 'VIRTNET_BENCH_LIBVIRT=0' : libvirtMissing();
  let l: Figures | undefined;
  if (!why) {
    try {
      l = await runLibvirt(count, udp);
    } catch (e) {
      console.log(`libvirt side failed: ${(e as Error).message}`);
    }
  }
  const v = process.env.VIRTNET_BENCH_VIRTNET === '0' ? undefined : await runVirtnet(count, udp);
  table(v, l, why ?? (l ? undefined : 'failed'));
}

try {
  await main();
} catch (e) {
  console.log(`scale bench failed: ${(e as Error).message}`);
  process.exitCode = 1;
}
