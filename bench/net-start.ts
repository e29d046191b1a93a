// Benchmark of LinuxRuntime start: median start latency of a NAT network with DHCP (20 start/stop cycles), then
// the total time to start 1000 NAT networks, the heal loop's round over them, then 100 more with DHCP. Runs itself inside a fresh namespace and removes it afterwards.
// Networks get a DNS forwarder: dnsmasq then uses no-resolv and no inotify instance (fs.inotify.max_user_instances,
// 128 by default and machine-wide, would otherwise cap the number of dnsmasq processes).
// Usage (root): node dist/bench/net-start.js [count=1000]

import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createLinuxRuntime } from '../src/daemon/linux-runtime.js';
import type { NetworkDef } from '../src/model/network-def.js';
import { parseNetworkXml } from '../src/model/network-parse.js';

/** A NAT network; with `dhcp` false it has no DHCP and DNS off, so no dnsmasq (see the note at the top). */
function natDef(i: number, dhcp = true): NetworkDef {
  const a = Math.floor(i / 250) + 50;
  const b = i % 250;
  return parseNetworkXml(`<network>
  <name>bench${i}</name>
  <forward mode='nat'/>
  <bridge name='vb${i}' stp='on' delay='0'/>
  ${dhcp ? "<dns><forwarder addr='192.0.2.53'/></dns>" : "<dns enable='no'/>"}
  <ip address='10.${a}.${b}.1' netmask='255.255.255.0'>
    ${dhcp ? `<dhcp><range start='10.${a}.${b}.2' end='10.${a}.${b}.254'/></dhcp>` : ''}
  </ip>
</network>
`);
}

async function inner(stateDir: string, count: number): Promise<void> {
  const rt = createLinuxRuntime({
    stateDir,
    runDir: join(stateDir, 'run'),
    log: process.env.VIRTNET_TRACE ? (m) => console.log(m) : () => {},
  });
  const def = natDef(0);
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    const st = await rt.start(def);
    times.push(performance.now() - t0);
    await rt.stop(def, st);
  }
  times.sort((x, y) => x - y);
  const median = ((times[9] as number) + (times[10] as number)) / 2;
  console.log(
    `start NAT+DHCP median: ${median.toFixed(1)} ms (min ${times[0]?.toFixed(1)}, max ${times[19]?.toFixed(1)})`,
  );
  const t0 = performance.now();
  for (let i = 0; i < count; i++) await rt.start(natDef(i, false));
  const total = (performance.now() - t0) / 1000;
  console.log(
    `start ${count} NAT networks (no DHCP/DNS): ${total.toFixed(2)} s total (${((total * 1000) / count).toFixed(1)} ms each)`,
  );
  const started: Array<{ def: NetworkDef; state: Record<string, unknown>; ports: [] }> = [];
  for (let i = 0; i < count; i++) started.push({ def: natDef(i, false), state: {}, ports: [] });
  const heals: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < 5; i++) {
    const h0 = performance.now();
    const c0 = process.cpuUsage();
    const repaired = await rt.heal(started);
    heals.push(performance.now() - h0);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1000);
    if (repaired.length) console.log(`heal round repaired ${repaired.length} networks (expected none)`);
  }
  heals.sort((x, y) => x - y);
  cpus.sort((x, y) => x - y);
  console.log(
    `heal round over ${count} healthy networks: ${(heals[2] as number).toFixed(0)} ms (${(cpus[2] as number).toFixed(0)} ms of the daemon's CPU; median of 5)`,
  );
  const withDhcp = Math.min(100, count);
  const t1 = performance.now();
  for (let i = count; i < count + withDhcp; i++) await rt.start(natDef(i));
  const total1 = (performance.now() - t1) / 1000;
  console.log(
    `then ${withDhcp} more NAT networks with DHCP: ${total1.toFixed(2)} s total (${((total1 * 1000) / withDhcp).toFixed(1)} ms each)`,
  );
  await rt.detach();
}

/** dnsmasq and the nft session of this run (their command lines name its directory). */
function killOurDnsmasqs(dir: string): void {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(dir)) process.kill(Number(d), 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

async function outer(count: number): Promise<void> {
  const ns = `vnt-bench-${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'vnt-bench-'));
  // dnsmasq drops root for `nobody`, which must reach its hosts files below this directory
  chmodSync(dir, 0o755);
  execFileSync('ip', ['netns', 'add', ns]);
  try {
    execFileSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
    const r = spawnSync(
      'ip',
      ['netns', 'exec', ns, process.execPath, import.meta.filename, '--inner', dir, String(count)],
      {
        stdio: 'inherit',
      },
    );
    if (r.status !== 0) process.exitCode = 1;
  } finally {
    killOurDnsmasqs(dir);
    spawnSync('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  }
}

const args = process.argv.slice(2);
if (args[0] === '--inner') await inner(args[1] as string, Number(args[2]));
else await outer(Number(args[0] ?? 1000));
