// Benchmark of the CLI's wall time next to virsh's: `help`, `net-list`, and `net-create` / `net-destroy` of a
// NAT network with DHCP, against virtnetd (linux runtime) and libvirt 9.0's libvirtd, each in network namespaces
// of its own. Both CLIs run as a user runs them (their executables, from this namespace, over the daemons' UNIX
// sockets). Prints median and minimum per command and the ratio virtnet/virsh; without libvirt, virtnet only.
// Usage (root): node dist/bench/cli-startup.js [runs=20]

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { canRunE2e, Topology } from '../test/e2e/harness/topology.js';
import { LibvirtdSandbox, libvirtMissing } from '../test/helpers/libvirtd.js';

const ROOT = join(import.meta.dirname, '../..');
const VIRTNET = join(ROOT, 'bin/virtnet');

const NETWORK = `<network>
  <name>bench-cli</name>
  <forward mode='nat'/>
  <bridge name='vnbcli0'/>
  <ip address='192.168.151.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.151.2' end='192.168.151.254'/>
    </dhcp>
  </ip>
</network>
`;

interface Stats {
  median: number;
  min: number;
}

/** Wall time of one run of argv; throws when it fails. */
function timeOnce(argv: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
  return ms;
}

function stats(times: number[]): Stats {
  const s = [...times].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)] ?? 0, min: s[0] ?? 0 };
}

/** Times `argv` alone, or each half of a pair run alternately (create, then destroy: both must succeed). */
function measure(runs: number, argv: string[]): Stats {
  timeOnce(argv);
  return stats(Array.from({ length: runs }, () => timeOnce(argv)));
}

function measurePair(runs: number, first: string[], second: string[]): [Stats, Stats] {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const x = timeOnce(first);
    const y = timeOnce(second);
    // the first round warms caches (page cache, dnsmasq binary): not counted
    if (i > 0) {
      a.push(x);
      b.push(y);
    }
  }
  return [stats(a), stats(b)];
}

const fmt = (s: Stats | undefined) => (s ? `${s.median.toFixed(1)} (${s.min.toFixed(1)})` : '-');

function row(name: string, v: Stats, l: Stats | undefined): string {
  const ratio = l ? (v.median / l.median).toFixed(2) : '-';
  return `${name.padEnd(14)} ${fmt(v).padStart(16)} ${fmt(l).padStart(16)} ${ratio.padStart(7)}`;
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 20);
  const reason = canRunE2e();
  if (reason) {
    console.log(`cli-startup: skipped (${reason})`);
    return;
  }
  const noLibvirt = libvirtMissing();
  const t = new Topology();
  let lv: LibvirtdSandbox | undefined;
  try {
    await t.startDaemon();
    const file = join(t.dir, 'bench-cli.xml');
    writeFileSync(file, NETWORK);
    const vn = (...args: string[]) => [VIRTNET, '-c', `unix:${t.socket}`, ...args];
    const node = measure(runs, [process.execPath, '-e', '']);
    const v = {
      help: measure(runs, vn('help')),
      list: measure(runs, vn('net-list', '--all')),
      pair: measurePair(runs, vn('net-create', file), vn('net-destroy', 'bench-cli')),
    };
    let l: typeof v | undefined;
    if (!noLibvirt) {
      lv = await LibvirtdSandbox.start('vnt-bcli');
      const vs = (...args: string[]) => ['virsh', '-c', lv?.uri ?? '', ...args];
      l = {
        help: measure(runs, ['virsh', 'help']),
        list: measure(runs, vs('net-list', '--all')),
        pair: measurePair(runs, vs('net-create', file), vs('net-destroy', 'bench-cli')),
      };
    }
    console.log(
      `CLI wall time in ms, median (min) of ${runs} runs; \`node -e ''\` here: ${fmt(node)}` +
        (noLibvirt ? `; virsh: ${noLibvirt}` : ''),
    );
    console.log(
      `${'command'.padEnd(14)} ${'virtnet'.padStart(16)} ${'virsh'.padStart(16)} ${'ratio'.padStart(7)}`,
    );
    console.log(row('help', v.help, l?.help));
    console.log(row('net-list', v.list, l?.list));
    console.log(row('net-create', v.pair[0], l?.pair[0]));
    console.log(row('net-destroy', v.pair[1], l?.pair[1]));
  } finally {
    lv?.stop();
    await t.destroy();
  }
}

await main();
