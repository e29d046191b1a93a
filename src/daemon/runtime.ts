// The contract between the daemon's registry (definitions, API, events) and the reconciler that makes networks
// real (src/daemon/engine.ts over a host: Linux or memory).

import type { ChangePlan } from '../api/types.js';
import type { Lease } from '../model/dnsmasq-leases.js';
import type { ListenSocket } from '../model/listen-sockets.js';
import type { NetworkDef } from '../model/network-def.js';
import type { PortForward } from '../model/port-forward.js';
import type { PortDevice } from '../plan/desired.js';
import type { HookOp } from '../plan/hook-steps.js';
import type { DeviceCounters, HostDevice, HostEvent, LinkFacts } from '../plan/host-side.js';
import type { ObservedRoute } from '../plan/observed.js';
import type { OverlayHostSide } from '../plan/overlay-host.js';
import type { DriftProblem } from '../plan/steps.js';

export type { DriftProblem };

/**
 * What the host side saves with an active network (JSON-serialisable), in <state-dir>/networks/NAME.json next to
 * the live definition: the bridge, whether it has firewall rules, its dnsmasq PID when it was last seen.
 */
export type RuntimeState = Record<string, unknown>;

export type RuntimeEvent = HostEvent;

/** What a reconcile found and did. */
export interface ReconcileOutcome {
  state: RuntimeState;
  /** What differed from the definition (empty: nothing to do). */
  problems: DriftProblem[];
  /** Titles of the steps applied, in order. */
  steps: string[];
}

/** What plugging a port found out that the port must keep. */
export interface PlugResult {
  /** macvtap: the character device a hypervisor opens (/dev/tapN, or a node virtnet made). */
  tapPath?: string;
  /** macvtap: a node virtnet made (removed with the port). */
  tapNode?: string;
  /** passthrough: the pool device's own MAC, put back when the port goes. */
  lowerMac?: string;
}

/** A network a heal round found different from its definition. */
export interface HealResult {
  name: string;
  outcome: ReconcileOutcome;
  /** The repair failed (its steps were unwound): why. */
  error?: string;
}

/** One active network, as the heal loop and adoption see it. */
export interface ActiveNetwork {
  def: NetworkDef;
  state: RuntimeState;
  ports: PortDevice[];
}

/** Runs a process start when it sees fit (after every bridge of a batch exists), and returns its result. */
export type SpawnGate = <T>(spawn: () => Promise<T>) => Promise<T>;

/** How one start of a batch (autostart) runs. */
export interface BatchStart {
  /** Runs each process start of the network: it may hold it back. */
  aroundSpawn?: SpawnGate;
  /**
   * The host's routes, read once for the whole batch (the route check's input): /proc/net/route lists every
   * network's route, so a read per start made a thousand starts read a million lines.
   */
  routes?: ObservedRoute[];
}

export interface NetworkRuntime {
  /**
   * Brings the network and its ports up; on failure undoes every step already made and throws a VirtError.
   * `batch`: how it runs as one of many starts at once.
   */
  start(def: NetworkDef, ports?: PortDevice[], batch?: BatchStart): Promise<RuntimeState>;
  /** The host's routes as a start's route check sees them (read once for a batch of starts). */
  hostRoutes(): Promise<ObservedRoute[]>;
  /**
   * Tears down what start made. Ports stay on the host (a VM keeps its tap, a container its veth) unless
   * `dropPorts`: then virtnet's devices are deleted and adopted taps released. Tolerates parts already gone.
   */
  stop(
    def: NetworkDef,
    state: RuntimeState,
    opts?: { ports?: PortDevice[]; dropPorts?: boolean },
  ): Promise<void>;
  /**
   * After a daemon restart: the network as it runs is taken over (supervision, lease watching) and whatever is
   * missing is made again; nothing that runs is restarted. Throws when the bridge is gone (the namespace was reset).
   */
  adopt(def: NetworkDef, state: RuntimeState, ports?: PortDevice[]): Promise<ReconcileOutcome>;
  /**
   * adopt() for many networks at once (a daemon start): one probe of the host for all of them, where one each would
   * list the whole nft table and every address per network. One outcome or error per network, in order.
   */
  adoptAll(nets: ActiveNetwork[]): Promise<Array<ReconcileOutcome | Error>>;
  /** Differences between the host and the definition (and its ports); empty when all is as started. */
  check(def: NetworkDef, state: RuntimeState, ports?: PortDevice[]): Promise<DriftProblem[]>;
  /** Makes again whatever check() finds missing or different. */
  repair(def: NetworkDef, state: RuntimeState, ports?: PortDevice[]): Promise<ReconcileOutcome>;
  /**
   * One heal round over every active network (and Docker's DOCKER-USER chains). Only networks that differed are
   * returned: repaired, or with the error that kept the repair from working (nothing applied then). `only`: the
   * round looks at these networks alone (those just started); DOCKER-USER is still planned for all of `nets`.
   */
  heal(nets: ActiveNetwork[], only?: ReadonlySet<string>): Promise<HealResult[]>;
  leases(def: NetworkDef, state: RuntimeState): Promise<Lease[]>;
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
  /** Dry run: what start, stop or the removal of an undefined network would do on this host. Changes nothing. */
  planChange(
    op: 'start' | 'stop' | 'forget',
    def: NetworkDef,
    state?: RuntimeState,
    opts?: { ports?: PortDevice[]; dropPorts?: boolean },
  ): Promise<ChangePlan>;
  /** Puts a new port's device on an active network's bridge (made, or for an adopted tap attached). */
  plugPort(def: NetworkDef, port: PortDevice): Promise<PlugResult>;
  /**
   * Runs the network hook scripts for a port or update operation (start, started and stopped run inside start and
   * stop). `port-created` and `updated` throw a VirtError when a script fails; the others report it as an event.
   */
  runHooks(op: HookOp, def: NetworkDef, portXml?: string): Promise<void>;
  /**
   * Brings the floor classes on the bridge of an active network with inbound <bandwidth> to these ports' floors
   * (classes added and removed, the rate left to the rest set), as libvirt does when ports come and go.
   */
  setFloors(def: NetworkDef, ports: PortDevice[]): Promise<void>;
  /** Removes a port's device (an adopted tap is released to its hypervisor instead). */
  unplugPort(port: PortDevice): Promise<void>;
  /** Makes the running dnsmasq use the definition's DHCP and DNS hosts now (SIGHUP: no restart, leases kept). */
  reloadDhcpHosts(def: NetworkDef, state: RuntimeState): Promise<void>;
  /** The end of a network (undefined while inactive, transient and stopped): its kept ports' devices, its lease file. */
  forget(def: NetworkDef, ports?: PortDevice[]): Promise<void>;
  /** Why the network's dnsmasq cannot be kept running, while that is so. */
  degraded(network: string): string | undefined;
  uplink(): string | undefined;
  hostAddresses(): string[];
  hostHasDevice(name: string): boolean;
  linkFacts(name: string): LinkFacts;
  hostDevices(): HostDevice[];
  deviceCounters(name: string): DeviceCounters | undefined;
  /** The host's part of the overlay fabric (src/daemon/overlay-service.ts uses it); undefined without one. */
  readonly overlay?: OverlayHostSide;
  /** The sockets the host listens on (for the warning about forwards that would shadow them). */
  listenSockets(): ListenSocket[];
  /** Counters of every device in one read (/metrics: never a read per network). */
  allDeviceCounters(): Map<string, DeviceCounters>;
  /** An active network's leases as the lease watcher last read them (no file read); undefined when not watched. */
  watchedLeases(network: string): Lease[] | undefined;
  /** Daemon shutdown: stop supervising and watching, leave every network running. */
  detach(): Promise<void>;
}
