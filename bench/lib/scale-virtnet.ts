// The virtnet side of the scale benchmark: virtnetd in a namespace of its own, `count` networks defined and
// started one by one through its API, then memory, net-list, CLI, UDP, a restart adopting them all and a daemon
// start autostarting them all in a fresh namespace (as after a reboot). Never touches the machine's namespace.

import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BenchDaemon } from './bench-daemon.js';
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

const ROOT = join(import.meta.dirname, '../../..');

export async function runVirtnet(
  count: number,
  udp: { runs: number; seconds: number },
): Promise<ScaleFigures> {
  const base = `vnt-scale-${randomBytes(3).toString('hex')}`;
  // the namespace in use; every one made is deleted at the end
  let ns = base;
  const made: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'vnt-scale-'));
  const sock = join(dir, 'run', 'virtnet.sock');
  let daemon: BenchDaemon | undefined;
  const daemonLog = () => daemon?.log ?? '';
  let up: Upstream | undefined;

  const api = (method: string, path: string, body?: string) =>
    // (no keep-alive: the sync measurements in between outlast the server's keep-alive timeout)
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request({ socketPath: sock, method, path, agent: false }, (res) => {
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
  const ok = async (method: string, path: string, body?: string) => {
    const r = await api(method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
  };

  /** Starts virtnetd in the namespace; resolves with the time until it listens (adoption, autostart done). */
  const startDaemon = async (): Promise<number> => {
    const t0 = performance.now();
    daemon = new BenchDaemon(ns, dir);
    await daemon.listening();
    return performance.now() - t0;
  };
  const stopDaemon = async () => daemon?.stop();
  /** Our processes (their command lines name this run's directory), with a name filter. */
  const ourPids = (re: RegExp): number[] => {
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
  };
  // (from here, as virsh runs: the CLI only needs the socket)
  const cli = (...args: string[]) => [join(ROOT, 'bin/virtnet'), '-c', `unix:${sock}`, ...args];
  const newNs = () => {
    ns = `${base}-${made.length}`;
    made.push(ns);
    execFileSync('ip', ['netns', 'add', ns]);
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  };
  const dnsmasqs = () => ourPids(/(^|\/)dnsmasq$/);
  /** Everything of this run goes: processes by PID (their command lines name its directory), namespace, files. */
  const cleanup = () => {
    for (const p of ourPids(/./)) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // gone
      }
    }
    for (const n of made) spawnSync('ip', ['netns', 'del', n]);
    rmSync(dir, { recursive: true, force: true });
  };
  // interrupted (Ctrl-C, a timeout): a thousand dnsmasq must not outlive the benchmark (first: libvirtd's handler
  // exits, and its exit hook stops libvirt's side)
  const interrupted = () => {
    daemon?.child.kill('SIGKILL');
    cleanup();
    process.exit(130);
  };
  process.prependOnceListener('SIGINT', interrupted);
  process.prependOnceListener('SIGTERM', interrupted);

  try {
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'resolv.conf'), 'nameserver 192.0.2.53\n');
    newNs();
    await startDaemon();
    const idleMb = rssMb(daemon?.child.pid);
    const windows: StartWindow[] = [];
    const at = marks(count);
    let since = 0;
    let startSum = 0;
    let listOneMs = 0;
    let helpMs = 0;
    let createMs = 0;
    let destroyMs = 0;
    let udpOnePps: number | undefined;
    let guest = '';
    for (let i = 0; i < count; i++) {
      await ok('POST', '/v1/networks', scaleXml(i));
      const s0 = performance.now();
      await ok('POST', `/v1/networks/sc${i}/start`);
      startSum += performance.now() - s0;
      if (i === 0) {
        listOneMs = medianMs(cli('net-list', '--all'));
        helpMs = medianMs(cli('help'));
        const file = join(dir, 'cli.xml');
        writeFileSync(file, scaleXml(count + 1).replaceAll(`sc${count + 1}`, 'sccli'));
        createMs = medianMs(cli('net-create', file), 7, cli('net-destroy', 'sccli'));
        destroyMs = medianMs(cli('net-destroy', 'sccli'), 7, cli('net-create', file));
        up = new Upstream(ns, `${ns}-u`);
        guest = up.addGuest('vsc0', `${subnet(0)}.5/24`, `${subnet(0)}.1`);
        udpOnePps = udpBestOf(guest, up.addr, { ...udp, daemonPid: daemon?.child.pid }).receivedPps;
      }
      if (at.includes(i + 1)) {
        const w = {
          from: since + 1,
          to: i + 1,
          startMs: startSum / (i + 1 - since),
          rssMb: rssMb(daemon?.child.pid),
        };
        windows.push(w);
        console.log(
          `virtnet: networks ${w.from}-${w.to}: start ${w.startMs.toFixed(1)} ms per network, virtnetd ${w.rssMb.toFixed(0)} MB`,
        );
        since = i + 1;
        startSum = 0;
      }
    }
    const dns = dnsmasqs();
    const dnsRss = dns.map(rssMb);
    const rss = rssMb(daemon?.child.pid);
    const listNMs = medianMs(cli('net-list', '--all'));
    await sleep(1000);
    const udpNPps = udpBestOf(guest, up?.addr ?? '', { ...udp, daemonPid: daemon?.child.pid }).receivedPps;
    const leaseLast = leaseOn(ns, `vsc${count - 1}`);
    console.log(
      `virtnet: ${dns.length} dnsmasq, virtnetd ${rss.toFixed(0)} MB, net-list ${listNMs.toFixed(1)} ms, UDP ${Math.round(udpNPps)} pkt/s, lease on the last: ${leaseLast}`,
    );

    // restart: every network adopted, no dnsmasq restarted
    const before = dns.sort();
    await stopDaemon();
    const adoptListenMs = await startDaemon();
    const after = new Set(dnsmasqs());
    const adoptRestarted = before.filter((p) => !after.has(p)).length;
    console.log(
      `virtnet: restart adopting ${count}: ${adoptListenMs.toFixed(0)} ms, ${adoptRestarted} restarted`,
    );

    // autostart: a fresh namespace (as after a reboot), every network autostarted by a new daemon
    for (let i = 0; i < count; i++) await ok('PUT', `/v1/networks/sc${i}/autostart`, '{"autostart":true}');
    await stopDaemon();
    up?.destroy();
    up = undefined;
    for (const p of ourPids(/./)) process.kill(p, 'SIGKILL');
    // the old namespace stays until the end: the kernel deletes a namespace's thousand bridges for minutes while
    // holding the lock every link change needs, which slowed this start 7× and is not what a reboot looks like
    newNs();
    const t0 = performance.now();
    const autostartListenMs = await startDaemon();
    let autostartAllMs: number | undefined;
    for (let k = 0; k < 600; k++) {
      if (dnsmasqs().length >= count) {
        autostartAllMs = performance.now() - t0;
        break;
      }
      await sleep(100);
    }
    const autostartUp = dnsmasqs().length;
    const autostartLease = leaseOn(ns, `vsc${count - 1}`);
    console.log(
      `virtnet: autostart ${count}: listens after ${autostartListenMs.toFixed(0)} ms, all dnsmasq after ${autostartAllMs?.toFixed(0)} ms`,
    );
    return {
      reached: count,
      dnsmasqPerNetwork: dns.length / count,
      windows,
      idleMb,
      rssMb: rss,
      dnsmasqCount: dns.length,
      dnsmasqMbPer: dnsRss.reduce((a, b) => a + b, 0) / count,
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
      autostartActive: autostartUp,
      autostartLease,
    };
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${daemonLog().slice(-2000)}`);
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await stopDaemon().catch(() => undefined);
    up?.destroy();
    cleanup();
  }
}
