// libvirt 9.0's libvirtd for the benchmarks, in a network namespace of the caller's (never the machine's own) and
// a mount namespace of its own, like test/helpers/libvirtd.ts, but restartable on the same state: stopDaemon()
// stops libvirtd only (its networks and their dnsmasq stay, as on a daemon upgrade) and launch() starts it again,
// which then adopts them, or autostarts what was destroyed. stop() destroys everything it started, by PID.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export { libvirtMissing } from '../../test/helpers/libvirtd.js';

const MOUNTS: Array<[string, string]> = [
  ['etc', '/etc/libvirt'],
  ['run', '/run/libvirt'],
  ['lib', '/var/lib/libvirt'],
  ['cache', '/var/cache/libvirt'],
  ['log', '/var/log/libvirt'],
];
const live = new Set<BenchLibvirtd>();
process.on('exit', () => {
  for (const l of live) l.stop();
});
// interrupted: its dnsmasq must not outlive the benchmark (they hold inotify instances everyone needs)
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    for (const l of live) l.stop();
    process.exit(130);
  });
}

export class BenchLibvirtd {
  readonly dir = mkdtempSync(join(tmpdir(), 'virtnet-bench-libvirtd-'));
  /** For `virsh -c`: libvirt's system URI through the private socket. */
  readonly uri = `qemu:///system?socket=${join(this.dir, 'run', 'libvirt-sock')}`;
  private proc: ChildProcess | undefined;
  private log = '';

  constructor(readonly ns: string) {
    live.add(this);
    for (const [d] of MOUNTS) mkdirSync(join(this.dir, d));
    // the machine's configuration without any network: no `default` network, no autostart link
    if (existsSync('/etc/libvirt')) cpSync('/etc/libvirt', join(this.dir, 'etc'), { recursive: true });
    const nets = join(this.dir, 'etc', 'qemu', 'networks');
    rmSync(nets, { recursive: true, force: true });
    mkdirSync(join(nets, 'autostart'), { recursive: true });
    writeFileSync(
      join(this.dir, 'libvirtd.conf'),
      `log_outputs="3:file:${join(this.dir, 'libvirtd.log')}"\n`,
    );
    for (const [, to] of MOUNTS) mkdirSync(to, { recursive: true });
  }

  get pid(): number | undefined {
    return this.proc?.exitCode === null ? this.proc.pid : undefined;
  }

  /** Starts libvirtd; resolves with the ms until it answers virsh. */
  async launch(): Promise<number> {
    const t0 = performance.now();
    const mounts = MOUNTS.map(([from, to]) => `mount --bind "$1/${from}" ${to}`).join(' && ');
    // ip netns exec, unshare and sh each exec the next: the child's PID is libvirtd's
    const p = spawn(
      'ip',
      [
        ...['netns', 'exec', this.ns, 'unshare', '-m', '--propagation', 'private', 'sh', '-c'],
        `${mounts} && exec libvirtd -f "$1/libvirtd.conf"`,
        ...['sh', this.dir],
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.log = '';
    p.stderr?.on('data', (b: Buffer) => {
      this.log += b;
    });
    this.proc = p;
    for (let i = 0; i < 3000; i++) {
      if (p.exitCode !== null || p.signalCode !== null)
        throw new Error(`libvirtd exited (${p.exitCode ?? p.signalCode}): ${this.log}${this.logTail()}`);
      if (
        existsSync(join(this.dir, 'run', 'libvirt-sock')) &&
        this.virsh(['-q', 'net-list', '--all']).code === 0
      )
        return performance.now() - t0;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`libvirtd did not answer: ${this.log}`);
  }

  /** Stops libvirtd alone (SIGTERM, by PID); its networks and their dnsmasq keep running. */
  async stopDaemon(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    const timer = setTimeout(() => p.kill('SIGKILL'), 15000);
    await gone;
    clearTimeout(timer);
  }

  /** The end of libvirtd's log file (errors and warnings). */
  logTail(): string {
    try {
      return readFileSync(join(this.dir, 'libvirtd.log'), 'utf8').split('\n').slice(-15).join('\n');
    } catch {
      return '';
    }
  }

  /** Removes libvirt's once-per-boot autostart marker (run/network/autostarted), as a reboot empties /run. */
  forgetBoot(): void {
    rmSync(join(this.dir, 'run', 'network', 'autostarted'), { force: true });
  }

  virsh(args: string[]): { code: number; stdout: string; stderr: string } {
    const r = spawnSync('virsh', ['-c', this.uri, ...args], { encoding: 'utf8', timeout: 120000 });
    return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  mustVirsh(args: string[]): string {
    const r = this.virsh(args);
    if (r.code !== 0) throw new Error(`virsh ${args.join(' ')}: ${r.stderr.trim()}`);
    return r.stdout;
  }

  /** Names of the active networks. */
  active(): string[] {
    return this.mustVirsh(['-q', 'net-list', '--name'])
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  }

  /** PIDs of the dnsmasq processes this libvirtd started that are alive (found in its namespace). */
  dnsmasqPids(): number[] {
    const left = spawnSync('ip', ['netns', 'pids', this.ns], { encoding: 'utf8' }).stdout ?? '';
    return left
      .split('\n')
      .map(Number)
      .filter((n) => n > 0 && isLibvirts(n) && !isLibvirtd(n));
  }

  /** Destroys every active network (virsh net-destroy), then stops libvirtd and whatever dnsmasq is left, by PID. */
  stop(): void {
    if (!live.delete(this)) return;
    if (this.pid) {
      for (const n of this.virsh(['-q', 'net-list', '--name'])
        .stdout.split('\n')
        .map((l) => l.trim())) {
        if (n) this.virsh(['net-destroy', n]);
      }
    }
    if (this.pid) this.proc?.kill('SIGKILL');
    // its dnsmasq, and anything else of libvirt's in the namespace
    const left = spawnSync('ip', ['netns', 'pids', this.ns], { encoding: 'utf8' }).stdout ?? '';
    for (const p of left
      .split('\n')
      .map(Number)
      .filter((n) => n > 0 && isLibvirts(n))) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // gone
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function isLibvirtd(pid: number): boolean {
  try {
    return /(^|\/)libvirtd$/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '');
  } catch {
    return false;
  }
}

/** libvirtd, or a dnsmasq libvirt started (its config is under /var/lib/libvirt/dnsmasq). */
function isLibvirts(pid: number): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return /(^|\/)libvirtd$/.test(argv[0] ?? '') || argv.some((a) => a.includes('/var/lib/libvirt/dnsmasq/'));
  } catch {
    return false;
  }
}

/**
 * One long-running interactive virsh on one connection: commands go to its stdin, each followed by an `echo` of a
 * marker, so a command's time is libvirt's (one RPC over the open connection), not virsh's process start.
 */
export class VirshSession {
  private readonly proc: ChildProcess;
  private out = '';
  private err = '';
  private seq = 0;

  constructor(uri: string) {
    this.proc = spawn('virsh', ['-c', uri], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdout?.on('data', (b: Buffer) => {
      this.out += b;
    });
    this.proc.stderr?.on('data', (b: Buffer) => {
      this.err += b;
    });
  }

  /** Runs one virsh command; resolves with its output, or rejects with virsh's error when `expect` is missing. */
  async run(command: string, expect: RegExp): Promise<string> {
    const mark = `__bench_done_${++this.seq}__`;
    this.out = '';
    this.err = '';
    this.proc.stdin?.write(`${command}\necho ${mark}\n`);
    while (!this.out.includes(`${mark}\n`)) {
      if (this.proc.exitCode !== null || this.proc.stdout?.readableEnded)
        throw new Error(`virsh exited: ${this.err}`);
      await new Promise<void>((r) => {
        const stdout = this.proc.stdout;
        const done = () => {
          stdout?.off('data', done);
          stdout?.off('close', done);
          r();
        };
        stdout?.on('data', done);
        stdout?.on('close', done);
      });
    }
    const out = this.out.slice(0, this.out.indexOf(mark));
    if (expect.test(out)) return out;
    // the error went to stderr, which may arrive a moment after stdout
    for (let i = 0; i < 50 && !this.err; i++) await new Promise((r) => setTimeout(r, 10));
    throw new Error(this.err.replace(/\s+/g, ' ').trim() || `no ${expect} in: ${out}`);
  }

  close(): void {
    this.proc.stdin?.end();
    if (this.proc.exitCode === null) this.proc.kill('SIGTERM');
  }
}
