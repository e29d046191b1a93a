// Starting, stopping and adopting networks: the registry's objects meet the reconciler. What a start checks across
// networks (bridge, forwards), the live definition it runs with (defaults, ports' reservations), and what a stop
// keeps (a persistent network's ports) or drops (a transient one's, with its lease file).

import type { NetworkEventType, NetworkInfo, RepairedDetail } from '../api/types.js';
import { formatSubnet, type Subnet, subnetsOverlap } from '../model/addr.js';
import { isDirectNetwork, withPool } from '../model/direct.js';
import { VirtError } from '../model/errors.js';
import type { NetworkDef } from '../model/network-def.js';
import { liveNetworkDef } from '../model/network-defaults.js';
import { ipSubnet } from '../model/network-ip.js';
import { readOverlay } from '../model/network-overlay.js';
import { parseNetworkXml } from '../model/network-parse.js';
import { checkStartable } from '../model/network-validate.js';
import { forwardLabel, readForwards } from '../model/port-forward.js';
import { withReservation } from '../model/port-reservation.js';
import type { PortDevice } from '../plan/desired.js';
import { hasFirewallRules } from '../render/nft-ruleset.js';
import type { ForwardService } from './forward-service.js';
import type { PortService } from './port-service.js';
import { type NetworkObj, type Registry, toInfo } from './registry.js';
import type { BatchStart, NetworkRuntime, ReconcileOutcome, SpawnGate } from './runtime.js';
import { SpawnBarrier } from './spawn-barrier.js';
import type { ActiveStatus, Store } from './store.js';

export interface LifecycleContext {
  registry: Registry;
  store: Store;
  runtime: NetworkRuntime;
  ports: PortService;
  forwards: ForwardService;
  emit(type: NetworkEventType, def: NetworkDef, detail?: Record<string, unknown>): void;
  repaired(def: NetworkDef, trigger: RepairedDetail['trigger'], o: ReconcileOutcome): void;
  statusOf(obj: NetworkObj): ActiveStatus;
  /** After each start: the heal loop's early round. */
  started(name: string): void;
  /** Checked before every start, autostart included: the daemon's policy (refused dnsmasq options). */
  startGuard(def: NetworkDef): void;
  log(msg: string): void;
}

interface Admitted {
  live: NetworkDef;
  devices: PortDevice[];
}

// each start of a batch compares its subnets with every other start of the batch: parse each definition's once
const subnetMemo = new WeakMap<NetworkDef, Subnet[]>();
function subnetsOf(def: NetworkDef): Subnet[] {
  let out = subnetMemo.get(def);
  if (!out) {
    out = def.ips.map(ipSubnet).filter((s) => s !== undefined);
    subnetMemo.set(def, out);
  }
  return out;
}

/** A subnet of `def` that a network being started alongside it has too: libvirt's words for the route check. */
function subnetClash(def: NetworkDef, inFlight: NetworkDef[]): string | undefined {
  const mine = subnetsOf(def);
  if (!mine.length) return undefined;
  for (const other of inFlight) {
    for (const s of subnetsOf(other)) {
      const hit = s && mine.find((m) => m.family === s.family && subnetsOverlap(m, s));
      if (hit && s)
        return `Network is already in use by interface ${other.bridge?.name ?? other.name} (${formatSubnet(hit)} overlaps route ${formatSubnet(s)})`;
    }
  }
  return undefined;
}

/** An overlay network (its FRR configuration is shared); a broken overlay element is the start's to report. */
function readOverlaySafe(def: NetworkDef): boolean {
  try {
    return readOverlay(def) !== undefined;
  } catch {
    return true;
  }
}

export class Lifecycle {
  constructor(private readonly ctx: LifecycleContext) {}

  /** Definitions and ports from the store, then the networks that kept running are adopted (ports included). */
  async load(opts: { definitionsOnly?: boolean }): Promise<void> {
    const { registry, store, runtime, ports, log } = this.ctx;
    for (const d of store.loadDefinitions()) {
      try {
        const def = parseNetworkXml(d.xml);
        if (def.name !== d.name) throw new Error(`file ${d.file} defines network '${def.name}'`);
        registry.nets.set(def.name, { def, persistent: true, autostart: d.autostart });
      } catch (e) {
        log(`ignoring ${d.file}: ${(e as Error).message}`);
      }
    }
    if (opts.definitionsOnly) return;
    const statuses = new Map<string, { live: NetworkDef; status: ActiveStatus }>();
    const gone = (name: string) =>
      log(`network '${name}' was running before a reboot (or in another namespace): not running now`);
    for (const [name, status] of store.loadStatuses(gone)) {
      try {
        const live = parseNetworkXml(status.xml);
        statuses.set(name, { live, status });
        if (!registry.nets.has(name))
          registry.nets.set(name, { def: live, persistent: false, autostart: false });
      } catch (e) {
        log(`ignoring status of '${name}': ${(e as Error).message}`);
      }
    }
    // ports first: they are part of what adoption makes sure of
    ports.load(log);
    const adopting = [...statuses];
    const outcomes = await runtime.adoptAll(
      adopting.map(([name, { live, status }]) => ({
        def: live,
        state: status.runtime,
        ports: ports.devicesOf(name),
      })),
    );
    let adopted = 0;
    for (const [k, [name, { live, status }]] of adopting.entries()) {
      const obj = registry.nets.get(name) as NetworkObj;
      try {
        const outcome = outcomes[k] as ReconcileOutcome | Error;
        if (outcome instanceof Error) throw outcome;
        adopted++;
        obj.runtime = outcome.state;
        obj.liveDef = live;
        // unchanged status files are left alone: replacing a file costs a flush on ext4, 5 ms each, seconds for all
        if (JSON.stringify(obj.runtime) !== JSON.stringify(status.runtime) || !store.stamped(status))
          store.saveStatus(name, { ...status, runtime: obj.runtime });
        log(`network '${name}' adopted`);
        if (outcome.steps.length) this.ctx.repaired(live, 'adopt', outcome);
      } catch (e) {
        log(`network '${name}' could not be adopted: ${(e as Error).message}`);
        store.deleteStatus(name);
        if (!obj.persistent) {
          await ports.removeAllOf(name, true);
          registry.nets.delete(name);
        }
      }
    }
    if (adopting.length) log(`${adopted} of ${adopting.length} running networks adopted`);
  }

  /** The definition a start runs with: live defaults, and the DHCP reservations of the network's ports. */
  liveFor(obj: NetworkObj | undefined, def: NetworkDef): NetworkDef {
    let live = liveNetworkDef(def);
    if (!obj) return live;
    for (const r of this.ctx.ports.reservationsOf(def.name)) {
      try {
        live = withReservation(live, r);
      } catch (e) {
        this.ctx.log(
          `network '${def.name}': reservation of ${r.ip} for ${r.mac} left out: ${(e as Error).message}`,
        );
      }
    }
    return live;
  }

  /** A forward that another active network already listens on fails in nft with "File exists": say who has it. */
  private forwardClash(def: NetworkDef, inFlight: NetworkDef[]): string | undefined {
    const mine = readForwards(def);
    if (!mine.length) return undefined;
    const others = [...this.ctx.registry.active().map((o) => o.liveDef), ...inFlight];
    for (const other of others) {
      if (!other || other.name === def.name) continue;
      const hit = this.ctx.forwards.clashOf(mine, readForwards(other));
      if (hit)
        return `forward ${forwardLabel(hit[0])} of network '${def.name}' clashes with forward ${forwardLabel(hit[1])} of active network '${other.name}'`;
    }
    return undefined;
  }

  async start(obj: NetworkObj, def: NetworkDef): Promise<void> {
    await this.launch(obj, def, this.admit(obj, def, []));
  }

  /**
   * Starts many networks (autostart), several at once: what one start does, with its own rollback, but the host's
   * slow parts (forks of ip, ethtool, dnsmasq; nft transactions) overlap. The first network with firewall rules
   * starts alone (it makes the table the others add to); direct and overlay networks start one by one after the
   * others (pools and FRR's configuration are shared). `done` hears of each network as it ends.
   */
  async startMany(
    objs: NetworkObj[],
    concurrency: number,
    done: (obj: NetworkObj, error?: Error) => void,
    bridgesReady: (count: number) => void = () => {},
  ): Promise<void> {
    const inFlight = new Map<NetworkObj, NetworkDef>();
    // started after the batch's route snapshot: their routes are not in it, so their subnets are checked here
    const startedSince: NetworkDef[] = [];
    let routes: BatchStart['routes'];
    const one = async (obj: NetworkObj, gate?: SpawnGate): Promise<void> => {
      let admitted: Admitted;
      try {
        admitted = this.admit(obj, obj.def, [...inFlight.values(), ...startedSince]);
      } catch (e) {
        done(obj, e as Error);
        return;
      }
      inFlight.set(obj, admitted.live);
      try {
        await this.launch(obj, obj.def, admitted, { aroundSpawn: gate, routes });
        if (routes) startedSince.push(admitted.live);
        done(obj);
      } catch (e) {
        done(obj, e as Error);
      } finally {
        inFlight.delete(obj);
      }
    };
    const alone = (o: NetworkObj) => isDirectNetwork(o.def) || readOverlaySafe(o.def);
    const together = objs.filter((o) => !alone(o));
    const first = together.findIndex((o) => hasFirewallRules(o.def));
    if (first >= 0) await one(together.splice(first, 1)[0] as NetworkObj);
    if (together.length > 1) routes = await this.ctx.runtime.hostRoutes();
    // bridges, addresses and rules of all, then their dnsmasqs (spawn-barrier.ts says why)
    const barrier = new SpawnBarrier(together.length, concurrency, () => {
      if (together.length) bridgesReady(together.length);
    });
    const starts: Promise<void>[] = [];
    let next = 0;
    const worker = async () => {
      while (next < together.length) {
        const member = barrier.member();
        const start = one(together[next++] as NetworkObj, member.gate).finally(member.leave);
        starts.push(start);
        await Promise.race([start, member.reached]);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, together.length)) }, worker));
    await Promise.all(starts);
    for (const o of objs.filter(alone)) await one(o);
  }

  /**
   * What a start checks before it touches the host: the definition, the daemon's policy, bridge names and forwards
   * taken by active networks, and by `inFlight` (starts under way) their bridges, forwards and subnets too (their
   * routes are not on the host yet for the start's own check to see).
   */
  private admit(obj: NetworkObj, def: NetworkDef, inFlight: NetworkDef[]): Admitted {
    const { registry, ports } = this.ctx;
    checkStartable(def);
    this.ctx.startGuard(def);
    const bridge = def.bridge?.name;
    for (const other of [...registry.active().map((o) => (o === obj ? undefined : o.liveDef)), ...inFlight]) {
      if (bridge && other?.bridge?.name === bridge) {
        throw new VirtError('RESOURCE_IN_USE', `bridge name '${bridge}' already in use.`);
      }
    }
    const clash = this.forwardClash(def, inFlight);
    if (clash) throw new VirtError('OPERATION_INVALID', clash);
    const overlap = subnetClash(def, inFlight);
    if (overlap) throw new VirtError('HOST_CONFLICT', overlap);
    return { live: this.liveFor(obj, def), devices: ports.devicesOf(def.name) };
  }

  private async launch(
    obj: NetworkObj,
    def: NetworkDef,
    { live, devices }: Admitted,
    batch?: BatchStart,
  ): Promise<void> {
    const { store, runtime } = this.ctx;
    try {
      obj.runtime = await runtime.start(live, devices, batch);
    } catch (e) {
      // the activity feed (web UI, net-event --json) shows what failed and what to do about it
      const hint = (e as VirtError).hint;
      this.ctx.emit('failed', def, {
        operation: 'start',
        message: (e as Error).message,
        ...(hint ? { hint } : {}),
      });
      throw e;
    }
    // a <pf>'s virtual functions are the pool of the running network (libvirt's interface pool)
    const pool = obj.runtime?.pool;
    obj.liveDef = Array.isArray(pool) ? withPool(live, pool as string[]) : live;
    try {
      store.saveStatus(def.name, this.ctx.statusOf(obj));
    } catch (e) {
      await runtime.stop(live, obj.runtime, { ports: devices }).catch(() => undefined);
      obj.liveDef = undefined;
      obj.runtime = undefined;
      throw e;
    }
    this.ctx.emit('started', def);
    this.ctx.started(def.name);
  }

  /**
   * Stops an active network: a persistent one keeps its ports (plugged in again at its next start), a transient
   * one's go with it, and so does its lease file. Returns the network's info as it is after the stop.
   */
  async stop(obj: NetworkObj, live: NetworkDef): Promise<NetworkInfo> {
    const { registry, store, runtime, ports } = this.ctx;
    const dropPorts = !obj.persistent;
    // (the `stopped` hook gets the network as it ran, with its connections)
    await runtime.stop(ports.liveView(live.name, live), obj.runtime ?? {}, {
      ports: ports.devicesOf(live.name),
      dropPorts,
    });
    store.deleteStatus(obj.def.name);
    obj.liveDef = undefined;
    obj.runtime = undefined;
    if (obj.newDef) {
      obj.def = obj.newDef;
      obj.newDef = undefined;
    }
    const info = toInfo(obj, runtime.uplink(), undefined);
    if (!obj.persistent) {
      await ports.removeAllOf(obj.def.name, false);
      await runtime.forget(live);
      registry.nets.delete(obj.def.name);
    }
    return info;
  }
}
