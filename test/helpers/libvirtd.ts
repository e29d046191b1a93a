// libvirt 9.0's libvirtd for side-by-side runs, never in the machine's own namespace: it runs in a network
// namespace of its own and a mount namespace where /etc/libvirt (a copy without any network), /var/lib/libvirt,
// /run/libvirt, /var/cache/libvirt and /var/log/libvirt are private directories. virsh reaches it through the
// socket in that private /run/libvirt (a directory of ours, so visible from outside too). stop() kills libvirtd
// by PID, then every process left in its namespace (its dnsmasq), and removes the namespace and the directories.

import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const live = new Set<LibvirtdSandbox>();
process.on('exit', () => {
  for (const s of live) s.stop();
});

/** Why libvirtd cannot run here, or undefined when it can. */
export function libvirtMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  for (const bin of ['libvirtd', 'virsh', 'unshare', 'ip']) {
    if (spawnSync('which', [bin]).status !== 0) return `needs ${bin} (apt-get install libvirt-daemon-system)`;
  }
  if (!existsSync('/etc/libvirt')) return 'needs /etc/libvirt (apt-get install libvirt-daemon-system)';
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

  private constructor(prefix: string) {
    this.ns = `${prefix}-${randomBytes(2).toString('hex')}-lv`;
    this.dir = mkdtempSync(join(tmpdir(), 'virtnet-libvirtd-'));
    this.uri = `qemu:///system?socket=${join(this.dir, 'run', 'libvirt-sock')}`;
    live.add(this);
  }

  /** Starts libvirtd and waits until it answers. `prefix` names the namespace (`PREFIX-XXXX-lv`). */
  static async start(prefix: string): Promise<LibvirtdSandbox> {
    const s = new LibvirtdSandbox(prefix);
    try {
      await s.launch();
    } catch (e) {
      s.stop();
      throw e;
    }
    return s;
  }

  private async launch(): Promise<void> {
    for (const d of ['run', 'lib', 'cache', 'log']) mkdirSync(join(this.dir, d));
    // its own configuration, without the networks (and autostart links) the machine's copy may hold
    cpSync('/etc/libvirt', join(this.dir, 'etc'), { recursive: true });
    const nets = join(this.dir, 'etc', 'qemu', 'networks');
    rmSync(nets, { recursive: true, force: true });
    mkdirSync(join(nets, 'autostart'), { recursive: true });
    writeFileSync(
      join(this.dir, 'libvirtd.conf'),
      `log_outputs="3:file:${join(this.dir, 'libvirtd.log')}"\n`,
    );
    execFileSync('ip', ['netns', 'add', this.ns]);
    execFileSync('ip', ['-n', this.ns, 'link', 'set', 'lo', 'up']);
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
    // whatever still runs in our namespace is ours: libvirtd, the dnsmasq it spawned
    const left = spawnSync('ip', ['netns', 'pids', this.ns], { encoding: 'utf8' }).stdout ?? '';
    for (const p of left.split('\n').filter((l) => /^\d+$/.test(l.trim()))) {
      try {
        process.kill(Number(p), 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    spawnSync('ip', ['netns', 'del', this.ns]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Namespaces of earlier runs that were killed before they could clean up (`PREFIX-XXXX-lv`). */
export function leftoverNamespaces(prefix: string): string[] {
  try {
    return readdirSync('/run/netns').filter((n) => n.startsWith(`${prefix}-`) && n.endsWith('-lv'));
  } catch {
    return [];
  }
}
