// Scale benchmark: NAT networks with DHCP and DNS, exactly as users write them (no <forwarder>), started one by one
// through virtnetd's API in a namespace of its own; then memory (virtnetd, dnsmasq per network), net-list --all
// against one network, a daemon restart adopting them all, and a daemon start autostarting them all in a fresh
// namespace. Figures printed, nothing asserted. Never touches the machine's own namespace.
// Usage (root, after npm run build): node dist/bench/scale.js [count=1000]   (VIRTNET_BENCH_SCALE=N in npm run bench)

import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const ROOT = join(import.meta.dirname, '../..');
const count = Number(process.argv[2] ?? process.env.VIRTNET_BENCH_SCALE ?? 1000);
const ns = `vnt-scale-${randomBytes(3).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'vnt-scale-'));
const sock = join(dir, 'run', 'virtnet.sock');
let daemon: ChildProcess | undefined;
let daemonLog = '';

const xml = (i: number) => {
  const a = Math.floor(i / 250) + 60;
  const b = i % 250;
  return `<network><name>sc${i}</name><forward mode='nat'/><bridge name='vsc${i}'/>
  <ip address='10.${a}.${b}.1' prefix='24'><dhcp><range start='10.${a}.${b}.10' end='10.${a}.${b}.200'/></dhcp></ip></network>`;
};

function api(method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: sock, method, path }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => {
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

/** Starts virtnetd in the namespace; resolves with the time until it listens (load, adoption, autostart done). */
async function startDaemon(): Promise<number> {
  const t0 = performance.now();
  daemonLog = '';
  const d = spawn(
    'ip',
    [
      ...['netns', 'exec', ns, process.execPath, join(ROOT, 'bin/virtnetd')],
      ...[
        '--config-dir',
        join(dir, 'config'),
        '--state-dir',
        join(dir, 'state'),
        '--run-dir',
        join(dir, 'run'),
      ],
      ...['--resolv-conf', join(dir, 'resolv.conf')],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  d.stderr?.on('data', (b: Buffer) => {
    daemonLog += b;
  });
  daemon = d;
  for (;;) {
    if (daemonLog.includes('listening on')) return performance.now() - t0;
    if (d.exitCode !== null) throw new Error(`virtnetd exited: ${daemonLog}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function stopDaemon(): Promise<void> {
  const d = daemon;
  if (!d || d.exitCode !== null) return;
  const gone = new Promise((r) => d.once('exit', r));
  d.kill('SIGTERM');
  await gone;
}

/** Our processes (their command lines name this run's directory), with a name filter. */
function ourPids(re: RegExp): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      if (argv.some((a) => a.includes(dir)) && re.test(argv[0] ?? '')) out.push(Number(p));
    } catch {
      // gone
    }
  }
  return out;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

/** Median wall time of `virtnet net-list --all` (the CLI process included), in ms. */
function netListMs(): number {
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    const r = spawnSync('ip', [
      ...['netns', 'exec', ns, process.execPath, join(ROOT, 'bin/virtnet')],
      ...['-c', `unix:${sock}`, 'net-list', '--all'],
    ]);
    times.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`net-list failed: ${r.stderr}`);
  }
  return times.sort((x, y) => x - y)[3] as number;
}

/** A guest on the network's bridge asks for a lease (busybox udhcpc); true when one came. */
function leaseOn(i: number): boolean {
  const g = `${ns}-g`;
  spawnSync('ip', ['netns', 'add', g]);
  try {
    execFileSync('ip', ['-n', ns, 'link', 'add', 'vgl', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', g]);
    execFileSync('ip', ['-n', ns, 'link', 'set', 'vgl', 'master', `vsc${i}`, 'up']);
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

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

async function main(): Promise<void> {
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'resolv.conf'), 'nameserver 192.0.2.53\n');
  execFileSync('ip', ['netns', 'add', ns]);
  execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  await startDaemon();
  const idle = rssMb(daemon?.pid as number);
  const marks = [1, 127, 128, 1000, count].filter((m, k, all) => m <= count && all.indexOf(m) === k);
  const windows: string[] = [];
  let since = 0;
  let t0 = performance.now();
  let startSum = 0;
  let listOne = 0;
  for (let i = 0; i < count; i++) {
    await ok('POST', '/v1/networks', xml(i));
    const s0 = performance.now();
    await ok('POST', `/v1/networks/sc${i}/start`);
    startSum += performance.now() - s0;
    if (i === 0) listOne = netListMs();
    if (marks.includes(i + 1)) {
      const n = i + 1 - since;
      windows.push(
        `networks ${since + 1}-${i + 1}: start ${fmt(startSum / n)} per network (define+start ${fmt((performance.now() - t0 - (i === 0 ? listOne * 7 : 0)) / n)}), virtnetd ${rssMb(daemon?.pid as number).toFixed(0)} MB`,
      );
      console.log(windows[windows.length - 1]);
      since = i + 1;
      startSum = 0;
      t0 = performance.now();
    }
  }
  const dns = ourPids(/(^|\/)dnsmasq$/);
  const dnsRss = dns.map(rssMb);
  const rss = rssMb(daemon?.pid as number);
  console.log(`dnsmasq processes: ${dns.length} (expected ${count})`);
  console.log(
    `memory: virtnetd ${idle.toFixed(0)} MB idle, ${rss.toFixed(0)} MB with ${count} active networks; dnsmasq ${(dnsRss.reduce((a, b) => a + b, 0) / dns.length).toFixed(2)} MB RSS per network`,
  );
  const listN = netListMs();
  console.log(
    `net-list --all (CLI included): ${fmt(listOne)} with 1 network, ${fmt(listN)} with ${count} (${(listN / listOne).toFixed(2)}x)`,
  );
  console.log(`lease on the last network: ${leaseOn(count - 1) ? 'yes' : 'NO'}`);

  // restart: every network adopted, no dnsmasq restarted
  const before = dns.sort().join(',');
  await stopDaemon();
  const adoptMs = await startDaemon();
  const same =
    ourPids(/(^|\/)dnsmasq$/)
      .sort()
      .join(',') === before;
  console.log(
    `daemon restart adopting ${count} networks: ${(adoptMs / 1000).toFixed(2)} s until it listens; dnsmasq restarted: ${same ? 'none' : 'SOME'}`,
  );

  // autostart: a fresh namespace (as after a reboot), every network autostarted by a new daemon
  for (let i = 0; i < count; i++) await ok('PUT', `/v1/networks/sc${i}/autostart`, '{"autostart":true}');
  await stopDaemon();
  for (const p of ourPids(/./)) process.kill(p, 'SIGKILL');
  spawnSync('ip', ['netns', 'del', ns]);
  execFileSync('ip', ['netns', 'add', ns]);
  execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  const autoMs = await startDaemon();
  const up = ourPids(/(^|\/)dnsmasq$/).length;
  const lease = leaseOn(count - 1);
  const progress = daemonLog.split('\n').filter((l) => /autostart/.test(l)).length;
  console.log(
    `daemon start autostarting ${count} networks: ${(autoMs / 1000).toFixed(2)} s until it listens, ${up} dnsmasq running, lease on the last: ${lease ? 'yes' : 'NO'} (${progress} autostart lines in the log)`,
  );
}

try {
  await main();
} catch (e) {
  console.log(`scale bench failed: ${(e as Error).message}\n${daemonLog.slice(-2000)}`);
  process.exitCode = 1;
} finally {
  await stopDaemon().catch(() => undefined);
  for (const p of ourPids(/./)) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // gone
    }
  }
  spawnSync('ip', ['netns', 'del', ns]);
  rmSync(dir, { recursive: true, force: true });
}
