// Gathers the host facts `virtnet doctor` judges (src/doctor/checks.ts): binaries, nftables, sysctls, routes,
// bridges and UDP listeners of the current network namespace.

import {
  accessSync,
  constants,
  existsSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
} from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import type { HostFacts, UdpListener } from '../doctor/checks.js';
import { formatIp } from '../model/addr.js';
import { exec } from './exec.js';
import { closedDirectory, dnsmasqIdentity, foreignForwardDrops } from './host-probe.js';
import { readHostRoutes } from './proc-routes.js';

/** Finds an executable on PATH, as spawn would. */
export function findOnPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not there or not executable
    }
  }
  return undefined;
}

/** A /proc/net/udp{,6} address: 32-bit words in host (little-endian) byte order. */
function procAddress(hex: string): string | undefined {
  if (hex.length !== 8 && hex.length !== 32) return undefined;
  let value = 0n;
  for (let i = 0; i < hex.length; i += 8) {
    const w = hex.slice(i, i + 8);
    const le = (w.match(/../g) ?? []).reverse().join('');
    value = (value << 32n) | BigInt(`0x${le}`);
  }
  return formatIp({ family: hex.length === 8 ? 4 : 6, value });
}

/** Parses /proc/net/udp or /proc/net/udp6: unconnected sockets (state 07) with local address, port, inode. */
export function parseProcUdp(text: string): UdpListener[] {
  const out: UdpListener[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[3] !== '07') continue;
    const [addr, port] = (f[1] as string).split(':');
    const address = addr && procAddress(addr);
    if (!address || !port) continue;
    out.push({ address, port: Number.parseInt(port, 16), inode: Number(f[9]), virtnet: false });
  }
  return out;
}

/** Socket inode → PID, scanning /proc/PID/fd once; processes we may not inspect are skipped. */
function socketOwners(inodes: Set<number>): Map<number, number> {
  const owners = new Map<number, number>();
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${p}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${p}/fd/${fd}`));
        if (m && inodes.has(Number(m[1]))) owners.set(Number(m[1]), Number(p));
      } catch {
        // fd closed meanwhile
      }
    }
    if (owners.size === inodes.size) break;
  }
  return owners;
}

function readProc(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** virtnet starts dnsmasq with exactly these two options (dnsmasqArgs), libvirt and distributions do not. */
function isVirtnetDnsmasq(comm: string | undefined, cmdline: string | undefined): boolean {
  if (comm !== 'dnsmasq' || !cmdline) return false;
  const args = cmdline.split('\0');
  return (
    args.some((a) => /^--conf-file=.*\/dnsmasq\/[^/]+\.conf$/.test(a)) &&
    args.some((a) => a.startsWith('--dhcp-leasefile='))
  );
}

/** Wildcard listeners on DNS/DHCP ports with their owning process. */
function udpListeners(): UdpListener[] {
  const all = ['/proc/net/udp', '/proc/net/udp6'].flatMap((f) => parseProcUdp(readProc(f) ?? ''));
  const wanted = all.filter((l) => (l.port === 53 || l.port === 67) && /^(0\.0\.0\.0|::)$/.test(l.address));
  if (wanted.length === 0) return [];
  const owners = socketOwners(new Set(wanted.map((l) => l.inode)));
  for (const l of wanted) {
    const pid = owners.get(l.inode);
    if (pid === undefined) continue;
    l.pid = pid;
    const comm = readProc(`/proc/${pid}/comm`)?.trim();
    if (comm) l.comm = comm;
    l.virtnet = isVirtnetDnsmasq(comm, readProc(`/proc/${pid}/cmdline`));
  }
  return wanted;
}

type NftObject = Record<string, Record<string, unknown>>;

function nftObjects(stdout: string): NftObject[] {
  try {
    return (JSON.parse(stdout) as { nftables: NftObject[] }).nftables ?? [];
  } catch {
    return [];
  }
}

function bridges(): string[] {
  try {
    return readdirSync('/sys/class/net').filter((d) => existsSync(`/sys/class/net/${d}/bridge`));
  } catch {
    return [];
  }
}

/** The host's facts; with `stateDir`, also whether dnsmasq's unprivileged user can reach its files there. */
export async function probeHost(opts: { stateDir?: string } = {}): Promise<HostFacts> {
  const facts: HostFacts = {
    nft: 'ok',
    tables: [],
    chains: [],
    forwardDrops: [],
    firewalldRunning: false,
    routes: [...readHostRoutes(4), ...readHostRoutes(6)],
    bridges: bridges(),
    udp: udpListeners(),
  };
  const dnsmasq = findOnPath('dnsmasq');
  if (dnsmasq) facts.dnsmasq = dnsmasq;
  if (opts.stateDir) {
    const id = dnsmasqIdentity();
    const dir = closedDirectory(join(resolve(opts.stateDir), 'dnsmasq', 'x.hostsfile'), id.uid, id.gid);
    if (dir) facts.dnsmasqClosedDir = { dir, user: id.user, stateDir: resolve(opts.stateDir) };
  }
  const fwd = readProc('/proc/sys/net/ipv4/ip_forward');
  if (fwd !== undefined) facts.ipForward = fwd.trim() !== '0';
  if (!findOnPath('nft')) {
    facts.nft = 'missing';
  } else {
    // text: nft 1.0.6 prints broken JSON for a table with one flag (virtnet's own has `flags owner`)
    const tables = await exec({ argv: ['nft', 'list', 'tables'] });
    if (tables.code !== 0) {
      facts.nft = 'unavailable';
      facts.nftError = tables.stderr.trim().split('\n')[0] ?? '';
    } else {
      for (const line of tables.stdout.split('\n')) {
        const m = /^table (\S+) (\S+)$/.exec(line.trim());
        if (m) facts.tables.push(`${m[1]} ${m[2]}`);
      }
      const chains = await exec({ argv: ['nft', '-j', 'list', 'chains'] });
      for (const o of nftObjects(chains.stdout)) {
        if (o.chain) facts.chains.push(`${o.chain.family} ${o.chain.table} ${o.chain.name}`);
      }
      facts.forwardDrops = await foreignForwardDrops();
    }
  }
  if (findOnPath('firewall-cmd')) {
    const r = await exec({ argv: ['firewall-cmd', '--state'] });
    facts.firewalldRunning = r.code === 0 && r.stdout.trim() === 'running';
  }
  return facts;
}
