// A multi-host topology for overlay tests: an underlay namespace (one bridge) joining N host namespaces, each a
// Topology of its own (its virtnetd, its upstream namespace for NAT), so every host runs its own virtnetd and FRR.
// destroy() kills the FRR daemons the hosts' virtnetds started (found by their configuration path, which lies in
// the host's temp directory) and removes their pathspace directories, then destroys the topologies.

import { type ChildProcess, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { frrPathspace } from '../../../src/host/overlay-host.js';
import { vethBetween } from '../../../src/sandbox/netns.js';
import { sh, sleep, Topology, tryRun } from './topology.js';

const live = new Set<Fabric>();
process.on('exit', () => {
  for (const f of live) f.destroySync();
});

export interface FabricHost {
  index: number;
  t: Topology;
  /** Its underlay (VTEP) address. */
  vtep: string;
  /** virtnetd's overlay flags for this host. */
  flags: string[];
}

/** The overlay's underlay: 10.201.X.0/24, X from the first host's id (parallel test files never share it). */
export class Fabric {
  readonly hosts: FabricHost[] = [];
  readonly underlayNs: string;
  private readonly net: string;
  private destroyed = false;

  /** `size` hosts now; `planned` hosts in every peer list (the others join later with addHost()). */
  constructor(
    size: number,
    readonly planned = size,
  ) {
    live.add(this);
    const first = new Topology();
    this.underlayNs = first.addNamespace('ul');
    this.net = `10.201.${(Number.parseInt(first.id, 16) % 200) + 20}`;
    sh([
      'ip',
      '-n',
      this.underlayNs,
      'link',
      'add',
      'ul',
      'type',
      'bridge',
      'stp_state',
      '0',
      'forward_delay',
      '0',
    ]);
    sh(['ip', '-n', this.underlayNs, 'link', 'set', 'ul', 'up']);
    this.join(first);
    for (let i = 1; i < size; i++) this.addHost();
  }

  vtepOf(index: number): string {
    return `${this.net}.${index + 1}`;
  }

  /** A new host joined to the underlay (not started: see start()). */
  addHost(): FabricHost {
    return this.join(new Topology());
  }

  private join(t: Topology): FabricHost {
    const index = this.hosts.length;
    const vtep = this.vtepOf(index);
    sh(vethBetween(this.underlayNs, `p${index}`, t.hostNs, 'ul0'));
    sh(['ip', '-n', this.underlayNs, 'link', 'set', `p${index}`, 'master', 'ul', 'up']);
    sh(['ip', '-n', t.hostNs, 'addr', 'add', `${vtep}/24`, 'dev', 'ul0']);
    sh(['ip', '-n', t.hostNs, 'link', 'set', 'ul0', 'up']);
    // the kernel reports carrier a moment later (linkwatch); virtnetd looks at the underlay when it starts
    for (
      let i = 0;
      i < 100 && !/state UP/.test(tryRun(['ip', '-n', t.hostNs, 'link', 'show', 'ul0']).out);
      i++
    )
      execFileSync('sleep', ['0.05']);
    const peers = Array.from({ length: Math.max(this.planned, index + 1) }, (_, i) => this.vtepOf(i)).filter(
      (a) => a !== vtep,
    );
    const host: FabricHost = {
      index,
      t,
      vtep,
      flags: ['--overlay-address', vtep, '--overlay-peers', peers.join(',')],
    };
    this.hosts.push(host);
    return host;
  }

  /** Starts every host's virtnetd with its overlay flags (extra flags added). */
  async start(extra: string[] = []): Promise<void> {
    for (const h of this.hosts) await h.t.startDaemon([...h.flags, ...extra]);
  }

  /** PIDs of FRR daemons (zebra, bgpd) the virtnetd of host `index` (or of every host) started. */
  frrPids(index?: number, program?: 'zebra' | 'bgpd'): number[] {
    const dirs = (index === undefined ? this.hosts : [this.hosts[index] as FabricHost]).map((h) => h.t.dir);
    const out: number[] = [];
    for (const p of readdirSync('/proc')) {
      if (!/^\d+$/.test(p)) continue;
      try {
        const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
        const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
        if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
        const prog = /(?:^|\/)(zebra|bgpd)$/.exec(argv[0] ?? '')?.[1];
        if (!prog || (program && prog !== program)) continue;
        if (argv.some((a) => dirs.some((d) => a.includes(d)))) out.push(Number(p));
      } catch {
        // gone
      }
    }
    return out;
  }

  /** SIGKILLs host `index`'s virtnetd and its FRR, as a crash of that host's control plane would. */
  killControlPlane(index: number): void {
    const h = this.hosts[index] as FabricHost;
    h.t.killDaemon();
    for (const pid of this.frrPids(index)) tryKill(pid);
  }

  destroySync(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    live.delete(this);
    for (const h of this.hosts) h.t.killDaemon();
    for (const pid of this.frrPids()) tryKill(pid);
    for (const h of [...this.hosts].reverse()) {
      rmSync(join('/var/run/frr', frrPathspace(join(h.t.dir, 'run'))), { recursive: true, force: true });
      h.t.destroySync();
    }
  }

  async destroy(): Promise<void> {
    this.destroySync();
  }
}

function tryKill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
}

/** What a UDP probe saw: datagrams sent and answered, and the longest time without an answer. */
export interface ProbeResult {
  sent: number;
  received: number;
  maxGapMs: number;
  /** Milliseconds from the probe's start to its first answer (-1: none). */
  firstMs: number;
}

const PROBE = `
const d=require('dgram').createSocket('udp4');const [addr,port,every]=process.argv.slice(1);
let sent=0,recv=0,last=Date.now(),gap=0,first=-1;const t0=Date.now();
d.on('message',()=>{const n=Date.now();recv++;if(first<0)first=n-t0;else gap=Math.max(gap,n-last);last=n;});
const iv=setInterval(()=>{sent++;d.send('x',+port,addr);},+every);
process.on('SIGTERM',()=>{clearInterval(iv);const n=Date.now();if(recv)gap=Math.max(gap,n-last);else gap=n-t0;
process.stdout.write(JSON.stringify({sent,received:recv,maxGapMs:gap,firstMs:first})+'\\n');process.exit(0);});`;

const ECHO = `const d=require('dgram').createSocket('udp4');d.on('message',(m,r)=>d.send(m,r.port,r.address));d.bind(+process.argv[1],()=>console.log('up'));`;

/** A UDP echo server in a namespace (killed with its topology). */
export async function udpEcho(t: Topology, ns: string, port: number): Promise<void> {
  const p = t.spawnIn(ns, [process.execPath, '-e', ECHO, String(port)]);
  await new Promise<void>((resolve, reject) => {
    p.stdout?.once('data', () => resolve());
    p.once('exit', () => reject(new Error('udp echo server died')));
  });
}

/** Sends a datagram every `everyMs` from `ns` to addr:port until stop(); stop() tells what came back. */
export function udpProbe(
  t: Topology,
  ns: string,
  addr: string,
  port: number,
  everyMs = 20,
): { stop: () => Promise<ProbeResult> } {
  const p: ChildProcess = t.spawnIn(ns, [process.execPath, '-e', PROBE, addr, String(port), String(everyMs)]);
  let out = '';
  p.stdout?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  return {
    stop: async () => {
      p.kill('SIGTERM');
      for (let i = 0; i < 100 && !out.includes('\n'); i++) await sleep(20);
      return JSON.parse(out) as ProbeResult;
    },
  };
}

// topology's client script, and the MTU the server sent (option 26) kept beside the lease
const DHCP_MTU_SCRIPT = `#!/bin/sh
case "$1" in
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    if [ -n "$router" ]; then ip route replace default via "\${router%% *}" dev "$interface"; fi
    echo "$mtu" > "$LEASE_OUT.mtu"
    echo "$ip" > "$LEASE_OUT"
    ;;
esac
`;

/** The MTU (DHCP option 26) the last dhcpAs in `ns` was given, or undefined. */
export function dhcpMtu(t: Topology, ns: string): number | undefined {
  try {
    const v = readFileSync(join(t.dir, `${ns}.lease.mtu`), 'utf8').trim();
    return v ? Number(v) : undefined;
  } catch {
    return undefined;
  }
}

/** busybox udhcpc in `ns` giving `hostname` (DHCP option 12), asking for the MTU; returns the leased address. */
export function dhcpAs(t: Topology, ns: string, hostname: string): string | undefined {
  const out = join(t.dir, `${ns}.lease`);
  rmSync(out, { force: true });
  rmSync(`${out}.mtu`, { force: true });
  const script = join(t.dir, 'dhcp-mtu.sh');
  if (!existsSync(script)) writeFileSync(script, DHCP_MTU_SCRIPT, { mode: 0o755 });
  tryRun(
    [
      'ip',
      'netns',
      'exec',
      ns,
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
      '-x',
      `hostname:${hostname}`,
      '-O',
      'mtu',
      '-s',
      script,
    ],
    20000,
  );
  try {
    return readFileSync(out, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** A server in `ns` that counts the bytes of each connection and answers with the count when the sender is done. */
export async function byteCounter(t: Topology, ns: string, port: number): Promise<void> {
  const code = `require('net').createServer({allowHalfOpen:true},s=>{let n=0;s.on('data',b=>n+=b.length);s.on('end',()=>s.end(n+'\\n'))}).listen(${port},()=>console.log('up'))`;
  const p = t.spawnIn(ns, [process.execPath, '-e', code]);
  await new Promise<void>((resolve, reject) => {
    p.stdout?.once('data', () => resolve());
    p.once('exit', () => reject(new Error('byte counter died')));
  });
}

/** Sends `bytes` from `ns` to addr:port; returns the count the server answered (undefined on failure). */
export function sendBytes(ns: string, addr: string, port: number, bytes: number): number | undefined {
  const code = `const s=require('net').connect(${port},'${addr}',()=>{const b=Buffer.alloc(65536,120);let left=${bytes};const go=()=>{while(left>0){const n=Math.min(left,b.length);left-=n;if(!s.write(n===b.length?b:b.subarray(0,n)))return s.once('drain',go)}s.end()};go()});let d='';s.on('data',x=>d+=x);s.on('end',()=>{process.stdout.write(d);process.exit(0)});s.on('error',()=>process.exit(2));setTimeout(()=>process.exit(3),20000)`;
  const r = tryRun(['ip', 'netns', 'exec', ns, process.execPath, '-e', code], 25000);
  return r.code === 0 ? Number(r.out.trim()) : undefined;
}

/** Polls fn every `everyMs` until it returns a value other than undefined/false, or `timeoutMs` passes. */
export async function until<T>(
  fn: () => T | Promise<T>,
  timeoutMs: number,
  everyMs = 100,
): Promise<T | undefined> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) return undefined;
    await sleep(everyMs);
  }
}
