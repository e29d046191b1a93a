// Benchmark of the CLI's wall time next to virsh's: `help`, `net-list`, and `net-create` / `net-destroy` of a
// NAT network with DHCP, against virtnetd (linux runtime) and libvirt 9.0's libvirtd, each in network namespaces
// of its own. Both CLIs run as a user runs them (their executables, from this namespace, over the daemons' UNIX
// sockets). Prints median and minimum per command and the ratio virtnet/virsh; without libvirt, virtnet only.
// Timed with hyperfine (Debian's) when installed. Usage (root): node dist/bench/cli-startup.js [runs=20]

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
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
  /** Mean user + system CPU time (hyperfine only): the CLI's own cost, less disturbed by a busy machine. */
  cpu?: number;
}

const HYPERFINE = spawnSync('which', ['hyperfine']).status === 0;

/** Wall time of one run of argv; throws when it fails. */
function timeOnce(argv: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
  return ms;
}

/**
 * `runs` timings of argv, each after `prepare` (untimed): with hyperfine (Debian's, no shell in between) when it
 * is installed, else a loop of spawnSync.
 */
function measure(dir: string, runs: number, argv: string[], prepare?: string[]): Stats {
  if (HYPERFINE) {
    const json = join(dir, 'hyperfine.json');
    const args = ['-N', '--style', 'none', '-w', '2', '-r', String(runs), '--export-json', json];
    if (prepare) args.push('--prepare', prepare.join(' '));
    const r = spawnSync('hyperfine', [...args, argv.join(' ')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`hyperfine ${argv.join(' ')} failed: ${r.stderr}`);
    const res = (JSON.parse(readFileSync(json, 'utf8')) as { results: HyperfineResult[] }).results[0];
    if (!res) throw new Error('hyperfine gave no result');
    return { median: res.median * 1000, min: res.min * 1000, cpu: (res.user + res.system) * 1000 };
  }
  const times: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    if (prepare) timeOnce(prepare);
    const t = timeOnce(argv);
    if (i >= 2) times.push(t);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)] ?? 0, min: times[0] ?? 0 };
}

interface HyperfineResult {
  median: number;
  min: number;
  user: number;
  system: number;
}

/** net-create timed with a destroy before each run, then net-destroy with a create before each. */
function createDestroy(dir: string, runs: number, create: string[], destroy: string[]): [Stats, Stats] {
  timeOnce(create);
  const c = measure(dir, runs, create, destroy);
  timeOnce(destroy);
  const d = measure(dir, runs, destroy, create);
  return [c, d];
}

/** net-create and net-destroy as API calls from this (running) process: what the daemon itself takes. */
async function apiOnly(t: Topology, runs: number): Promise<[Stats, Stats]> {
  const c: number[] = [];
  const d: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    let t0 = performance.now();
    const r = await t.api('POST', '/v1/networks?transient=1', NETWORK);
    const created = performance.now() - t0;
    if (r.status !== 201) throw new Error(`create failed: ${r.body}`);
    t0 = performance.now();
    const s = await t.api('POST', '/v1/networks/bench-cli/destroy');
    const destroyed = performance.now() - t0;
    if (s.status !== 200) throw new Error(`destroy failed: ${s.body}`);
    if (i >= 2) {
      c.push(created);
      d.push(destroyed);
    }
  }
  const stat = (x: number[]) => {
    x.sort((a, b) => a - b);
    return { median: x[Math.floor(x.length / 2)] ?? 0, min: x[0] ?? 0 };
  };
  return [stat(c), stat(d)];
}

const fmt = (s: Stats | undefined) => (s ? `${s.median.toFixed(1)} (${s.min.toFixed(1)})` : '-');
const cpu = (s: Stats | undefined) => (s?.cpu === undefined ? '-' : s.cpu.toFixed(1));

function row(name: string, v: Stats, l: Stats | undefined): string {
  const ratio = l ? (v.median / l.median).toFixed(2) : '-';
  return `${name.padEnd(12)} ${fmt(v).padStart(16)} ${fmt(l).padStart(16)} ${ratio.padStart(6)} ${cpu(v).padStart(8)} ${cpu(l).padStart(8)}`;
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
    const node = measure(t.dir, runs, [process.execPath, '-e', "''"]);
    const v = {
      help: measure(t.dir, runs, vn('help')),
      list: measure(t.dir, runs, vn('net-list', '--all')),
      pair: createDestroy(t.dir, runs, vn('net-create', file), vn('net-destroy', 'bench-cli')),
    };
    const api = await apiOnly(t, runs);
    let l: typeof v | undefined;
    if (!noLibvirt) {
      lv = await LibvirtdSandbox.start('vnt-bcli');
      const vs = (...args: string[]) => ['virsh', '-c', lv?.uri ?? '', ...args];
      l = {
        help: measure(t.dir, runs, ['virsh', 'help']),
        list: measure(t.dir, runs, vs('net-list', '--all')),
        pair: createDestroy(t.dir, runs, vs('net-create', file), vs('net-destroy', 'bench-cli')),
      };
    }
    console.log(
      `CLI wall time in ms, median (min) of ${runs} runs${HYPERFINE ? ' (hyperfine)' : ''}, and mean CPU time ` +
        `(user + system); \`node -e ''\` here: ${fmt(node)}, CPU ${cpu(node)}` +
        (noLibvirt ? `; virsh: ${noLibvirt}` : ''),
    );
    console.log(
      `${'command'.padEnd(12)} ${'virtnet'.padStart(16)} ${'virsh'.padStart(16)} ${'ratio'.padStart(6)} ${'CPU vn'.padStart(8)} ${'CPU virsh'.padStart(8)}`,
    );
    console.log(row('help', v.help, l?.help));
    console.log(row('net-list', v.list, l?.list));
    console.log(row('net-create', v.pair[0], l?.pair[0]));
    console.log(row('net-destroy', v.pair[1], l?.pair[1]));
    console.log(
      `the daemon's part, one API call from a running process: create ${fmt(api[0])}, destroy ${fmt(api[1])}`,
    );
  } finally {
    lv?.stop();
    await t.destroy();
  }
}

await main();
