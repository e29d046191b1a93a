// The host as a probe saw it, typed: links with their addresses, virtnet's nft table, our processes, files,
// sysctls, routes. A probe only looks at what its scope names; what it did not look at is reported as unknown.

import type { Subnet } from '../model/addr.js';
import type { HookScript } from './hook-steps.js';
import type { ObservedOverlay, OverlayScope } from './overlay-observed.js';
import type { ProcessRef } from './steps.js';
import type { TcFeatures } from './tc-features.js';

export interface ObservedLink {
  name: string;
  /** 'bridge', 'tun' (taps), 'veth', … as `ip -d link` names the kind; 'device' when it has none. */
  type: string;
  up: boolean;
  mtu?: number;
  mac?: string;
  master?: string;
  /** "ADDR/PREFIX"; only filled by a full probe. */
  addresses?: string[];
  /** The device it sits on (macvtap, macvlan, vlan). */
  lower?: string;
  /** Devices sitting on it (macvtaps, macvlans, vlans of this namespace). */
  uppers?: string[];
  /** A pool's <pf>: the network devices of its SR-IOV virtual functions. */
  vfs?: string[];
  /** macvtap: its character device (MAJOR:MINOR) and the node that opens it, when one does. */
  tap?: { index: number; dev: string; node?: string };
}

export interface ObservedRoute {
  dev: string;
  subnet: Subnet;
}

/** virtnet's table: chains with their rule counts, map elements as "map|key" → target chain. */
export interface ObservedNft {
  table: boolean;
  /** Created with `flags owner` (only the owning session may change it; `nft flush ruleset` skips it). */
  owned: boolean;
  /** Undefined in a presence-only probe. */
  chains?: Map<string, number>;
  maps?: Set<string>;
  elements?: Map<string, string>;
}

/** Accept rules virtnet keeps in Docker's DOCKER-USER chains: per table, bridge → rule handles. */
export interface ObservedDockerUser {
  /** 'ip filter' / 'ip6 filter' tables that have a DOCKER-USER chain. */
  tables: Map<string, Map<string, number[]>>;
}

export interface ObservedHost {
  /** Devices the probe looked at; a name it looked at and did not find is in `absentLinks`. */
  links: Map<string, ObservedLink>;
  /** What the probe knows about nft; undefined when it did not look. */
  nft?: ObservedNft;
  /** Live processes of ours by ProcessRef id, with their PID. */
  processes: Map<string, number>;
  /** Whether the probe looked at processes at all (a start does not). */
  processesKnown: boolean;
  /** File contents the probe read; absent key: missing or not read (see `filesKnown`). */
  files: Map<string, string>;
  filesKnown: boolean;
  sysctls: Map<string, string>;
  routes: ObservedRoute[];
  /** Network namespace paths that exist (for veth ports). */
  namespaces: Set<string>;
  /** Base chains of other tables with policy drop on the forward hook ("ip filter FORWARD"). */
  foreignForwardDrops?: string[];
  /** Tables with a DOCKER-USER chain among those foreign drops' tables. */
  dockerUserTables?: Set<string>;
  dockerUser?: ObservedDockerUser;
  /** A directory on the way to dnsmasq's files that its unprivileged user cannot enter, if any. */
  unreadableForDnsmasq?: { file: string; dir: string; user: string };
  /** VXLAN devices and the overlay filter, when the scope asked (src/plan/overlay-observed.ts). */
  overlay?: ObservedOverlay;
  /** Network hook scripts, in the order they run (when the scope asked for them). */
  hooks?: HookScript[];
  /** Devices inside other namespaces (containers' macvlans), by "NETNS|NAME". */
  nsLinks: Map<string, ObservedLink>;
  /** The kernel's traffic-control parts (when the scope asked). */
  tc?: TcFeatures;
  /** Qdiscs and htb classes of the devices the scope named (bandwidth). */
  qdiscs: Map<string, ObservedQdiscs>;
}

/** A device's traffic control as `tc` shows it. */
export interface ObservedQdiscs {
  /** The root qdisc's kind (htb, …), if it has one of its own. */
  root?: string;
  ingress: boolean;
  /** htb classes ("1:2") with their rate in bit/s. */
  classes: Map<string, number>;
}

export function emptyObservation(): ObservedHost {
  return {
    links: new Map(),
    processes: new Map(),
    processesKnown: false,
    files: new Map(),
    filesKnown: false,
    sysctls: new Map(),
    routes: [],
    namespaces: new Set(),
    nsLinks: new Map(),
    qdiscs: new Map(),
  };
}

export const nsLinkKey = (netns: string, name: string) => `${netns}|${name}`;

/** What a probe should look at for one network (names come from the desired state, never from clients). */
export interface ProbeScope {
  links: string[];
  /** 'presence': is the table there (cheap, cached); 'full': chains, rule counts, elements. */
  nft?: 'presence' | 'full';
  files?: string[];
  processes?: ProcessRef[];
  sysctls?: string[];
  routes?: boolean;
  namespaces?: string[];
  /** Addresses of the bridges among `links` (one `ip -j addr`). */
  addresses?: boolean;
  /** Other programs' firewall: `all` = forward drops and DOCKER-USER chains, `docker` = only DOCKER-USER. */
  foreign?: 'all' | 'docker';
  /** Files dnsmasq reads after dropping root (checked for its user). */
  dnsmasqReads?: string[];
  /** VXLAN devices and the overlay filter table of overlay networks. */
  overlay?: OverlayScope;
  /** The network hook scripts (hooks/network, hooks/network.d/*). */
  hooks?: boolean;
  /** Devices inside namespaces (containers' macvlans); only namespaces that exist are looked into. */
  nsLinks?: Array<{ netns: string; name: string }>;
  /** Everything sysfs says of the devices (pool devices, macvtaps), even where the heal loop's light read would do. */
  deviceDetails?: boolean;
  /** Where the macvtap nodes virtnet makes live (a node there counts as a macvtap's, like /dev/tapN). */
  tapNodeDir?: string;
  /** The kernel's traffic-control parts. */
  tc?: boolean;
  /** Devices whose qdiscs and classes to read (networks with bandwidth). */
  qdiscs?: string[];
}

/** The host-side probe: the one way the daemon learns about the host. */
export interface HostProbe {
  observe(scope: ProbeScope): Promise<ObservedHost>;
}
