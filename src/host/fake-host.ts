// A host in memory: the resources steps provide, kept as the probe would observe them. The recording executor
// applies each finished step's resources here and the fake probe reads them back, so the memory runtime runs the
// real planner against a host that behaves like one (a deleted bridge loses its ports, a flushed table its chains).

import type { HookScript } from '../plan/hook-steps.js';
import type { ObservedHost, ObservedLink, ObservedRoute, ProbeScope } from '../plan/observed.js';
import { emptyObservation, type HostProbe, nsLinkKey, type ObservedQdiscs } from '../plan/observed.js';
import type { ObservedVxlan } from '../plan/overlay-observed.js';
import type { Resource } from '../plan/steps.js';
import { ALL_TC_FEATURES, type TcFeatures } from '../plan/tc-features.js';
import { OVERLAY_TABLE_CHAINS } from '../render/nft-overlay.js';
import { BASE_TABLE } from '../render/nft-ruleset.js';

export class FakeHost {
  /** Every host has a loopback device; host bridges (bridged networks) are given with the constructor. */
  readonly links = new Map<string, ObservedLink>([
    ['lo', { name: 'lo', type: 'device', up: true, mtu: 65536, addresses: ['127.0.0.1/8', '::1/128'] }],
  ]);
  /** Devices inside namespaces (containers' macvlans), by "NETNS|NAME". */
  readonly nsLinks = new Map<string, ObservedLink>();

  constructor(hostBridges: string[] = []) {
    for (const name of hostBridges) this.links.set(name, { name, type: 'bridge', up: true, addresses: [] });
  }

  table = false;
  readonly chains = new Map<string, number>();
  readonly elements = new Map<string, string>();
  readonly files = new Map<string, string>();
  readonly processes = new Map<string, number>();
  readonly sysctls = new Map<string, string>();
  routes: ObservedRoute[] = [];
  readonly namespaces = new Set<string>();
  readonly addresses = new Set<string>(['127.0.0.1', '::1']);
  /** Other programs' firewall, as tests set it up: forward drops and DOCKER-USER chains (table → bridge → handles). */
  foreignDrops: string[] = [];
  readonly dockerUser = new Map<string, Map<string, number[]>>();
  /** VXLAN devices (also in `links`) and the overlay filter: undefined while its table is absent. */
  readonly vxlans = new Map<string, ObservedVxlan>();
  overlayFilter: Set<string> | undefined;
  /** Network hook scripts as tests put them there (the recording executor never runs them). */
  hooks: HookScript[] = [];
  /** The kernel's traffic control as tests set it (default: everything, as libvirt assumes). */
  tc: TcFeatures = { ...ALL_TC_FEATURES };
  readonly qdiscs = new Map<string, ObservedQdiscs>();
  private nextPid = 4000;
  private nextIfindex = 100;

  newPid(): number {
    return this.nextPid++;
  }

  /** Applies what a finished step made (`add`) or removed. */
  apply(resources: Resource[], add: boolean): void {
    for (const r of resources) add ? this.add(r) : this.remove(r);
  }

  private add(r: Resource): void {
    switch (r.kind) {
      case 'link': {
        const where = r.netns ? this.nsLinks : this.links;
        const key = r.netns ? nsLinkKey(r.netns, r.name) : r.name;
        const l = where.get(key) ?? {
          name: r.name,
          type: r.type === 'tap' ? 'tun' : r.type,
          up: true,
          addresses: [],
        };
        l.up = true;
        if (r.master !== undefined) l.master = r.master;
        if (r.mtu !== undefined) l.mtu = r.mtu;
        if (r.mac !== undefined) l.mac = r.mac;
        if (r.lower !== undefined && !r.netns) {
          l.lower = r.lower;
          const lower = this.links.get(r.lower);
          if (lower) lower.uppers = [...new Set([...(lower.uppers ?? []), r.name])].sort();
        }
        if (r.type === 'macvtap' && !l.tap) {
          const index = this.nextIfindex++;
          l.tap = { index, dev: `246:${index}`, node: `/dev/tap${index}` };
        }
        where.set(key, l);
        break;
      }
      case 'addr': {
        const l = this.links.get(r.dev);
        if (l && !l.addresses?.includes(r.cidr)) l.addresses = [...(l.addresses ?? []), r.cidr];
        break;
      }
      case 'route':
        break;
      case 'nft-table':
        this.table = true;
        for (const [c, n] of Object.entries(BASE_TABLE.chains)) this.chains.set(c, n);
        break;
      case 'nft-chain':
        this.chains.set(r.name, r.rules);
        break;
      case 'nft-element':
        this.elements.set(`${r.map}|${r.key}`, r.chain);
        break;
      case 'file':
        this.files.set(r.path, r.content);
        break;
      case 'process':
        if (!this.processes.has(r.process.id)) this.processes.set(r.process.id, this.newPid());
        break;
      case 'sysctl':
        this.sysctls.set(r.key, r.value);
        break;
      case 'vxlan':
        this.links.set(r.name, { name: r.name, type: 'device', up: true, mtu: r.mtu, master: r.master });
        this.vxlans.set(r.name, {
          name: r.name,
          vni: r.vni,
          local: r.local,
          learning: false,
          up: true,
          mtu: r.mtu,
          master: r.master,
          portLearning: false,
          neighSuppress: true,
        });
        break;
      case 'overlay-filter':
        this.overlayFilter ??= new Set();
        if (r.port) this.overlayFilter.add(r.port);
        break;
      case 'qdisc': {
        const q = this.qdiscsOf(r.dev);
        if (r.parent === 'root') q.root = r.qdisc;
        else q.ingress = true;
        break;
      }
      case 'tc-class':
        this.qdiscsOf(r.dev).classes.set(r.classid, r.rate);
        break;
    }
  }

  private qdiscsOf(dev: string): ObservedQdiscs {
    let q = this.qdiscs.get(dev);
    if (!q) {
      q = { ingress: false, classes: new Map() };
      this.qdiscs.set(dev, q);
    }
    return q;
  }

  private remove(r: Resource): void {
    switch (r.kind) {
      case 'link':
        if (r.netns) this.nsLinks.delete(nsLinkKey(r.netns, r.name));
        else this.deleteLink(r.name);
        break;
      case 'addr': {
        const l = this.links.get(r.dev);
        if (l) l.addresses = (l.addresses ?? []).filter((a) => a !== r.cidr);
        break;
      }
      case 'nft-table':
        this.flushRuleset();
        break;
      case 'vxlan':
        this.deleteLink(r.name);
        break;
      case 'overlay-filter':
        if (r.port) this.overlayFilter?.delete(r.port);
        break;
      case 'nft-chain':
        this.chains.delete(r.name);
        break;
      case 'nft-element':
        this.elements.delete(`${r.map}|${r.key}`);
        break;
      case 'file':
        this.files.delete(r.path);
        break;
      case 'process':
        this.processes.delete(r.process.id);
        break;
      case 'qdisc': {
        const q = this.qdiscs.get(r.dev);
        if (q && r.parent === 'root') {
          delete q.root;
          q.classes.clear();
        } else if (q) q.ingress = false;
        break;
      }
      case 'tc-class':
        this.qdiscs.get(r.dev)?.classes.delete(r.classid);
        break;
      default:
        break;
    }
  }

  /** As the kernel does: a deleted bridge's ports fall off it. */
  deleteLink(name: string): void {
    this.links.delete(name);
    this.vxlans.delete(name);
    for (const v of this.vxlans.values()) if (v.master === name) delete v.master;
    this.qdiscs.delete(name);
    for (const l of this.links.values()) {
      if (l.master === name) delete l.master;
      if (l.uppers?.includes(name)) l.uppers = l.uppers.filter((u) => u !== name);
    }
  }

  flushRuleset(): void {
    this.overlayFilter = undefined;
    this.table = false;
    this.chains.clear();
    this.elements.clear();
  }
}

/** Reads a FakeHost as the real probe reads a host (same scope rules). */
export class FakeProbe implements HostProbe {
  constructor(private readonly host: FakeHost) {}

  async observe(scope: ProbeScope): Promise<ObservedHost> {
    const h = this.host;
    const o = emptyObservation();
    const full = scope.nft === 'full';
    for (const name of scope.links) {
      const l = h.links.get(name);
      if (!l) continue;
      const copy: ObservedLink = {
        ...l,
        addresses: [...(l.addresses ?? [])],
        ...(l.uppers ? { uppers: [...l.uppers] } : {}),
      };
      if (!scope.addresses) delete copy.addresses;
      o.links.set(name, copy);
      for (const vf of l.vfs ?? []) {
        const v = h.links.get(vf);
        if (v) o.links.set(vf, { ...v });
      }
    }
    if (scope.nft) {
      o.nft = { table: h.table, owned: h.table };
      if (full && h.table) {
        o.nft.chains = new Map(h.chains);
        o.nft.maps = new Set(BASE_TABLE.maps);
        o.nft.elements = new Map(h.elements);
      }
    }
    if (scope.processes) {
      o.processesKnown = true;
      for (const ref of scope.processes) {
        const pid = h.processes.get(ref.id);
        if (pid !== undefined) o.processes.set(ref.id, pid);
      }
    }
    if (scope.files) {
      o.filesKnown = true;
      for (const f of scope.files) {
        const c = h.files.get(f);
        if (c !== undefined) o.files.set(f, c);
      }
    }
    for (const key of scope.sysctls ?? []) {
      const v = h.sysctls.get(key);
      if (v !== undefined) o.sysctls.set(key, v);
    }
    if (scope.routes) o.routes = [...h.routes];
    for (const ns of scope.namespaces ?? []) if (h.namespaces.has(ns)) o.namespaces.add(ns);
    if (scope.overlay) {
      o.overlay = {};
      if (scope.overlay.vxlans.length) {
        const seen = new Map<string, ObservedVxlan>();
        for (const name of scope.overlay.vxlans) {
          const v = h.vxlans.get(name);
          if (v) seen.set(name, { ...v });
        }
        o.overlay.vxlans = seen;
      }
      if (scope.overlay.filter)
        o.overlay.filter = h.overlayFilter
          ? {
              table: true,
              chains: new Map(Object.entries(OVERLAY_TABLE_CHAINS)),
              ports: new Set(h.overlayFilter),
            }
          : { table: false, ports: new Set() };
    }
    if (scope.hooks) o.hooks = h.hooks.map((x) => ({ ...x }));
    if (scope.tc) o.tc = { ...h.tc };
    for (const dev of scope.qdiscs ?? []) {
      if (!h.links.has(dev)) continue;
      const q = h.qdiscs.get(dev);
      o.qdiscs.set(dev, q ? { ...q, classes: new Map(q.classes) } : { ingress: false, classes: new Map() });
    }
    for (const n of scope.nsLinks ?? []) {
      const l = h.namespaces.has(n.netns) ? h.nsLinks.get(nsLinkKey(n.netns, n.name)) : undefined;
      if (l) o.nsLinks.set(nsLinkKey(n.netns, n.name), { ...l });
    }
    if (scope.foreign) {
      o.foreignForwardDrops = [...h.foreignDrops];
      o.dockerUserTables = new Set(h.dockerUser.keys());
      o.dockerUser = { tables: new Map([...h.dockerUser].map(([t, m]) => [t, new Map(m)])) };
    }
    return o;
  }
}
