// The libvirt 9.0 side of the scale benchmark: libvirtd in a network namespace of its own (private /etc, /run,
// /var/lib libvirt), the same networks defined and started one by one through one open virsh connection until
// `count` or until libvirt refuses one (each of its dnsmasq takes an inotify instance; the machine-wide per-user
// limit is 128 and is not raised here), then the same figures as virtnet's. Every network is destroyed and every
// dnsmasq stopped (by PID) before this returns, so the inotify instances are back for everyone else.

import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BenchLibvirtd, VirshSession } from './libvirtd.js';
import {
  leaseOn,
  marks,
  medianMs,
  rssMb,
  type ScaleFigures,
  type StartWindow,
  scaleXml,
  sleep,
  subnet,
} from './scale-common.js';
import { Upstream, udpBestOf } from './udp.js';

export async function runLibvirt(
  count: number,
  udp: { runs: number; seconds: number },
): Promise<Partial<ScaleFigures>> {
  const ns = `vnt-scalelv-${randomBytes(3).toString('hex')}`;
  execFileSync('ip', ['netns', 'add', ns]);
  execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  const lv = new BenchLibvirtd(ns);
  let up: Upstream | undefined;
  let session: VirshSession | undefined;
  // filled as it goes: a failure later on still leaves the figures measured until then
  const f: Partial<ScaleFigures> = {};
  try {
    await lv.launch();
    await sleep(500);
    f.idleMb = rssMb(lv.pid);
    session = new VirshSession(lv.uri);
    const s = session;
    const windows: StartWindow[] = [];
    f.windows = windows;
    const at = marks(count);
    let since = 0;
    let startSum = 0;
    let reached = 0;
    let guest = '';
    const virsh = (...args: string[]) => ['virsh', '-c', lv.uri, ...args];
    for (let i = 0; i < count; i++) {
      const file = join(lv.dir, `sc${i}.xml`);
      writeFileSync(file, scaleXml(i));
      await s.run(`net-define ${file}`, /defined/);
      const s0 = performance.now();
      try {
        await s.run(`net-start sc${i}`, /started/);
      } catch (e) {
        f.stopError = `network ${i + 1} (sc${i}) did not start: ${(e as Error).message}`;
        console.log(`libvirt: ${f.stopError}`);
        break;
      }
      startSum += performance.now() - s0;
      reached = i + 1;
      f.reached = reached;
      if (i === 0) {
        f.listOneMs = medianMs(virsh('net-list', '--all'));
        f.helpMs = medianMs(['virsh', 'help']);
        const cliFile = join(lv.dir, 'cli.xml');
        writeFileSync(cliFile, scaleXml(count + 1).replaceAll(`sc${count + 1}`, 'sccli'));
        f.createMs = medianMs(virsh('net-create', cliFile), 7, virsh('net-destroy', 'sccli'));
        f.destroyMs = medianMs(virsh('net-destroy', 'sccli'), 7, virsh('net-create', cliFile));
        up = new Upstream(ns, `${ns}-u`);
        guest = up.addGuest('vsc0', `${subnet(0)}.5/24`, `${subnet(0)}.1`);
        f.udpOnePps = udpBestOf(guest, up.addr, { ...udp, daemonPid: lv.pid }).receivedPps;
      }
      if (at.includes(i + 1)) {
        windows.push({
          from: since + 1,
          to: i + 1,
          startMs: startSum / (i + 1 - since),
          rssMb: rssMb(lv.pid),
        });
        since = i + 1;
        startSum = 0;
      }
    }
    if (reached > since)
      windows.push({
        from: since + 1,
        to: reached,
        startMs: startSum / (reached - since),
        rssMb: rssMb(lv.pid),
      });
    for (const w of windows)
      console.log(
        `libvirt: networks ${w.from}-${w.to}: start ${w.startMs.toFixed(1)} ms per network, libvirtd ${w.rssMb.toFixed(0)} MB`,
      );
    const dns = lv.dnsmasqPids();
    f.dnsmasqCount = dns.length;
    f.dnsmasqPerNetwork = dns.length / Math.max(1, reached);
    f.dnsmasqMbPer = dns.map(rssMb).reduce((a, b) => a + b, 0) / Math.max(1, reached);
    f.rssMb = rssMb(lv.pid);
    f.listNMs = medianMs(virsh('net-list', '--all'));
    f.udpNPps = udpBestOf(guest, up?.addr ?? '', { ...udp, daemonPid: lv.pid }).receivedPps;
    f.leaseLast = leaseOn(ns, `vsc${reached - 1}`);
    console.log(
      `libvirt: ${dns.length} dnsmasq, libvirtd ${f.rssMb.toFixed(0)} MB, net-list ${f.listNMs.toFixed(1)} ms, UDP ${Math.round(f.udpNPps)} pkt/s, lease on the last: ${f.leaseLast}`,
    );

    // restart: libvirtd stopped alone and started again on the same state; it reloads the running networks
    session.close();
    const before = dns.sort();
    await lv.stopDaemon();
    f.adoptListenMs = await lv.launch();
    const after = new Set(lv.dnsmasqPids());
    f.adoptRestarted = before.filter((p) => !after.has(p)).length;
    console.log(
      `libvirt: restart adopting ${reached}: ${f.adoptListenMs.toFixed(0)} ms, ${f.adoptRestarted} restarted`,
    );

    // autostart: every network marked autostart and destroyed, libvirtd stopped, then started again
    session = new VirshSession(lv.uri);
    up?.destroy();
    up = undefined;
    for (let i = 0; i < reached; i++) await session.run(`net-autostart sc${i}`, /autostart/);
    for (let i = 0; i < reached; i++) await session.run(`net-destroy sc${i}`, /destroyed/);
    session.close();
    await lv.stopDaemon();
    for (const p of lv.dnsmasqPids()) process.kill(p, 'SIGKILL');
    // libvirt autostarts once per boot: it skips autostart while its run directory holds the marker from before
    lv.forgetBoot();
    const t0 = performance.now();
    f.autostartListenMs = await lv.launch();
    // libvirtd answers before its autostart is done: wait for every bridge and dnsmasq
    for (let k = 0; k < 600; k++) {
      if (lv.active().length >= reached) {
        f.autostartAllMs = performance.now() - t0;
        break;
      }
      await sleep(100);
    }
    f.autostartUp = lv.dnsmasqPids().length;
    f.autostartActive = lv.active().length;
    f.autostartLease = leaseOn(ns, `vsc${reached - 1}`);
    console.log(
      `libvirt: autostart ${reached}: answers after ${f.autostartListenMs.toFixed(0)} ms, all networks active after ${f.autostartAllMs?.toFixed(0)} ms`,
    );
    return f;
  } catch (e) {
    f.error = `${(e as Error).message}\n${lv.logTail()}`;
    return f;
  } finally {
    session?.close();
    up?.destroy();
    lv.stop();
    spawnSync('ip', ['netns', 'del', ns]);
  }
}
