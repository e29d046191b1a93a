// Test topology in namespaces of our own: a "host" namespace running virtnetd, an "upstream" namespace playing
// the LAN/internet, and guest namespaces plugged into the networks' bridges. Never touches the root namespace;
// destroy() kills every process it started (by PID) and deletes every namespace, also when a test fails.

import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vethBetween } from '../../../src/sandbox/netns.js';

const ROOT = join(import.meta.dirname, '../../../..');
const live = new Set<Topology>();

function cleanupAll(): void {
  for (const t of live) t.destroySync();
}
process.on('exit', cleanupAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    cleanupAll();
    process.exit(130);
  });
}

export function sh(argv: string[], input?: string): string {
  return execFileSync(argv[0] as string, argv.slice(1), {
    input,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Runs a command and returns its exit status and output instead of throwing. */
export function tryRun(argv: string[], timeoutMs = 10000): { code: number; out: string } {
  try {
    const out = execFileSync(argv[0] as string, argv.slice(1), {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    return { code: 0, out };
  } catch (e) {
    const err = e as { status?: number; stdout?: string; stderr?: string };
    return { code: err.status ?? 1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

export function canRunE2e(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  for (const bin of ['ip', 'nft', 'dnsmasq']) if (tryRun(['which', bin]).code !== 0) return `needs ${bin}`;
  if (!existsSync('/bin/busybox')) return 'needs busybox';
  return undefined;
}

export interface ApiResult {
  status: number;
  body: string;
  json: () => unknown;
}

const DHCP_SCRIPT = `#!/bin/sh
case "$1" in
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    if [ -n "$router" ]; then ip route replace default via "\${router%% *}" dev "$interface"; fi
    echo "$ip" > "$LEASE_OUT"
    ;;
esac
`;

export class Topology {
  readonly id = freshId();
  readonly prefix = `vnt-${this.id}`;
  readonly hostNs = `${this.prefix}-host`;
  readonly upNs = `${this.prefix}-up`;
  readonly dir = mkdtempSync(join(tmpdir(), 'virtnet-e2e-'));
  /** Upstream side of the uplink and the host's address on it. */
  readonly upAddr: string;
  readonly hostUplinkAddr: string;
  private readonly namespaces: string[] = [];
  private readonly procs: ChildProcess[] = [];
  private daemon: ChildProcess | undefined;
  private destroyed = false;

  constructor() {
    const octet = (Number.parseInt(this.id, 16) % 200) + 20;
    this.upAddr = `172.31.${octet}.1`;
    this.hostUplinkAddr = `172.31.${octet}.2`;
    live.add(this);
    // dnsmasq drops root for `nobody`, which must still read its hosts files under this directory
    chmodSync(this.dir, 0o755);
    this.addNs(this.hostNs);
    this.addNs(this.upNs);
    sh(vethBetween(this.hostNs, 'uplink0', this.upNs, 'eth0'));
    sh(['ip', '-n', this.hostNs, 'addr', 'add', `${this.hostUplinkAddr}/24`, 'dev', 'uplink0']);
    sh(['ip', '-n', this.hostNs, 'link', 'set', 'uplink0', 'up']);
    sh(['ip', '-n', this.hostNs, 'route', 'add', 'default', 'via', this.upAddr]);
    sh(['ip', '-n', this.upNs, 'addr', 'add', `${this.upAddr}/24`, 'dev', 'eth0']);
    sh(['ip', '-n', this.upNs, 'link', 'set', 'eth0', 'up']);
    writeFileSync(join(this.dir, 'dhcp.sh'), DHCP_SCRIPT, { mode: 0o755 });
    // `ip netns exec` bind-mounts /etc/netns/NS/resolv.conf: dnsmasq in the host namespace then forwards to the
    // upstream namespace, never to the machine's real resolver
    mkdirSync(join('/etc/netns', this.hostNs), { recursive: true });
    writeFileSync(join('/etc/netns', this.hostNs, 'resolv.conf'), `nameserver ${this.upAddr}\n`);
  }

  readonly sh = sh;
  readonly tryRun = tryRun;

  /** An empty namespace (lo up) of this topology, deleted with it: a "container" for port-add --netns. */
  addNamespace(name: string): string {
    const ns = `${this.prefix}-${name}`;
    this.addNs(ns);
    return ns;
  }

  private addNs(ns: string): void {
    sh(['ip', 'netns', 'add', ns]);
    this.namespaces.push(ns);
    sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
  }

  get socket(): string {
    return join(this.dir, 'run', 'virtnet.sock');
  }

  /** Starts a long-running process inside a namespace; it is killed by PID in destroy(). */
  spawnIn(ns: string, argv: string[]): ChildProcess {
    const p = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.procs.push(p);
    return p;
  }

  async startDaemon(extra: string[] = []): Promise<ChildProcess> {
    const d = spawn(
      'ip',
      [
        'netns',
        'exec',
        this.hostNs,
        process.execPath,
        join(ROOT, 'bin/virtnetd'),
        '--config-dir',
        join(this.dir, 'config'),
        '--state-dir',
        join(this.dir, 'state'),
        '--run-dir',
        join(this.dir, 'run'),
        ...extra,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    d.stderr?.on('data', (b: Buffer) => {
      log += b.toString();
    });
    this.daemon = d;
    this.procs.push(d);
    for (let i = 0; i < 100; i++) {
      if (log.includes('listening on')) return d;
      if (d.exitCode !== null) throw new Error(`virtnetd exited: ${log}`);
      await sleep(50);
    }
    throw new Error(`virtnetd did not start: ${log}`);
  }

  /** PID of the running daemon, if any. */
  get daemonPid(): number | undefined {
    return this.daemon?.exitCode === null ? this.daemon.pid : undefined;
  }

  /** SIGKILLs the daemon, as a crash would. */
  killDaemon(): void {
    if (this.daemon?.pid && this.daemon.exitCode === null) process.kill(this.daemon.pid, 'SIGKILL');
    this.daemon = undefined;
  }

  api(method: string, path: string, body?: string): Promise<ApiResult> {
    return new Promise((resolve, reject) => {
      // no keep-alive: a test that blocks in a sync child process must not reuse a socket the server closed
      const req = request({ socketPath: this.socket, method, path, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode ?? 0, body: text, json: () => JSON.parse(text) });
        });
      });
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /** Runs the virtnet CLI against this topology's daemon (inside the host namespace). */
  virtnet(args: string[]): { code: number; stdout: string; stderr: string } {
    const r = spawnSync(
      'ip',
      [
        'netns',
        'exec',
        this.hostNs,
        process.execPath,
        join(ROOT, 'bin/virtnet'),
        '-c',
        `unix:${this.socket}`,
        ...args,
      ],
      { encoding: 'utf8', timeout: 30000 },
    );
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  /** Defines and starts a network through the API; throws with the API's message on failure. */
  async startNetwork(xml: string): Promise<void> {
    const d = await this.api('POST', '/v1/networks', xml);
    if (d.status !== 201) throw new Error(`define failed: ${d.body}`);
    const name = (d.json() as { name: string }).name;
    const s = await this.api('POST', `/v1/networks/${name}/start`);
    if (s.status !== 200) throw new Error(`start failed: ${s.body}`);
  }

  /** A guest namespace with eth0 plugged into `bridge` in the host namespace. */
  addGuest(name: string, bridge: string): string {
    const ns = `${this.prefix}-${name}`;
    this.addNs(ns);
    const hostEnd = `vg-${this.id}-${name}`.slice(0, 15);
    sh(vethBetween(this.hostNs, hostEnd, ns, 'eth0'));
    sh(['ip', '-n', this.hostNs, 'link', 'set', hostEnd, 'master', bridge, 'up']);
    sh(['ip', '-n', ns, 'link', 'set', 'eth0', 'up']);
    this.waitForwarding(hostEnd);
    return ns;
  }

  /** With STP on, a new bridge port listens and learns (2 s each) before it forwards; wait for that. */
  private waitForwarding(port: string): void {
    for (let i = 0; i < 100; i++) {
      const r = tryRun(['bridge', '-n', this.hostNs, '-j', 'link', 'show', 'dev', port]);
      const state = (JSON.parse(r.out || '[]') as Array<{ state?: string }>)[0]?.state;
      if (state === 'forwarding' || state === undefined) return;
      execFileSync('sleep', ['0.1']);
    }
  }

  /** Runs busybox udhcpc in the guest; returns the leased address (undefined when no lease came). */
  dhcp(guestNs: string): string | undefined {
    const out = join(this.dir, `${guestNs}.lease`);
    rmSync(out, { force: true });
    tryRun(
      [
        'ip',
        'netns',
        'exec',
        guestNs,
        'env',
        `LEASE_OUT=${out}`,
        '/bin/busybox',
        'udhcpc',
        '-i',
        'eth0',
        '-n',
        '-q',
        '-f',
        '-t',
        '6',
        '-T',
        '1',
        '-s',
        join(this.dir, 'dhcp.sh'),
      ],
      20000,
    );
    return existsSync(out) ? readFileSync(out, 'utf8').trim() : undefined;
  }

  /** Resolves a name through a DNS server from inside a namespace; returns the addresses found. */
  resolve(ns: string, name: string, server: string): string[] {
    const r = tryRun(['ip', 'netns', 'exec', ns, '/bin/busybox', 'nslookup', '-type=a', name, server], 8000);
    const afterName = r.out.split(/Name:\s/)[1] ?? '';
    return [...afterName.matchAll(/Address(?: \d+)?:\s+([0-9a-f.:]+)/g)].map((m) => m[1] as string);
  }

  /** A TCP server in `ns` that answers every connection with the peer address (and port) it sees. */
  async echoServer(ns: string, port: number, withPort = false): Promise<void> {
    const peer = withPort ? `+':'+s.remotePort` : '';
    const code = `require('net').createServer(s=>{s.end(s.remoteAddress.replace(/^::ffff:/,'')${peer}+'\\n')}).listen(${port},()=>console.log('up'))`;
    const p = this.spawnIn(ns, [process.execPath, '-e', code]);
    await new Promise<void>((resolve, reject) => {
      p.stdout?.once('data', () => resolve());
      p.once('exit', () => reject(new Error('echo server died')));
    });
  }

  /** Connects from `ns` to addr:port; returns what the server answered, or undefined on failure/timeout. */
  tcp(ns: string, addr: string, port: number): string | undefined {
    const code = `const s=require('net').connect(${port},'${addr}');let d='';s.on('data',b=>d+=b);s.on('end',()=>{process.stdout.write(d);process.exit(0)});s.on('error',()=>process.exit(2));setTimeout(()=>process.exit(3),2000)`;
    const r = tryRun(['ip', 'netns', 'exec', ns, process.execPath, '-e', code], 5000);
    return r.code === 0 ? r.out.trim() : undefined;
  }

  ping(ns: string, addr: string): boolean {
    return (
      tryRun(['ip', 'netns', 'exec', ns, '/bin/busybox', 'ping', '-c', '1', '-W', '2', addr], 5000).code === 0
    );
  }

  /** PIDs of dnsmasq processes started for this topology (their conf files live in our temp dir). */
  dnsmasqPids(): number[] {
    const pids: number[] = [];
    for (const p of readdirSync('/proc')) {
      if (!/^\d+$/.test(p)) continue;
      try {
        const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
        const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
        const argv0 = cmd.split('\0')[0] ?? '';
        const zombie = stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
        if (cmd.includes(this.dir) && /(^|\/)dnsmasq$/.test(argv0) && !zombie) {
          pids.push(Number(p));
        }
      } catch {
        // process went away
      }
    }
    return pids;
  }

  /** PIDs of nft sessions (owners of virtnet's table) started for this topology (`-I` names our run dir). */
  nftSessionPids(): number[] {
    const pids: number[] = [];
    for (const p of readdirSync('/proc')) {
      if (!/^\d+$/.test(p)) continue;
      try {
        const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
        if (/(^|\/)nft$/.test(argv[0] ?? '') && argv.some((a) => a.startsWith(this.dir)))
          pids.push(Number(p));
      } catch {
        // process went away
      }
    }
    return pids;
  }

  /**
   * Runs one nft statement as the owner of virtnet's table, through its session's FIFO (nobody else may change
   * the table: `flags owner`): drift for tests, as a bug of virtnet's own could leave it.
   */
  nftAsOwner(statement: string): void {
    const fd = openSync(join(this.dir, 'run', 'nft-session.in'), constants.O_WRONLY | constants.O_NONBLOCK);
    try {
      writeSync(fd, `${statement}\n`);
    } finally {
      closeSync(fd);
    }
    execFileSync('sleep', ['0.2']);
  }

  /** Our namespaces that still exist (empty after destroy()). */
  liveNamespaces(): string[] {
    return tryRun(['ip', 'netns', 'list'])
      .out.split('\n')
      .map((l) => l.split(' ')[0] ?? '')
      .filter((n) => n.startsWith(`${this.prefix}-`));
  }

  /** PIDs of the processes this topology started that are still alive. */
  livePids(): number[] {
    return this.procs.map((p) => p.pid).filter((p): p is number => p !== undefined && alive(p));
  }

  destroySync(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    live.delete(this);
    this.killDaemon();
    for (const p of this.procs) if (p.pid && p.exitCode === null) tryKill(p.pid);
    for (const pid of [...this.dnsmasqPids(), ...this.nftSessionPids()]) tryKill(pid);
    for (const ns of this.namespaces.reverse()) tryRun(['ip', 'netns', 'del', ns]);
    rmSync(join('/etc/netns', this.hostNs), { recursive: true, force: true });
    rmSync(this.dir, { recursive: true, force: true });
  }

  async destroy(): Promise<void> {
    this.destroySync();
  }
}

/** True when the process exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

function tryKill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** 4 hex digits no namespace of ours uses yet (test files run in parallel). */
function freshId(): string {
  for (;;) {
    const id = randomBytes(2).toString('hex');
    if (!existsSync(`/run/netns/vnt-${id}-host`)) return id;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
