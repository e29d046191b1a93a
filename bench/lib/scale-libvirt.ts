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
): Promise<ScaleFigures> {
  const ns = `vnt-scalelv-${randomBytes(3).toString('hex')}`;
  execFileSync('ip', ['netns', 'add', ns]);
  execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  const lv = new BenchLibvirtd(ns);
  let up: Upstream | undefined;
  let session: VirshSession | undefined;
  try {
    await lv.launch();
    await sleep(500);
    const idleMb = rssMb(lv.pid);
    session = new VirshSession(lv.uri);
    const s = session;
    const windows: StartWindow[] = [];
    const at = marks(count);
    let since = 0;
    let startSum = 0;
    let reached = 0;
    let stopError: string | undefined;
    let listOneMs = 0;
    let helpMs = 0;
    let createMs = 0;
    let destroyMs = 0;
    let udpOnePps: number | undefined;
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
        stopError = `network ${i + 1} (sc${i}) did not start: ${(e as Error).message}`;
        console.log(`libvirt: ${stopError}`);
        break;
      }
      startSum += performance.now() - s0;
      reached = i + 1;
      if (i === 0) {
        listOneMs = medianMs(virsh('net-list', '--all'));
        helpMs = medianMs(['virsh', 'help']);
        const cliFile = join(lv.dir, 'cli.xml');
        writeFileSync(cliFile, scaleXml(count + 1).replaceAll(`sc${count + 1}`, 'sccli'));
        createMs = medianMs(virsh('net-create', cliFile), 7, virsh('net-destroy', 'sccli'));
        destroyMs = medianMs(virsh('net-destroy', 'sccli'), 7, virsh('net-create', cliFile));
        up = new Upstream(ns, `${ns}-u`);
        guest = up.addGuest('vsc0', `${subnet(0)}.5/24`, `${subnet(0)}.1`);
        udpOnePps = udpBestOf(guest, up.addr, { ...udp, daemonPid: lv.pid }).receivedPps;
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
    const dnsRss = dns.map(rssMb);
    const rss = rssMb(lv.pid);
    const listNMs = medianMs(virsh('net-list', '--all'));
    const udpNPps = udpBestOf(guest, up?.addr ?? '', { ...udp, daemonPid: lv.pid }).receivedPps;
    const leaseLast = leaseOn(ns, `vsc${reached - 1}`);
    console.log(
      `libvirt: ${dns.length} dnsmasq, libvirtd ${rss.toFixed(0)} MB, net-list ${listNMs.toFixed(1)} ms, UDP ${Math.round(udpNPps)} pkt/s, lease on the last: ${leaseLast}`,
    );

    // restart: libvirtd stopped alone and started again on the same state; it reloads the running networks
    session.close();
    const before = dns.sort();
    await lv.stopDaemon();
    const adoptListenMs = await lv.launch();
    const after = new Set(lv.dnsmasqPids());
    const adoptRestarted = before.filter((p) => !after.has(p)).length;
    console.log(
      `libvirt: restart adopting ${reached}: ${adoptListenMs.toFixed(0)} ms, ${adoptRestarted} restarted`,
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
    const autostartListenMs = await lv.launch();
    let autostartAllMs: number | undefined;
    // libvirtd answers before its autostart is done: wait for every bridge and dnsmasq
    for (let k = 0; k < 600; k++) {
      if (lv.active().length >= reached) {
        autostartAllMs = performance.now() - t0;
        break;
      }
      await sleep(100);
    }
    const autostartUp = lv.dnsmasqPids().length;
    const autostartActive = lv.active().length;
    const autostartLease = leaseOn(ns, `vsc${reached - 1}`);
    console.log(
      `libvirt: autostart ${reached}: answers after ${autostartListenMs.toFixed(0)} ms, all dnsmasq after ${autostartAllMs?.toFixed(0)} ms`,
    );
    return {
      reached,
      stopError,
      dnsmasqPerNetwork: dns.length / Math.max(1, reached),
      windows,
      idleMb,
      rssMb: rss,
      dnsmasqCount: dns.length,
      dnsmasqMbPer: dnsRss.reduce((a, b) => a + b, 0) / Math.max(1, reached),
      listOneMs,
      listNMs,
      helpMs,
      createMs,
      destroyMs,
      udpOnePps,
      udpNPps,
      leaseLast,
      adoptListenMs,
      adoptRestarted,
      autostartListenMs,
      autostartAllMs,
      autostartUp,
      autostartActive,
      autostartLease,
    };
  } finally {
    session?.close();
    up?.destroy();
    lv.stop();
    spawnSync('ip', ['netns', 'del', ns]);
  }
}
