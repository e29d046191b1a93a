// `virtnet doctor`: turns facts about the host and the defined networks into findings with fixes. Pure: the
// facts are gathered by src/host/doctor-probe.ts (or left out when the daemon runs without a host).

import { formatSubnet, type Subnet, subnetsOverlap } from '../model/addr.js';
import type { NetworkDef } from '../model/network-def.js';
import { ipSubnet } from '../model/network-ip.js';

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  id: string;
  severity: Severity;
  message: string;
  fix?: string;
}

export interface DoctorReport {
  findings: Finding[];
  /** False when any finding is an error or a warning. */
  ok: boolean;
}

/** A UDP socket from /proc/net/udp{,6}, with its owner when it could be found. */
export interface UdpListener {
  address: string;
  port: number;
  inode: number;
  pid?: number;
  comm?: string;
  /** A dnsmasq started by virtnet (its own sockets are no clash). */
  virtnet: boolean;
}

export interface HostFacts {
  /** Path of the dnsmasq binary on PATH, undefined when missing. */
  dnsmasq?: string;
  /** `missing`: no nft binary; `unavailable`: nft fails (kernel without nf_tables, no permission). */
  nft: 'ok' | 'missing' | 'unavailable';
  nftError?: string;
  /** /proc/sys/net/ipv4/ip_forward; undefined when unreadable. */
  ipForward?: boolean;
  /** Tables as `family name`. */
  tables: string[];
  /** Chains as `family table name`. */
  chains: string[];
  /** Base chains of other tables on the forward hook with policy drop, as `family table name`. */
  forwardDrops: string[];
  firewalldRunning: boolean;
  routes: Array<{ dev: string; subnet: Subnet }>;
  /** Names of bridge devices (/sys/class/net/X/bridge exists). */
  bridges: string[];
  udp: UdpListener[];
  /**
   * A directory on the way to virtnet's dnsmasq files (in --state-dir) that dnsmasq's unprivileged user cannot
   * enter; undefined when it can, or when the state directory is not known.
   */
  dnsmasqClosedDir?: { dir: string; user: string; stateDir: string };
}

export interface DoctorNetwork {
  name: string;
  bridge?: string;
  mode: string;
  active: boolean;
  subnets: Subnet[];
}

const FORWARDING_MODES = new Set(['nat', 'route', 'open']);
const WATCHED_PORTS: Record<number, string> = { 53: 'DNS', 67: 'DHCP' };

/** The doctor's view of a network: its running definition when active, else the persistent one. */
export function doctorNetwork(
  info: { name: string; active: boolean; mode: string; bridge?: string },
  def: NetworkDef,
): DoctorNetwork {
  const subnets = def.ips.map(ipSubnet).filter((s): s is Subnet => s !== undefined);
  const n: DoctorNetwork = { name: info.name, mode: info.mode, active: info.active, subnets };
  if (info.bridge) n.bridge = info.bridge;
  return n;
}

export function report(findings: Finding[]): DoctorReport {
  return { findings, ok: !findings.some((f) => f.severity !== 'info') };
}

/** All findings; without facts (daemon with the memory runtime) only the checks between networks run. */
export function diagnose(facts: HostFacts | undefined, nets: DoctorNetwork[]): Finding[] {
  const out: Finding[] = [];
  if (facts) {
    out.push(...binaries(facts), ...forwarding(facts, nets), ...firewalls(facts, nets));
    out.push(...routeClashes(facts, nets), ...leftoverBridges(facts, nets), ...portClashes(facts));
    out.push(...dnsmasqAccess(facts));
  } else {
    out.push({
      id: 'host-not-probed',
      severity: 'info',
      message: 'host checks skipped: virtnetd runs without a host runtime (--runtime memory)',
    });
  }
  out.push(...networkClashes(nets));
  return out;
}

/** dnsmasq reads its hosts files as an unprivileged user: reservations and DNS names need a path it may enter. */
function dnsmasqAccess(f: HostFacts): Finding[] {
  const c = f.dnsmasqClosedDir;
  if (!c) return [];
  return [
    {
      id: 'dnsmasq-cannot-read-state',
      severity: 'error',
      message: `dnsmasq runs as '${c.user}' and cannot enter ${c.dir}, on the way to its files in ${c.stateDir}: networks with DHCP or DNS refuse to start (their reservations and host names would silently not work)`,
      fix: `chmod o+x ${c.dir}, or start virtnetd with a --state-dir below a directory others may enter`,
    },
  ];
}

function binaries(f: HostFacts): Finding[] {
  const out: Finding[] = [];
  if (!f.dnsmasq) {
    out.push({
      id: 'dnsmasq-missing',
      severity: 'error',
      message: 'dnsmasq is not on PATH (or not executable): networks with DHCP or DNS cannot start',
      fix: 'install dnsmasq (Debian/Ubuntu: apt-get install dnsmasq-base; Fedora/RHEL: dnf install dnsmasq)',
    });
  }
  if (f.nft === 'missing') {
    out.push({
      id: 'nft-missing',
      severity: 'error',
      message: 'nft is not on PATH: virtnet cannot install its firewall rules',
      fix: 'install nftables (apt-get install nftables / dnf install nftables)',
    });
  } else if (f.nft === 'unavailable') {
    out.push({
      id: 'nftables-unavailable',
      severity: 'error',
      message: `\`nft list tables\` fails${f.nftError ? `: ${f.nftError}` : ''}`,
      fix: 'load nf_tables (modprobe nf_tables) or use a kernel built with CONFIG_NF_TABLES; run virtnetd as root',
    });
  }
  return out;
}

function forwardingNets(nets: DoctorNetwork[]): DoctorNetwork[] {
  return nets.filter((n) => FORWARDING_MODES.has(n.mode) && n.subnets.some((s) => s.family === 4));
}

function forwarding(f: HostFacts, nets: DoctorNetwork[]): Finding[] {
  if (f.ipForward !== false) return [];
  const need = forwardingNets(nets).map((n) => n.name);
  const finding: Finding = {
    id: 'ip-forward-off',
    severity: need.length ? 'warning' : 'info',
    message: need.length
      ? `IPv4 forwarding is off (net.ipv4.ip_forward = 0) but network(s) ${need.join(', ')} need it; ` +
        'virtnet turns it on when it starts them, so something switched it off or will at boot'
      : 'IPv4 forwarding is off (net.ipv4.ip_forward = 0); no defined network needs it',
  };
  if (need.length)
    finding.fix = 'sysctl -w net.ipv4.ip_forward=1 and keep it in /etc/sysctl.d/ (or restart the networks)';
  return [finding];
}

/** Bridges to name in fixes: those of forwarding networks, else libvirt's usual virbr0. */
function fixBridges(nets: DoctorNetwork[]): string[] {
  const b = forwardingNets(nets)
    .map((n) => n.bridge)
    .filter((x): x is string => !!x);
  return b.length ? b : ['virbr0'];
}

function firewalls(f: HostFacts, nets: DoctorNetwork[]): Finding[] {
  const out: Finding[] = [];
  const bridges = fixBridges(nets);
  for (const chain of f.forwardDrops) {
    // Docker's FORWARD jumps to DOCKER-USER first; virtnet keeps accept rules for its bridges there
    const table = /^(ip6? filter) FORWARD$/.exec(chain)?.[1];
    if (table && f.chains.includes(`${table} DOCKER-USER`)) {
      out.push({
        id: 'forward-drop',
        severity: 'info',
        message: `base chain '${chain}' drops forwarded traffic (Docker); virtnet inserts accept rules for its bridges into ${table} DOCKER-USER (comment "virtnet:BRIDGE") when a network starts`,
      });
      continue;
    }
    const rules = bridges
      .flatMap((b) => [`iifname "${b}" accept`, `oifname "${b}" accept`])
      .map((r) => `nft insert rule ${chain} ${r}`);
    out.push({
      id: 'forward-drop',
      severity: 'warning',
      message: `base chain '${chain}' on the forward hook has policy drop: it drops guest traffic that virtnet's own table accepts`,
      fix: `${rules.join('; ')} (or put the bridges in a trusted zone of the tool that owns the chain)`,
    });
  }
  if (f.tables.includes('inet firewalld') || f.firewalldRunning) {
    out.push({
      id: 'firewalld',
      severity: 'warning',
      message:
        'firewalld is running: its zones reject traffic of interfaces they do not know, such as virtnet bridges',
      fix: bridges
        .map((b) => `firewall-cmd --permanent --zone=libvirt --add-interface=${b}`)
        .concat(
          'firewall-cmd --reload (the libvirt zone ships with libvirt; --zone=trusted works everywhere)',
        )
        .join('; '),
    });
  }
  return out;
}

function routeClashes(f: HostFacts, nets: DoctorNetwork[]): Finding[] {
  const own = new Set(nets.filter((n) => n.active && n.bridge).map((n) => n.bridge as string));
  const out: Finding[] = [];
  for (const n of nets) {
    for (const s of n.subnets) {
      const r = f.routes.find((x) => !own.has(x.dev) && subnetsOverlap(s, x.subnet));
      if (!r) continue;
      out.push({
        id: 'subnet-route-overlap',
        severity: 'error',
        message: `network ${n.name}: subnet ${formatSubnet(s)} overlaps route ${formatSubnet(r.subnet)} on ${r.dev}${n.active ? '' : ' (the network cannot start)'}`,
        fix: `give ${n.name} a free subnet (virtnet net-edit ${n.name}) or remove the route on ${r.dev}`,
      });
    }
  }
  return out;
}

function networkClashes(nets: DoctorNetwork[]): Finding[] {
  const out: Finding[] = [];
  for (let i = 0; i < nets.length; i++) {
    for (let j = i + 1; j < nets.length; j++) {
      const a = nets[i] as DoctorNetwork;
      const b = nets[j] as DoctorNetwork;
      const hit = a.subnets.find((s) => b.subnets.some((t) => subnetsOverlap(s, t)));
      if (!hit) continue;
      out.push({
        id: 'subnet-network-overlap',
        severity: 'warning',
        message: `networks ${a.name} and ${b.name} overlap (${formatSubnet(hit)}): they cannot be active together`,
        fix: `give one of them another subnet (virtnet net-edit ${b.name})`,
      });
    }
  }
  return out;
}

function leftoverBridges(f: HostFacts, nets: DoctorNetwork[]): Finding[] {
  const active = new Set(nets.filter((n) => n.active && n.bridge).map((n) => n.bridge as string));
  // mode bridge uses a host bridge that exists on purpose, whether the network is active or not
  const hostBridges = new Set(nets.filter((n) => n.mode === 'bridge').map((n) => n.bridge));
  const out: Finding[] = [];
  for (const br of f.bridges) {
    if (active.has(br) || hostBridges.has(br)) continue;
    const owner = nets.find((n) => !n.active && n.bridge === br);
    if (!owner && !/^virbr\d+$/.test(br)) continue;
    out.push({
      id: 'stale-bridge',
      severity: 'warning',
      message: owner
        ? `bridge ${br} of inactive network ${owner.name} exists (left behind by a crash?): the network cannot start`
        : `bridge ${br} is not used by any active network (left behind by a crash?)`,
      fix: owner
        ? `ip link delete ${br} && virtnet net-start ${owner.name}`
        : `ip link delete ${br} (unless libvirt or another tool owns it: check virsh net-list --all)`,
    });
  }
  return out;
}

function portClashes(f: HostFacts): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const l of f.udp) {
    const what = WATCHED_PORTS[l.port];
    if (!what || l.virtnet || (l.address !== '0.0.0.0' && l.address !== '::')) continue;
    const key = `${l.port} ${l.address} ${l.pid ?? l.inode}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const who = l.pid
      ? `${l.comm ?? 'process'} (pid ${l.pid})`
      : `an unknown process (socket inode ${l.inode})`;
    out.push({
      id: 'udp-port-in-use',
      severity: 'error',
      message: `UDP port ${l.port} (${what}) is bound to ${l.address} by ${who}: dnsmasq of virtnet networks cannot bind it`,
      fix: `stop ${l.comm ?? 'that process'} or make it listen on specific addresses only (dnsmasq: bind-interfaces or bind-dynamic; systemd-resolved already listens on 127.0.0.53 only)`,
    });
  }
  return out;
}
