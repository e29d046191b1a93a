// Types of the virtnetd HTTP/JSON API, shared by the daemon, the CLI client and the web UI. Pure.
//
// Routes (all under /v1; errors are {error: ApiErrorBody} with the code's HTTP status):
//   GET    /v1/networks?all&inactive&persistent&transient&autostart&no-autostart  -> NetworkListResponse
//          (no flag: active only, like `virsh net-list`; `all=1` everything; flags combine as in virsh)
//   POST   /v1/networks                 body: network XML (application/xml)         -> NetworkInfo (201) define
//   POST   /v1/networks?transient=1     body: network XML                           -> NetworkInfo (201) create+start
//   GET    /v1/networks/{nameOrUuid}                                                -> NetworkInfo
//   GET    /v1/networks/{nameOrUuid}/xml?inactive=1                                 -> application/xml
//   DELETE /v1/networks/{nameOrUuid}                                                -> NetworkInfo   undefine
//   PUT    /v1/networks/{nameOrUuid}/autostart   body: {"autostart": boolean}       -> NetworkInfo
//   POST   /v1/networks/{nameOrUuid}/start                                          -> NetworkInfo
//   POST   /v1/networks/{nameOrUuid}/destroy                                        -> NetworkInfo
//   GET    /v1/networks/{nameOrUuid}/leases?mac=MAC                                 -> LeaseListResponse
//   GET    /v1/networks/{nameOrUuid}/check                                         -> CheckResponse (drift)
//   POST   /v1/networks/{nameOrUuid}/repair                                        -> RepairResponse
//   GET    /v1/events                   server-sent events, `event: network`, data: NetworkEvent (JSON)
//   GET    /v1/openapi.json             the OpenAPI document (also checked in as docs/openapi.json)
// Every response carries `X-Virtnet-Version: VERSION` (package.json's version of the daemon that answered).
// The read-only socket answers GET only; anything else gets 403 AUTH_FAILED. The optional TCP listener
// (virtnetd --http) requires `Authorization: Bearer TOKEN` (or the web UI's cookie from /login?token=) on every
// /v1 request and a Host that is one of its names; see docs/security.md. The full list of routes, with their
// request and response schemas, is docs/openapi.json (generated from src/daemon/api/schemas.ts).

import type { Lease } from '../model/dnsmasq-leases.js';
import type { ErrorCode } from '../model/errors.js';
import type { OverlayState } from '../model/overlay-state.js';

export type { Lease };

export interface ApiErrorBody {
  code: ErrorCode;
  message: string;
  line?: number;
  column?: number;
  /** What to do about it, when known. */
  hint?: string;
}

export interface NetworkInfo {
  name: string;
  uuid: string;
  active: boolean;
  persistent: boolean;
  autostart: boolean;
  /** Bridge device name, when the network has one. */
  bridge?: string;
  /** 'nat' | 'route' | 'open' | 'bridge' | ... | 'isolated' */
  mode: string;
  /** Active nat/route/open networks: the device traffic leaves through (forward dev, else the default route's). */
  uplink?: string;
  /** Set while the network's dnsmasq cannot be kept running: why (DHCP and DNS are down meanwhile). */
  degraded?: string;
  /** A network that spans hosts (<virtnet:overlay>): its VNI, this host's VTEP, the MTU it runs with. */
  overlay?: { vni: number; localVtep?: string; mtu?: number };
}

export interface NetworkListResponse {
  networks: NetworkInfo[];
}

export type NetworkEventType =
  | 'defined'
  | 'undefined'
  | 'started'
  | 'stopped'
  | 'updated'
  | 'lease'
  | 'repaired'
  | 'failed';

/**
 * `detail` of a `repaired` event. One event per repair, whoever started it: a client (`trigger: 'request'`,
 * net-start --repair), the heal loop (`'heal'`: e.g. a bridge deleted behind the daemon's back) or a daemon start
 * that found parts of a running network missing (`'adopt'`).
 */
export interface RepairedDetail {
  trigger: 'request' | 'heal' | 'adopt';
  /** What differed from the definition, in check's words. */
  problems: string[];
  /** Titles of the steps applied, in the order they ran. */
  steps: string[];
}

export interface NetworkEvent {
  type: NetworkEventType;
  name: string;
  uuid: string;
  /** ISO time the daemon emitted it. */
  time: string;
  /** Details: lease fields, a failed step, RepairedDetail for `repaired`; `updated` from the host names its
   * cause in `runtimeEvent` ('dnsmasq-restarted', 'degraded' with `reason`, 'recovered'). */
  detail?: Record<string, unknown>;
}

export interface LeaseListResponse {
  leases: Lease[];
}

/** One difference between the host and an active network's definition. */
export interface DriftProblemInfo {
  what: string;
  expected?: string;
  actual?: string;
}

export interface CheckResponse {
  problems: DriftProblemInfo[];
}

export interface RepairResponse {
  info: NetworkInfo;
  /** What was found missing and re-applied (empty: nothing to do). */
  repaired: DriftProblemInfo[];
}

/** A port forward as listed: where it is (live, config) and, while active, how many connections it carried. */
export interface ForwardInfo {
  proto: 'tcp' | 'udp' | 'both';
  /** Absent: every address of the host. */
  listenAddress?: string;
  listenPort: number;
  listenPortEnd?: number;
  targetAddress: string;
  targetPort: number;
  description?: string;
  /** In the running network's ruleset. */
  live: boolean;
  /** In the persistent definition. */
  config: boolean;
  /** New connections forwarded since the forward (or the network) was applied; live forwards only. */
  hits?: number;
}

/** What a mutation did, or with dryRun would do, on the host. */
export interface ChangePlan {
  dryRun: boolean;
  /** Commands in the order they run (ip, sysctl, dnsmasq, process signals). */
  commands: string[];
  /** The nft transaction, one statement per line ("add …" / "delete …"). */
  nft: string;
  /** Files written (path and content); removed files have no content. */
  files: Array<{ path: string; content?: string }>;
  /** Why the change would fail or clash when made now (e.g. the subnet is in use by a host route). */
  warnings?: string[];
  /**
   * The same change step by step, in the order it runs (the recording executor's transcript of the steps a real
   * change runs): each step's title and its commands, stdin as a here-document.
   */
  steps?: Array<{ id: string; title: string; commands: string[] }>;
}

export interface ForwardChangeResponse {
  network: string;
  forward: ForwardInfo;
  plan: ChangePlan;
}

/** A guest's connection to a network: libvirt's network port plus the device virtnet made for it. */
export interface PortInfo {
  uuid: string;
  network: string;
  owner: { name: string; uuid: string };
  mac: string;
  group?: string;
  /** The host-side device: a tap for VMs, the host end of a veth pair for containers. */
  /** adopted: the tap was made by the hypervisor (qemu-ifup); virtnet only attached it and never deletes it. */
  device?: {
    /** macvtap (VMs) and macvlan (containers: eth0 in `netns`) on direct networks' pool devices. */
    kind: 'tap' | 'veth' | 'macvtap' | 'macvlan';
    name: string;
    netns?: string;
    uid?: number;
    adopted?: boolean;
    /** macvtap/macvlan: the pool device it sits on, and the kernel's mode (bridge, private, vepa, passthru). */
    link?: string;
    mode?: string;
    /** macvtap: the character device a hypervisor opens (`-netdev tap,fd=N` on it). */
    tapPath?: string;
    /** macvtap: a node virtnet made for it (when /dev/tapN is not its own), removed with the port. */
    tapNode?: string;
    /** passthrough: the pool device's own MAC, put back when the port goes. */
    lowerMac?: string;
  };
  /** DHCP reservation made for the port (live only; removed with it). */
  ip?: string;
  /** The guest's NIC model (a domain interface's `<model type=...>`: virtio, e1000, ...), as given. */
  model?: string;
  /** libvirt's <networkport> XML. */
  xml: string;
}

/** A guest: the ports that share an owner. */
export interface GuestInfo {
  name: string;
  uuid: string;
  ports: PortInfo[];
}

/** A guest with, per port, the addresses its network's DHCP server leased to the port's MAC. */
export interface GuestDetail extends GuestInfo {
  interfaces: Array<{ port: PortInfo; bridge?: string; leases: Lease[] }>;
}

/** GET /v1/networks/{id}/overlay: what this member's FRR says about a network that spans hosts. */
export interface OverlayReport extends OverlayState {
  network: string;
  /** Bindings learned from EVPN, kept for guests that move here. */
  learned: number;
}
