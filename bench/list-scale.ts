// Reading at scale: `GET /v1/networks`, `GET /v1/networks?detail=1` and `virtnet net-list --all` (the CLI process
// included) against a real virtnetd in a namespace of its own, with 1 and with N active NAT networks (DHCP on by
// default; `nodhcp` leaves it out), plus how busy the idle daemon is at N. Figures printed, nothing asserted.
// Usage (root, after npm run build): node dist/bench/list-scale.js [count=200] [nodhcp]
//   (VIRTNET_BENCH_LIST_SCALE=N in npm run bench). VIRTNET_BENCH_CPU_PROF=DIR runs virtnetd under --cpu-prof.

import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BenchDaemon } from './lib/bench-daemon.js';

const ROOT = join(import.meta.dirname, '../..');
const count = Number(process.argv[2] ?? process.env.VIRTNET_BENCH_LIST_SCALE ?? 200);
const dhcp = process.argv[3] !== 'nodhcp';
const ns = `vnt-lsc-${randomBytes(3).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'vnt-lsc-'));
const sock = join(dir, 'run', 'virtnet.sock');
let daemon: BenchDaemon | undefined;

const xml = (i: number) => {
  const a = Math.floor(i / 250) + 60;
  const b = i % 250;
  const range = dhcp ? `<dhcp><range start='10.${a}.${b}.10' end='10.${a}.${b}.200'/></dhcp>` : '';
  return `<network><name>ls${i}</name><forward mode='nat'/><bridge name='vls${i}'/>
  <ip address='10.${a}.${b}.1' prefix='24'>${range}</ip></network>`;
};

function api(method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: sock, method, path }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

async function ok(method: string, path: string, body?: string): Promise<void> {
  const r = await api(method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
}

async function startDaemon(): Promise<void> {
  const prof = process.env.VIRTNET_BENCH_CPU_PROF;
  const node = prof ? [process.execPath, '--cpu-prof', '--cpu-prof-dir', prof] : [process.execPath];
  daemon = new BenchDaemon(ns, dir, { node });
  await daemon.listening();
}

/** The daemon's own pid (ip netns exec execs node, so the child is the daemon). */
const daemonPid = () => daemon?.child.pid as number;

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;

async function requestMs(path: string, runs = 15): Promise<{ ms: number; bytes: number }> {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = await api('GET', path);
    times.push(performance.now() - t0);
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status}`);
    bytes = r.text.length;
  }
  return { ms: median(times), bytes };
}

function netListMs(runs = 9): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync('ip', [
      ...['netns', 'exec', ns, process.execPath, join(ROOT, 'bin/virtnet')],
      ...['-c', `unix:${sock}`, 'net-list', '--all'],
    ]);
    times.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`net-list failed: ${r.stderr}`);
  }
  return median(times);
}

/** Share of one core the daemon used over `ms` while nothing was asked of it. */
async function idleCpu(ms = 4000): Promise<number> {
  const ticks = () => {
    const f = readFileSync(`/proc/${daemonPid()}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return Number(f[11]) + Number(f[12]);
  };
  const t0 = ticks();
  await new Promise((r) => setTimeout(r, ms));
  return (ticks() - t0) / 100 / (ms / 1000);
}

async function measure(n: number): Promise<string> {
  const list = await requestMs('/v1/networks?all=1');
  const detail = await requestMs('/v1/networks?all=1&detail=1');
  const cli = netListMs();
  const cpu = await idleCpu();
  return `${n} network(s): GET /v1/networks ${list.ms.toFixed(1)} ms (${(list.bytes / 1024).toFixed(0)} KiB), ?detail=1 ${detail.ms.toFixed(1)} ms (${(detail.bytes / 1024).toFixed(0)} KiB), net-list --all ${cli.toFixed(1)} ms; idle daemon ${(cpu * 100).toFixed(0)}% of a core`;
}

async function main(): Promise<void> {
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'resolv.conf'), 'nameserver 192.0.2.53\n');
  execFileSync('ip', ['netns', 'add', ns]);
  execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  await startDaemon();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    await ok('POST', '/v1/networks?start=1', xml(i));
    if (i === 0) console.log(await measure(1));
  }
  const per = (performance.now() - t0) / count;
  console.log(
    `(${count} networks ${dhcp ? 'with' : 'without'} DHCP defined and started, ${per.toFixed(1)} ms each)`,
  );
  console.log(await measure(count));
}

/** Processes whose command line names this run's directory. */
function ourPids(): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(dir)) out.push(Number(p));
    } catch {
      // gone
    }
  }
  return out;
}

try {
  await main();
} catch (e) {
  console.log(`list-scale bench failed: ${(e as Error).message}\n${(daemon?.log ?? '').slice(-2000)}`);
  process.exitCode = 1;
} finally {
  await daemon?.stop();
  for (const p of ourPids()) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // gone
    }
  }
  spawnSync('ip', ['netns', 'del', ns]);
  rmSync(dir, { recursive: true, force: true });
}
