// The probe of the real host: sysfs for devices (no process per start), `ip -j addr` for addresses, one `nft -j`
// for virtnet's table, /proc for routes, sysctls and our processes. It reads only what its scope names.

import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { ObservedHost, ObservedLink, ObservedNft, ProbeScope } from '../plan/observed.js';
import { emptyObservation, type HostProbe, nsLinkKey, type ObservedQdiscs } from '../plan/observed.js';
import { TABLE } from '../render/nft-ruleset.js';
import { exec } from './exec.js';
import { findHookScripts } from './hooks.js';
import type { NftSession } from './nft-session.js';
import { observeOverlay } from './overlay-probe.js';
import { readHostRoutes } from './proc-routes.js';
import type { ProcessSupervisor } from './process-supervisor.js';
import { isOurProcess, readPid } from './processes.js';
import { kernelTcFeatures } from './tc-features.js';

type NftObject = Record<string, Record<string, unknown>>;

const SAFE_IFNAME = /^[A-Za-z0-9_.@+-]{1,15}$/;

function sys(dev: string, file: string): string | undefined {
  try {
    return readFileSync(`/sys/class/net/${dev}/${file}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * One device from sysfs, or undefined when there is none (names that are no interface name never are). `light`:
 * only what the heal loop compares (there, a bridge, up, its master): four reads instead of seven.
 */
export function sysfsLink(name: string, light = false): ObservedLink | undefined {
  if (!SAFE_IFNAME.test(name) || name === '.' || name === '..') return undefined;
  const flags = sys(name, 'flags');
  if (flags === undefined) return undefined;
  const bridge = existsSync(`/sys/class/net/${name}/bridge`);
  const tun = !bridge && !light && sys(name, 'tun_flags') !== undefined;
  const macvtap = !bridge && !tun && !light && existsSync(`/sys/class/net/${name}/macvtap`);
  const link: ObservedLink = {
    name,
    type: bridge ? 'bridge' : tun ? 'tun' : macvtap ? 'macvtap' : 'device',
    up: (Number(flags) & 1) === 1,
  };
  // existsSync first: an exception per bridge (bridges have no master) costs more than the lookup itself
  const master = `/sys/class/net/${name}/master`;
  if (existsSync(master)) {
    try {
      link.master = basename(readlinkSync(master));
    } catch {
      // left its bridge meanwhile
    }
  }
  if (light) return link;
  const mtu = Number(sys(name, 'mtu'));
  if (Number.isInteger(mtu) && mtu > 0) link.mtu = mtu;
  const mac = sys(name, 'address');
  if (mac) link.mac = mac;
  let entries: string[] = [];
  try {
    entries = readdirSync(`/sys/class/net/${name}`);
  } catch {
    // gone meanwhile
  }
  const lower = entries.find((e) => e.startsWith('lower_'));
  if (lower) link.lower = lower.slice('lower_'.length);
  const uppers = entries.filter((e) => e.startsWith('upper_')).map((e) => e.slice('upper_'.length));
  if (uppers.length) link.uppers = uppers.sort();
  return link;
}

/** The network devices of a physical function's SR-IOV virtual functions (virtfnN/net/NAME). */
function virtualFunctions(name: string): string[] {
  const dir = `/sys/class/net/${name}/device`;
  let fns: string[] = [];
  try {
    fns = readdirSync(dir).filter((e) => /^virtfn\d+$/.test(e));
  } catch {
    return [];
  }
  fns.sort((a, b) => Number(a.slice(6)) - Number(b.slice(6)));
  return fns.flatMap((fn) => {
    try {
      return readdirSync(`${dir}/${fn}/net`).slice(0, 1);
    } catch {
      return []; // not bound to a network driver (libvirt leaves it out of the pool too)
    }
  });
}

/** A macvtap's character device and the node that opens it: /dev/tapN, or one virtnet made in `nodeDir`. */
function macvtapChar(name: string, nodeDir?: string): ObservedLink['tap'] {
  const index = Number(sys(name, 'ifindex'));
  const dev = sys(name, `macvtap/tap${index}/dev`);
  if (!Number.isInteger(index) || !dev) return undefined;
  const [major, minor] = dev.split(':').map(Number);
  const matches = (path: string) => {
    try {
      const st = statSync(path, { bigint: true });
      // rdev packs major and minor as glibc's makedev does
      const maj = Number(((st.rdev >> 8n) & 0xfffn) | ((st.rdev >> 32n) & 0xfffff000n));
      const min = Number((st.rdev & 0xffn) | ((st.rdev >> 12n) & 0xffffff00n));
      return st.isCharacterDevice() && maj === major && min === minor;
    } catch {
      return false;
    }
  };
  const node = [`/dev/tap${index}`, ...(nodeDir ? [`${nodeDir}/tap${index}`] : [])].find(matches);
  return { index, dev, ...(node ? { node } : {}) };
}

/** A rate as tc prints it ("16Mbit", "500Kbit", "8bit") in bit/s. */
export function parseTcRate(text: string): number | undefined {
  const m = /^([\d.]+)([KMGT]?)bit$/.exec(text);
  if (!m) return undefined;
  const scale = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2] as string] as number;
  return Math.round(Number(m[1]) * scale);
}

/** A device's qdiscs (tc -j) and htb classes (text: this tc prints no JSON for classes). */
async function observeQdiscs(dev: string): Promise<ObservedQdiscs | undefined> {
  if (!SAFE_IFNAME.test(dev)) return undefined;
  const [q, c] = await Promise.all([
    exec({ argv: ['tc', '-j', 'qdisc', 'show', 'dev', dev] }),
    exec({ argv: ['tc', 'class', 'show', 'dev', dev] }),
  ]);
  if (q.code !== 0) return undefined;
  const out: ObservedQdiscs = { ingress: false, classes: new Map() };
  for (const x of JSON.parse(q.stdout || '[]') as Array<{ kind: string; root?: boolean; handle?: string }>) {
    if (x.kind === 'ingress' || x.kind === 'clsact') out.ingress = true;
    else if (x.root && x.handle !== '0:') out.root = x.kind;
  }
  for (const line of c.stdout.split('\n')) {
    const m = /^class htb (\S+) .*?\brate (\S+)/.exec(line);
    const rate = m ? parseTcRate(m[2] as string) : undefined;
    if (m && rate !== undefined) out.classes.set(m[1] as string, rate);
  }
  return out;
}

async function nftJson(args: string[]): Promise<NftObject[] | undefined> {
  const r = await exec({ argv: ['nft', '-j', ...args] });
  if (r.code !== 0) return undefined;
  return (JSON.parse(r.stdout) as { nftables: NftObject[] }).nftables;
}

/** A map element key as the renderer writes it: an interface name, or "a . b . c" for concatenations. */
function elementKey(k: unknown): string {
  if (k && typeof k === 'object' && 'concat' in k)
    return (k as { concat: unknown[] }).concat.map(String).join(' . ');
  return String(k);
}

/**
 * Chains of `nft list table` text with their rule counts, and whether the table has `flags owner`. Text, because
 * nft 1.0.6 frees the JSON of a table with exactly one flag before printing it (garbage, or output cut short).
 */
export function parseTableText(text: string): { owned: boolean; chains: Map<string, number> } {
  const chains = new Map<string, number>();
  let owned = false;
  let chain: string | undefined;
  for (const line of text.split('\n')) {
    if (/^\tflags\b.*\bowner\b/.test(line)) owned = true;
    const start = /^\tchain (\S+) \{$/.exec(line);
    if (start) {
      chain = start[1] as string;
      chains.set(chain, 0);
      continue;
    }
    if (line === '\t}') chain = undefined;
    else if (chain && /^\t\t\S/.test(line) && !/^\t\ttype \S+ hook /.test(line))
      chains.set(chain, (chains.get(chain) ?? 0) + 1);
  }
  return { owned, chains };
}

/** Reads virtnet's table in full: chains with rule counts (text), maps with their elements (JSON of the maps). */
export async function observeTable(): Promise<ObservedNft> {
  const r = await exec({ argv: ['nft', 'list', 'table', ...TABLE.split(' ')] });
  if (r.code !== 0) return { table: false, owned: false };
  const { owned, chains } = parseTableText(r.stdout);
  const nft: ObservedNft = { table: true, owned, chains, maps: new Set(), elements: new Map() };
  const [family, name] = TABLE.split(' ');
  for (const o of (await nftJson(['list', 'maps', family as string])) ?? []) {
    if (!o.map || o.map.table !== name) continue;
    nft.maps?.add(o.map.name as string);
    for (const e of (o.map.elem as Array<[unknown, { jump?: { target: string } }]> | undefined) ?? []) {
      nft.elements?.set(`${o.map.name}|${elementKey(e[0])}`, e[1]?.jump?.target ?? '');
    }
  }
  return nft;
}

/** Base chains of other tables on the forward hook with policy drop (Docker's iptables-nft `ip filter FORWARD`). */
export async function foreignForwardDrops(): Promise<string[]> {
  const out: string[] = [];
  for (const o of (await nftJson(['list', 'chains'])) ?? []) {
    const c = o.chain;
    if (c?.hook !== 'forward' || c.policy !== 'drop') continue;
    if (`${c.family} ${c.table}` === TABLE) continue;
    out.push(`${c.family} ${c.table} ${c.name}`);
  }
  return out;
}

const DOCKER_TABLES = ['ip filter', 'ip6 filter'];

/** Uid and gid dnsmasq runs as after dropping root: Debian's compiled-in user `nobody`, group `dip` if it exists. */
export function dnsmasqIdentity(): { user: string; uid: number; gid: number } {
  const field = (file: string, name: string, i: number): number | undefined => {
    try {
      const line = readFileSync(file, 'utf8')
        .split('\n')
        .find((l) => l.startsWith(`${name}:`));
      const n = Number(line?.split(':')[i]);
      return Number.isInteger(n) ? n : undefined;
    } catch {
      return undefined;
    }
  };
  const uid = field('/etc/passwd', 'nobody', 2) ?? 65534;
  const gid = field('/etc/group', 'dip', 2) ?? field('/etc/passwd', 'nobody', 3) ?? 65534;
  return { user: 'nobody', uid, gid };
}

/** The first directory on the way to `file` that the user cannot enter (search permission), if any. */
export function closedDirectory(file: string, uid: number, gid: number): string | undefined {
  const dirs: string[] = [];
  for (let d = dirname(file); ; d = dirname(d)) {
    dirs.unshift(d);
    if (d === dirname(d)) break;
  }
  for (const d of dirs) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(d);
    } catch {
      return undefined; // made later by virtnet itself (0755)
    }
    const bits = st.uid === uid ? 0o100 : st.gid === gid ? 0o010 : 0o001;
    if ((st.mode & bits) === 0) return d;
  }
  return undefined;
}

export class LinuxProbe implements HostProbe {
  /** Whether the table is known to exist (set once seen; cleared when its owning session ends). */
  private tableSeen: { owned: boolean } | undefined;

  constructor(
    private readonly nft: NftSession,
    private readonly supervisor: ProcessSupervisor,
    /** Where the network hook scripts live (<config-dir>/hooks); none are looked for without it. */
    private readonly hooksDir?: string,
  ) {}

  /** The session that owned the table is gone, and the table with it. */
  forgetTable(): void {
    this.tableSeen = undefined;
  }

  async observe(scope: ProbeScope): Promise<ObservedHost> {
    const o = emptyObservation();
    const full = scope.nft === 'full';
    const wantAddrs = scope.addresses ? scope.links : [];
    // the heal loop's scope (presence-only nft, no addresses) needs no MTU, MAC or device kind
    const light =
      scope.nft !== 'full' &&
      !scope.addresses &&
      !scope.routes &&
      !scope.dnsmasqReads &&
      !scope.deviceDetails;
    if (light) this.lightLinks(scope.links, o);
    else
      for (const name of scope.links) {
        const l = sysfsLink(name);
        if (!l) continue;
        o.links.set(name, l);
        if (!scope.deviceDetails) continue;
        // a pool's devices: a macvtap's character device, a <pf>'s virtual functions (the pool) too
        if (l.type === 'macvtap') {
          const tap = macvtapChar(name, scope.tapNodeDir);
          if (tap) l.tap = tap;
          continue;
        }
        const vfs = virtualFunctions(name);
        if (vfs.length) l.vfs = vfs;
        for (const vf of vfs) {
          const v = sysfsLink(vf);
          if (v) o.links.set(vf, v);
        }
      }
    const present = wantAddrs.filter((n) => o.links.get(n)?.type === 'bridge');
    if (present.length) {
      const args = present.length > 4 ? ['-j', 'addr', 'show'] : undefined;
      const lists = args
        ? [await exec({ argv: ['ip', ...args] })]
        : await Promise.all(present.map((n) => exec({ argv: ['ip', '-j', 'addr', 'show', 'dev', n] })));
      for (const r of lists) {
        if (r.code !== 0) continue;
        for (const dev of JSON.parse(r.stdout) as Array<{
          ifname: string;
          addr_info?: Array<{ local: string; prefixlen: number }>;
        }>) {
          const l = o.links.get(dev.ifname);
          if (l) l.addresses = (dev.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`);
        }
      }
    }
    if (scope.nft === 'presence') o.nft = await this.tablePresence();
    else if (full) {
      o.nft = await observeTable();
      this.tableSeen = o.nft.table ? { owned: o.nft.owned } : undefined;
    }
    if (scope.processes) {
      o.processesKnown = true;
      for (const ref of scope.processes) {
        const pid = [this.supervisor.pid(ref.id), readPid(ref.pidFile)].find(
          (p) => p !== undefined && isOurProcess(p, ref.match),
        );
        if (pid !== undefined) o.processes.set(ref.id, pid);
      }
    }
    if (scope.files) {
      o.filesKnown = true;
      for (const f of scope.files) {
        try {
          o.files.set(f, readFileSync(f, 'utf8'));
        } catch {
          // missing
        }
      }
    }
    for (const key of scope.sysctls ?? []) {
      try {
        o.sysctls.set(key, readFileSync(`/proc/sys/${key}`, 'utf8').trim());
      } catch {
        // no such sysctl (the bridge is gone)
      }
    }
    if (scope.routes) o.routes = [...readHostRoutes(4), ...readHostRoutes(6)];
    for (const ns of scope.namespaces ?? []) if (ns.startsWith('/') && existsSync(ns)) o.namespaces.add(ns);
    await Promise.all((scope.nsLinks ?? []).map(async (n) => this.observeNsLink(o, n.netns, n.name)));
    if (scope.foreign) await this.observeForeign(o, scope.foreign === 'all');
    if (scope.overlay) o.overlay = await observeOverlay(scope.overlay);
    if (scope.hooks) o.hooks = this.hooksDir ? findHookScripts(this.hooksDir) : [];
    if (scope.tc) o.tc = kernelTcFeatures();
    await Promise.all(
      (scope.qdiscs ?? []).map(async (dev) => {
        const q = o.links.has(dev) || sysfsLink(dev, true) ? await observeQdiscs(dev) : undefined;
        if (q) o.qdiscs.set(dev, q);
      }),
    );
    if (scope.dnsmasqReads?.length) {
      // a few stat() calls: not cached, so a directory fixed with chmod counts at the next start
      const id = dnsmasqIdentity();
      for (const f of scope.dnsmasqReads) {
        const closed = closedDirectory(f, id.uid, id.gid);
        if (closed) o.unreadableForDnsmasq = { file: f, dir: closed, user: id.user };
      }
    }
    return o;
  }

  /**
   * Devices for the heal loop, fast at a thousand networks: a bridge's ports come from its `brif` directory (one
   * read for all of them), so a port costs nothing unless it is not on a bridge looked at.
   */
  private lightLinks(names: string[], o: ObservedHost): void {
    const masters = new Map<string, string>();
    const rest: string[] = [];
    for (const name of names) {
      if (!SAFE_IFNAME.test(name) || name === '.' || name === '..') continue;
      let members: string[] | undefined;
      try {
        members = readdirSync(`/sys/class/net/${name}/brif`);
      } catch {
        rest.push(name);
        continue;
      }
      const flags = sys(name, 'flags');
      if (flags === undefined) continue;
      o.links.set(name, { name, type: 'bridge', up: (Number(flags) & 1) === 1 });
      for (const m of members) masters.set(m, name);
    }
    for (const name of rest) {
      const master = masters.get(name);
      if (master) o.links.set(name, { name, type: 'device', up: true, master });
      else {
        const l = sysfsLink(name, true);
        if (l) o.links.set(name, l);
      }
    }
  }

  /** A device inside a container's namespace (its macvlan): one `ip -j -d link` there. */
  private async observeNsLink(o: ObservedHost, netns: string, name: string): Promise<void> {
    if (!netns.startsWith('/') || !existsSync(netns) || !SAFE_IFNAME.test(name)) return;
    const r = await exec({
      argv: ['nsenter', `--net=${netns}`, 'ip', '-j', '-d', 'link', 'show', 'dev', name],
    });
    if (r.code !== 0) return;
    const dev = (
      JSON.parse(r.stdout) as Array<{
        ifname: string;
        flags?: string[];
        mtu?: number;
        address?: string;
        linkinfo?: { info_kind?: string };
      }>
    )[0];
    if (!dev) return;
    o.nsLinks.set(nsLinkKey(netns, name), {
      name,
      type: dev.linkinfo?.info_kind ?? 'device',
      up: dev.flags?.includes('UP') ?? false,
      ...(dev.mtu ? { mtu: dev.mtu } : {}),
      ...(dev.address ? { mac: dev.address } : {}),
    });
  }

  private async tablePresence(): Promise<ObservedNft> {
    if (this.tableSeen && this.nft.alive()) return { table: true, owned: this.tableSeen.owned };
    // `list tables` (text: see parseTableText) costs the same at any size of our table
    const r = await exec({ argv: ['nft', 'list', 'tables'] });
    const present = r.code === 0 && r.stdout.split('\n').includes(`table ${TABLE}`);
    // our table is owned by our session; one that exists without it is an older virtnet's (or an orphan)
    const owned = present && this.nft.alive();
    this.tableSeen = present ? { owned } : undefined;
    return { table: present, owned };
  }

  private async observeForeign(o: ObservedHost, drops: boolean): Promise<void> {
    // `list chains` lists every chain, virtnet's thousands too: only what check reports needs it
    if (drops) o.foreignForwardDrops = await foreignForwardDrops();
    o.dockerUserTables = new Set();
    o.dockerUser = { tables: new Map() };
    for (const table of DOCKER_TABLES) {
      const objs = await nftJson(['-a', 'list', 'chain', ...table.split(' '), 'DOCKER-USER']);
      if (!objs) continue;
      o.dockerUserTables.add(table);
      const ours = new Map<string, number[]>();
      for (const x of objs) {
        const c = x.rule?.comment;
        if (typeof c !== 'string' || !c.startsWith('virtnet:')) continue;
        const br = c.slice('virtnet:'.length);
        ours.set(br, [...(ours.get(br) ?? []), Number(x.rule?.handle)]);
      }
      o.dockerUser.tables.set(table, ours);
    }
  }
}
