// The contract between the reconciler (src/daemon/engine.ts) and a host: an executor, a probe, supervision of the
// processes it spawned, leases, and read-only facts about devices. Implemented for Linux (src/host/linux-host.ts)
// and in memory (src/host/fake-host.ts); here so that neither side imports the other.

import type { Disposable } from '../base/lifecycle.js';
import type { Lease } from '../model/dnsmasq-leases.js';
import type { ListenSocket } from '../model/listen-sockets.js';
import type { NetworkDef } from '../model/network-def.js';
import type { DnsmasqFilesPaths } from './desired.js';
import type { Executor } from './executor.js';
import type { HostProbe } from './observed.js';
import type { OverlayHostSide } from './overlay-host.js';
import type { SpawnAction } from './steps.js';

/** Something that happened on the host behind the reconciler's back. */
export interface HostEvent {
  network: string;
  type:
    | 'lease'
    | 'dnsmasq-restarted'
    | 'frr-restarted'
    | 'degraded'
    | 'recovered'
    | 'error'
    | 'firewall-lost'
    | 'upstream-changed';
  detail?: Record<string, unknown>;
}

export type DeviceKind = 'bridge' | 'physical' | 'veth' | 'tap' | 'vlan' | 'bond' | 'loopback' | 'other';

export interface HostDevice {
  name: string;
  kind: DeviceKind;
  up: boolean;
  addresses: string[];
  master?: string;
}

export interface DeviceCounters {
  rxBytes: number;
  txBytes: number;
  rxPackets: number;
  txPackets: number;
}

export interface LinkFacts {
  exists: boolean;
  master?: string;
  members?: string[];
  lower?: string;
  up?: boolean;
}

export interface HostSide {
  executor: Executor;
  probe: HostProbe;
  /**
   * The dnsmasq binary, where a network's dnsmasq files live, and the host's upstream nameservers now (an
   * 'upstream-changed' event says they changed).
   */
  dnsmasq: { binary: string; paths(network: string): DnsmasqFilesPaths; upstream(): string[] };
  /** Where virtnet makes a macvtap's character device when /dev/tapN is not the macvtap's own. */
  tapNodeDir?: string;
  /** How long a network hook script may run before it is killed (ms); absent: 30 s. */
  hookTimeoutMs?: number;
  /** Takes over supervision of a process that runs already (adoption after a daemon restart): restarted as
   * `spawn` says. */
  supervise(spawn: SpawnAction, pid: number): Disposable;
  /** Lease events of a network's dnsmasq while the returned disposable lives. */
  watchLeases(def: NetworkDef, leaseFile: string): Disposable;
  readLeases(def: NetworkDef, leaseFile: string): Lease[];
  onEvent(listener: (e: HostEvent) => void): Disposable;
  /** The device of the default route (what NAT and routed networks leave through), if known. */
  uplink(): string | undefined;
  /** Addresses of the host (without prefix), e.g. to check a forward's listen address. */
  addresses(): string[];
  /** Whether a device of this name exists (the name must be a valid interface name; others: false). */
  deviceExists(name: string): boolean;
  /** A device's bridge (master), the device it sits on (lower), whether it is up and, for a bridge, its ports. */
  linkFacts(name: string): LinkFacts;
  devices(): HostDevice[];
  counters(name: string): DeviceCounters | undefined;
  /** The sockets the host listens on (TCP listening, UDP bound), for forwards that would shadow them. */
  listenSockets(): ListenSocket[];
  /** Counters of every device at once (one read, for /metrics). */
  allCounters(): Map<string, DeviceCounters>;
  /** A watched network's leases as last read (no file read), undefined when its leases are not watched. */
  watchedLeases(network: string): Lease[] | undefined;
  /** Hit counters (new connections) of every port forward, by forward chain name. */
  forwardCounters(): Promise<Map<string, { packets: number; bytes: number }>>;
  /** The host's part of the overlay fabric, when virtnetd runs with --overlay-address. */
  overlay?: OverlayHostSide;
  /** Stops supervising and watching; everything made on the host keeps running. */
  dispose(): Promise<void>;
}
