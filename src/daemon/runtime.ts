// The contract between the daemon (definitions, API, events) and the host side that makes networks real.

import type { ChangePlan, Lease } from '../api/types.js';
import type { PlugRequest } from '../host/ports.js';
import type { NetworkDef } from '../model/network-def.js';
import type { PortForward } from '../model/port-forward.js';

/**
 * What the host side needs saved with an active network to stop or adopt it later (JSON-serialisable).
 * The daemon stores it in <state-dir>/networks/NAME.json next to the live definition.
 */
export type RuntimeState = Record<string, unknown>;

export interface RuntimeEvent {
  network: string;
  type: 'lease' | 'repaired' | 'dnsmasq-restarted' | 'drift' | 'error';
  detail?: Record<string, unknown>;
}

/** A problem found when the host disagrees with the definition of an active network. */
export interface DriftProblem {
  what: string;
  expected?: string;
  actual?: string;
}

export interface NetworkRuntime {
  /** Brings the network up; on failure undoes every step already made and throws a VirtError naming the step. */
  start(def: NetworkDef): Promise<RuntimeState>;
  /** Tears down exactly what start made. Tolerates parts already gone. */
  stop(def: NetworkDef, state: RuntimeState): Promise<void>;
  /**
   * After a daemon restart: check the kernel state of an active network and take over supervision
   * (dnsmasq, lease watching) without disrupting it. Returns the (possibly updated) state.
   */
  adopt(def: NetworkDef, state: RuntimeState): Promise<RuntimeState>;
  /** Differences between the host and the definition; empty when all is as started. */
  check(def: NetworkDef, state: RuntimeState): Promise<DriftProblem[]>;
  /** Re-applies whatever check() finds missing. */
  repair(def: NetworkDef, state: RuntimeState): Promise<RuntimeState>;
  leases(def: NetworkDef, state: RuntimeState): Promise<Lease[]>;
  /** Subscribes to host-side events; returns an unsubscribe function. */
  onEvent(listener: (event: RuntimeEvent) => void): () => void;
  /** Adds and removes port forwards of an active network as one atomic change. */
  changeForwards(
    def: NetworkDef,
    state: RuntimeState,
    add: PortForward[],
    remove: PortForward[],
  ): Promise<void>;
  /** Hit counters (new connections) of every port forward, by forward chain name. */
  forwardCounters(): Promise<Map<string, { packets: number; bytes: number }>>;
  /**
   * The heal loop's probe, cheap enough to run every few seconds: names of these active networks whose firewall is
   * gone (ruleset flushed, table deleted), after bringing accept rules in other owners' chains (Docker's
   * DOCKER-USER) in step with them. `changes` lists what was changed there.
   */
  firewallHealth(defs: NetworkDef[]): Promise<{ missing: string[]; changes: string[] }>;
  /** Dry run: what start, or stop of a network with this state, would do on the host. Changes nothing. */
  planChange(op: 'start' | 'stop', def: NetworkDef, state?: RuntimeState): ChangePlan;
  /** Creates a guest's device (tap or veth) on the network's bridge; undoes itself on failure. */
  plugPort(req: PlugRequest): Promise<void>;
  /** Attaches a tap that exists already (made by the hypervisor) to the bridge, with MTU, bandwidth, isolation. */
  attachExistingPort?(req: PlugRequest): Promise<void>;
  /** Undoes attachExistingPort (off the bridge, no qdiscs) and leaves the device to its hypervisor. */
  releaseExistingPort?(device: string): Promise<void>;
  /** Removes a port's device (and with it qdiscs and bridge membership). Tolerates a device already gone. */
  unplugPort(device: string): Promise<void>;
  portDeviceExists(device: string): boolean;
  /** Makes the running dnsmasq use the definition's DHCP host entries now (no restart, leases kept). */
  reloadDhcpHosts(def: NetworkDef, state: RuntimeState): Promise<void>;
  /** The device of the host's default route (what a NAT or routed network leaves through), if known. */
  uplink?(): string | undefined;
  /** Daemon shutdown: stop supervising but leave every network running. */
  detach(): Promise<void>;
}
