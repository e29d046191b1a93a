// libvirt 9.0's libvirtd for side-by-side runs, never in the machine's own namespace: it runs in a network
// namespace of its own (or one of the caller's test namespaces) and a mount namespace where /etc/libvirt (a copy without any network), /var/lib/libvirt,
// /run/libvirt, /var/cache/libvirt and /var/log/libvirt are private directories. virsh reaches it through the
// socket in that private /run/libvirt (a directory of ours, so visible from outside too). stop() kills libvirtd
// by PID, then what it left in the namespace (its dnsmasq), and removes its namespace (not the caller's) and the
// directories.

import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const live = new Set<LibvirtdSandbox>();
const MOUNT_POINTS = [
  '/etc/libvirt',
  '/run/libvirt',
  '/var/lib/libvirt',
  '/var/cache/libvirt',
  '/var/log/libvirt',
];
process.on('exit', () => {
  for (const s of live) s.stop();
});

/** Why libvirtd cannot run here, or undefined when it can. */
export function libvirtMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  for (const bin of ['libvirtd', 'virsh', 'unshare', 'ip']) {
    if (spawnSync('which', [bin]).status !== 0)
      return `needs ${bin} (apt-get install libvirt-daemon libvirt-clients)`;
  }
  return undefined;
}

export interface VirshResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class LibvirtdSandbox {
  readonly ns: string;
  readonly dir: string;
  /** For `virsh -c`: libvirt's system URI, through the private socket. */
  readonly uri: string;
  private proc: ChildProcess | undefined;
  private stopped = false;
  /** The namespace was made here (and is deleted by stop()), not passed in. */
  private readonly ownNs: boolean;

  private constructor(prefix: string, netns?: string) {
    this.ownNs = netns === undefined;
    this.ns = netns ?? `${prefix}-${randomBytes(2).toString('hex')}-lv`;
    this.dir = mkdtempSync(join(tmpdir(), 'virtnet-libvirtd-'));
    this.uri = `qemu:///system?socket=${join(this.dir, 'run', 'libvirt-sock')}`;
    live.add(this);
  }

  /**
   * Starts libvirtd and waits until it answers: in `netns` (a test namespace of the caller's) or in a namespace
   * of its own named `PREFIX-XXXX-lv`.
   */
  static async start(prefix: string, opts: { netns?: string } = {}): Promise<LibvirtdSandbox> {
    const s = new LibvirtdSandbox(prefix, opts.netns);
    try {
      await s.launch();
    } catch (e) {
      s.stop();
      throw e;
    }
    return s;
  }

  private async launch(): Promise<void> {
    for (const d of ['etc', 'run', 'lib', 'cache', 'log']) mkdirSync(join(this.dir, d));
    // its own configuration, without the networks (and autostart links) the machine's copy may hold; with only
    // libvirt-daemon installed (not -system, whose services would start on the host) there is none: defaults
    if (existsSync('/etc/libvirt')) cpSync('/etc/libvirt', join(this.dir, 'etc'), { recursive: true });
    const nets = join(this.dir, 'etc', 'qemu', 'networks');
    rmSync(nets, { recursive: true, force: true });
    mkdirSync(join(nets, 'autostart'), { recursive: true });
    writeFileSync(
      join(this.dir, 'libvirtd.conf'),
      `log_outputs="3:file:${join(this.dir, 'libvirtd.log')}"\n`,
    );
    if (this.ownNs) {
      execFileSync('ip', ['netns', 'add', this.ns]);
      execFileSync('ip', ['-n', this.ns, 'link', 'set', 'lo', 'up']);
    }
    // the mount points (empty directories; libvirt-daemon-system would own them)
    for (const d of MOUNT_POINTS) mkdirSync(d, { recursive: true });
    const mounts = [
      ['etc', '/etc/libvirt'],
      ['run', '/run/libvirt'],
      ['lib', '/var/lib/libvirt'],
      ['cache', '/var/cache/libvirt'],
      ['log', '/var/log/libvirt'],
    ]
      .map(([from, to]) => `mount --bind "$1/${from}" ${to}`)
      .join(' && ');
    // unshare -m: a mount namespace whose mounts propagate nowhere (private), inside the network namespace
    this.proc = spawn(
      'ip',
      [
        'netns',
        'exec',
        this.ns,
        'unshare',
        '-m',
        'sh',
        '-c',
        `${mounts} && exec libvirtd -f "$1/libvirtd.conf"`,
        'sh',
        this.dir,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    this.proc.stderr?.on('data', (b: Buffer) => {
      err += b.toString();
    });
    for (let i = 0; i < 150; i++) {
      if (this.proc.exitCode !== null) throw new Error(`libvirtd exited: ${err}`);
      // (not `version`: that makes libvirtd probe QEMU)
      if (existsSync(join(this.dir, 'run', 'libvirt-sock')) && this.virsh(['net-list', '--all']).code === 0)
        return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`libvirtd did not answer: ${err}`);
  }

  virsh(args: string[]): VirshResult {
    const r = spawnSync('virsh', ['-c', this.uri, ...args], { encoding: 'utf8', timeout: 60000 });
    return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  /** Like virsh(), but throws with virsh's message when it fails. */
  mustVirsh(args: string[]): string {
    const r = this.virsh(args);
    if (r.code !== 0) throw new Error(`virsh ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }

  /** Where libvirt keeps its network definitions (for import-libvirt). */
  get networksDir(): string {
    return join(this.dir, 'etc', 'qemu', 'networks');
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    live.delete(this);
    const pid = this.proc?.pid;
    if (pid && this.proc?.exitCode === null) {
      try {
        process.kill(pid, 'SIGTERM');
        execFileSync('timeout', ['5', 'sh', '-c', `while kill -0 ${pid} 2>/dev/null; do sleep 0.1; done`]);
      } catch {
        // already gone, or did not stop in time: killed below with the rest of its namespace
      }
    }
    // in a namespace of its own everything left is libvirt's; in the caller's, only what runs libvirt's files
    const left = spawnSync('ip', ['netns', 'pids', this.ns], { encoding: 'utf8' }).stdout ?? '';
    for (const p of left.split('\n').filter((l) => /^\d+$/.test(l.trim()))) {
      if (!this.ownNs && !isLibvirts(Number(p))) continue;
      try {
        process.kill(Number(p), 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    if (this.ownNs) spawnSync('ip', ['netns', 'del', this.ns]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** libvirtd, or a dnsmasq libvirt started (its files are under /var/lib/libvirt/dnsmasq). */
function isLibvirts(pid: number): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return /(^|\/)libvirtd$/.test(argv[0] ?? '') || argv.some((a) => a.includes('/var/lib/libvirt/dnsmasq/'));
  } catch {
    return false;
  }
}
